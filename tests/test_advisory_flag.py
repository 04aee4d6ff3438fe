"""`cpe status` and the audit flag a unit whose firmware a public advisory lists (issue
12.6), by version string only; a unit on a build no advisory lists is not flagged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cpe import actions
from cpe.audit import audit_device
from cpe.audit_report import CSV_COLUMNS, flat_row
from drivers.mercusys.advisories import ADVISORIES
from tests.inproc import World, world


@pytest.fixture(scope="module")
def w(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world(tmp_path_factory.mktemp("advisories"), ["mercusys-ac12g", "zyxel"]) as made:
        yield made


def test_status_of_a_listed_build_names_the_advisories(w: World) -> None:
    login, _ = w.add("mercusys-ac12g")
    report = actions.status(w.context(), login)
    assert report.reachable, report.summary_pt
    assert {a["id"] for a in report.advisories} == {a.advisory_id for a in ADVISORIES}
    assert all(a["fonte"] and a["resumo"] for a in report.advisories)
    (line,) = [s for s in report.summary_pt if "vulnerável" in s]
    assert ADVISORIES[0].advisory_id in line


def test_status_of_an_unlisted_build_is_not_flagged(w: World) -> None:
    login, dev = w.add("mercusys-ac12g")
    dev.firmware = "1.0.3 Build 230101 Rel.10000n"  # a build no advisory lists
    report = actions.status(w.context(), login)
    assert report.reachable and report.advisories == []
    assert not any("vulnerável" in s for s in report.summary_pt)


def test_the_audit_row_carries_the_advisory_ids(w: World) -> None:
    login, _ = w.add("mercusys-ac12g")
    ctx = w.context()
    result = audit_device(ctx, ctx.inventory.subscriber(login))
    detail = result.detail
    assert {a["id"] for a in detail["advisories"]} == {a.advisory_id for a in ADVISORIES}
    row = flat_row({"login": login, "verdict": result.verdict, **detail})
    assert "alertas" in CSV_COLUMNS and ADVISORIES[0].advisory_id in row["alertas"]
