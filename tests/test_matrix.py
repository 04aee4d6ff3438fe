"""The support-matrix generator, on a canned results file (no suite run)."""

from __future__ import annotations

from pathlib import Path

import drivers
from cpe.matrix import __main__ as cli
from cpe.matrix.guessed import parse_guessed, tags_in
from cpe.matrix.render import render
from cpe.matrix.results import load

CANNED = Path(__file__).parent / "data" / "matrix-results.json"
DRIVERS_DIR = Path(drivers.__file__).parent


def _rows(text: str, first: str) -> list[list[str]]:
    return [
        [c.strip() for c in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith(f"| `{first}`")
    ]


def test_render_from_canned_results(tmp_path: Path) -> None:
    out = tmp_path / "matrix.md"
    assert cli.main(["--results", str(CANNED), "--out", str(out)]) == 0
    text = out.read_text()
    assert "2026-01-02T03:04:05+00:00" in text
    summary = _rows(text.split("## Detalhe")[0], "mercusys-ac12g")[0]
    # status passed, pppoe only skipped, dns passed, wifi failed, no optics on this model.
    assert summary[2:7] == ["simulador", "declarado", "simulador", "**FALHOU**", "—"]
    tplink = _rows(text.split("## Detalhe")[0], "tplink-onu")[0]
    assert tplink[6] == "simulador (1/2)"
    zte = _rows(text.split("## Detalhe")[0], "zte-onu")[0]
    assert zte[2] == "**real**" and zte[6] == "**real**" and zte[3] == "declarado"
    # A capture from the lab is not a real-device fixture.
    detail = _rows(text.split("## Detalhe")[1], "fiberhome-onu")
    assert [r[5] for r in detail if r[1] == "status"] == ["não"]
    # No harness at all: declared, never verified.
    assert _rows(text.split("## Detalhe")[0], "zte-f670l")[0][7] == "não testado"


def test_real_column_is_computed_not_typed() -> None:
    generated_at, facts = load(CANNED)
    without_device = [f for f in facts if f.source != "device"]
    text = render(without_device, generated_at, DRIVERS_DIR)
    detail = text.split("## Detalhe")[1]
    real = {r[5] for r in _rows(detail, "zte-onu")}
    assert real == {"não"}


def test_guessed_tags_and_counts(tmp_path: Path) -> None:
    assert tags_in("#: [C unit, G use] §1") == ("C", "G")
    assert tags_in("#: [I S4 CVE-36607] and [P notes]") == ("I", "P")
    sample = tmp_path / "guessed.py"
    sample.write_text(
        '"""doc"""\n\n# --- section [C] ---\n\n#: [G] guess\nA = 1\nB = 2\n\nC = 3\n'
        "_PRIVATE = 4\nD: int = 5  # [P] seen once\nE, F = 6, 7\n"
    )
    levels = {e.name: e.level for e in parse_guessed(sample)}
    assert levels == {"A": "G", "B": "G", "C": "C", "D": "P/I", "E": "P/I", "F": "P/I"}


def test_missing_results_file_is_a_clear_error(tmp_path: Path) -> None:
    assert cli.main(["--results", str(tmp_path / "nope.json")]) == 2
