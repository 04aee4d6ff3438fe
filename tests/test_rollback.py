"""Rollback matrix: for every write step of every driver, a failure injected right after
the device accepted the write leaves the device either restored to its previous settings
or precisely reported as changed-but-unverified. Also: an interrupted reconfigure is
journaled, and the next status tells the truth."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cpe import actions
from cpe.errors import DeviceUnreachable
from cpe.journal import Journal
from cpe.models import Band
from drivers.sim import SimDevice
from tests.inproc import World, world

FAMILIES = ["mercusys-ac12g", "mercusys-mr30g", "zyxel", "zte-onu", "fiberhome-onu", "tplink-onu"]
STEPS = {"set_dns": "dns", "set_wifi": "ssid", "set_pppoe": "pppoe"}


@pytest.fixture(scope="module")
def w(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world(tmp_path_factory.mktemp("rollback"), FAMILIES) as made:
        yield made


def _snapshot(dev: SimDevice) -> dict[str, Any]:
    return {
        "dns": list(dev.dns[:2]),
        "ssid": dev.wifi[Band.GHZ_2_4].ssid,
        "wifi_key": dev.wifi[Band.GHZ_2_4].psk,
        "pppoe": dev.pppoe_user,
    }


def _inject(monkeypatch: pytest.MonkeyPatch, step: str, persistent: bool) -> dict[str, bool]:
    real_open = actions.open_driver
    state = {"tripped": False}

    def fake_open(ctx: Any, sub: Any) -> Any:
        if state["tripped"] and persistent:
            raise DeviceUnreachable("injected: device gone", device=sub.login, operation="open")
        drv = real_open(ctx, sub)
        if state["tripped"]:
            return drv
        original = getattr(drv, step)

        def write_then_fail(*args: Any, **kwargs: Any) -> None:
            original(*args, **kwargs)
            state["tripped"] = True
            raise DeviceUnreachable(
                "injected: failure right after the write", device=sub.login, operation=step
            )

        setattr(drv, step, write_then_fail)
        return drv

    monkeypatch.setattr(actions, "open_driver", fake_open)
    return state


@pytest.mark.parametrize("persistent", [False, True], ids=["transient", "device-gone"])
@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("model", FAMILIES)
def test_failure_right_after_each_write(
    w: World, monkeypatch: pytest.MonkeyPatch, model: str, step: str, persistent: bool
) -> None:
    login, dev = w.add(model, dns_drift=True, ssid_drift=True, pppoe_drift=True)
    before = _snapshot(dev)
    state = _inject(monkeypatch, step, persistent)
    with pytest.raises(actions.ReconfigureFailed) as info:
        actions.reconfigure(w.context(), login)
    assert state["tripped"], f"the write under test was never reached: {info.value.result}"
    result = info.value.result
    assert STEPS[step] in result.changed, "the accepted write must be reported"
    after = _snapshot(dev)
    for item, old in before.items():
        restored = after[item] == old
        reported = (
            item in result.unverified
            or (item == "wifi_key" and "ssid" in result.unverified)
            or (item == "ssid" and "wifi_key" in result.unverified)
        )
        assert restored or reported, f"{item} changed silently ({result.model_dump()})"
    if not persistent and step != "set_pppoe":
        assert result.rolled_back, result.model_dump()
        assert after == before
    journal = Journal(w.home / "journal.sqlite3").history(login)
    assert journal and journal[0]["outcome"] in ("rolled_back", "changed_unverified")


def test_interrupted_reconfigure_is_journaled_and_status_tells_the_truth(
    w: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    login, dev = w.add("mercusys-ac12g", dns_drift=True, ssid_drift=True)
    real_open = actions.open_driver

    def interrupt_after_dns(ctx: Any, sub: Any) -> Any:
        drv = real_open(ctx, sub)
        original = drv.set_dns

        def dns_then_ctrl_c(*a: Any, **k: Any) -> None:
            original(*a, **k)
            raise KeyboardInterrupt

        drv.set_dns = dns_then_ctrl_c  # type: ignore[method-assign]
        return drv

    monkeypatch.setattr(actions, "open_driver", interrupt_after_dns)
    with pytest.raises(KeyboardInterrupt):
        actions.reconfigure(w.context(), login)
    monkeypatch.setattr(actions, "open_driver", real_open)
    entry = Journal(w.home / "journal.sqlite3").history(login)[0]
    assert entry["outcome"] == "interrupted"
    assert "dns" in entry["changed"]
    report = actions.status(w.context(), login)
    assert report.dns == ["1.1.1.1", "1.0.0.1"], "the DNS write did land: status must say so"
    assert "ssid" in report.drifts, "the Wi-Fi write never happened: status must say so"
    assert not dev.open_toolkit_session()
