"""`python -m cpe.matrix --results FILE [--out docs/support-matrix.md]`, and
`python -m cpe.matrix readme [README.md]` to regenerate the README's evidence section."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cpe.matrix.evidence import update_readme
from cpe.matrix.render import render
from cpe.matrix.results import load


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["readme"]:
        path = Path(argv[1]) if len(argv) > 1 else Path("README.md")
        changed = update_readme(path)
        print(f"{path}: {'atualizado' if changed else 'já em dia'}", file=sys.stderr)
        return 0
    parser = argparse.ArgumentParser(prog="python -m cpe.matrix", description=__doc__)
    parser.add_argument("--results", type=Path, required=True,
                        help="JSON do plugin (pytest -p cpe.matrix.plugin --matrix-results)")
    parser.add_argument("--out", type=Path, help="arquivo markdown (padrão: stdout)")
    args = parser.parse_args(argv)
    if not args.results.is_file():
        print(f"resultados não encontrados: {args.results} (rode `make matrix`)", file=sys.stderr)
        return 2
    generated_at, facts = load(args.results)
    text = render(facts, generated_at)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"matriz escrita em {args.out} ({len(facts)} resultados de teste)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
