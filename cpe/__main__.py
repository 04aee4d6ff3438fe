"""`python -m cpe` is the `cpe` command."""

from cpe.cli import main

main()
