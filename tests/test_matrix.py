"""The support-matrix generator, on a canned results file (no suite run)."""

from __future__ import annotations

from pathlib import Path

from cpe.matrix import __main__ as cli
from cpe.matrix.evidence import BEGIN, END, readme_section, update_readme
from cpe.matrix.render import render
from cpe.matrix.results import load
from drivers.evidence import LEDGER_MODULES, Fact, Grade, constants_of, ledger_of

CANNED = Path(__file__).parent / "data" / "matrix-results.json"
README = Path(__file__).parent.parent / "README.md"


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
    text = render(without_device, generated_at)
    detail = text.split("## Detalhe")[1]
    real = {r[5] for r in _rows(detail, "zte-onu")}
    assert real == {"não"}


def test_ledger_counts_and_sources_in_the_matrix(tmp_path: Path) -> None:
    ledgers = {
        "mercusys": (
            Fact("A", Grade.CONFIRMED, "a fact", ("owner/repo:path.py",)),
            Fact("B", Grade.GUESSED, "a guess"),
        ),
    }
    generated_at, facts = load(CANNED)
    text = render(facts, generated_at, ledgers=ledgers)
    summary = _rows(text.split("## Detalhe")[0], "mercusys-ac12g")[0]
    assert summary[8] == "2 (confirmado 1 · adivinhado 1)"
    assert "- `A`: a fact — owner/repo:path.py" in text


def test_a_sourced_grade_needs_a_source() -> None:
    import pytest

    with pytest.raises(ValueError, match="needs a source"):
        Fact("X", Grade.CORROBORATED, "no source given")


def test_every_constant_has_exactly_one_fact() -> None:
    for family, module in LEDGER_MODULES.items():
        names = [f.name for f in ledger_of(family)]
        assert len(names) == len(set(names)), f"{family}: a constant has two facts"
        missing = set(constants_of(module)) - set(names)
        assert not missing, f"{family}: constants without evidence: {sorted(missing)}"
        extra = set(names) - set(constants_of(module))
        assert not extra, f"{family}: facts naming no constant: {sorted(extra)}"


def test_readme_evidence_section_is_generated_and_current(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    copy = tmp_path / "README.md"
    copy.write_text(text, encoding="utf-8")
    assert not update_readme(copy), "README is stale: run `python -m cpe.matrix readme`"
    section = readme_section({"ixc": (Fact("Z", Grade.GUESSED, "the model field"),)})
    assert "| IXC | `inventory/ixc/fields.py` | 0 | 0 | 1 |" in section
    assert "the model field" in section


def test_missing_results_file_is_a_clear_error(tmp_path: Path) -> None:
    assert cli.main(["--results", str(tmp_path / "nope.json")]) == 2
