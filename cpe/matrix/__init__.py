"""The support matrix: model × operation × transport, generated from test results.

`make matrix` runs the conformance suite with `-p cpe.matrix.plugin` (which writes a JSON
results file) and renders docs/support-matrix.md with `python -m cpe.matrix`.
"""
