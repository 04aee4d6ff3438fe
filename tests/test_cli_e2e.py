"""`cpe` end to end on a lab: the commands an N1 agent runs, as subprocesses."""

from __future__ import annotations

import json

from cpe.journal import Journal
from tests.conftest import Lab


def _json(proc: object) -> dict:  # type: ignore[type-arg]
    return json.loads(proc.stdout)  # type: ignore[attr-defined]


def test_status_json_shape_for_a_healthy_device(lab: Lab) -> None:
    dev = next(d for d in lab.devices if not d["planted"] and d["model"].startswith("mercusys"))
    proc = lab.cpe("status", dev["login"], "--json")
    assert proc.returncode == 0, proc.stderr
    data = _json(proc)
    for key in ("login", "model", "reachable", "transport", "firmware", "uptime_s", "wan", "dns",
                "wifi", "optical"):
        assert key in data
    assert data["reachable"] is True
    assert data["transport"] == "http"
    assert data["wan"]["up"] is True and data["wan"]["pppoe_username"] == dev["login"]
    assert data["dns"] == ["1.1.1.1", "1.0.0.1"]
    assert {w["band"] for w in data["wifi"]} == {"2.4GHz", "5GHz"}
    assert data["drifts"] == []


def test_status_human_output_is_portuguese(lab: Lab) -> None:
    dev = lab.pick("dns", exclude=("blocked", "reduced", "ssid"))
    proc = lab.cpe("status", dev["login"])
    assert proc.returncode == 0
    assert "FORA do padrão" in proc.stdout


def test_unknown_login_is_bad_input(lab: Lab) -> None:
    proc = lab.cpe("status", "ninguem.aqui")
    assert proc.returncode == 2
    assert "não encontrado no IXC" in proc.stderr


def test_unreachable_device(lab: Lab) -> None:
    dev = lab.pick("unreachable")
    proc = lab.cpe("status", dev["login"], "--json")
    assert proc.returncode == 1
    data = _json(proc)
    assert data["reachable"] is False
    assert data["error"]["kind"] == "unreachable"
    assert "não respondeu na porta de gerência" in data["error"]["mensagem"]


def test_dry_run_touches_nothing_then_reconfigure_fixes(lab: Lab) -> None:
    dev = lab.pick("dns", exclude=("blocked", "reduced", "ssid"))
    dry = lab.cpe("reconfigure", dev["login"], "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert _json(dry)["changed"] == ["dns"] and _json(dry)["dry_run"] is True
    still = _json(lab.cpe("status", dev["login"], "--json"))
    assert "dns" in still["drifts"], "dry run must not change the device"
    done = lab.cpe("reconfigure", dev["login"], "--json")
    assert done.returncode == 0, done.stderr
    result = _json(done)
    assert result == {**result, "changed": ["dns"], "verified": True, "rolled_back": False,
                      "dry_run": False}
    after = _json(lab.cpe("status", dev["login"], "--json"))
    assert after["dns"] == ["1.1.1.1", "1.0.0.1"] and after["drifts"] == []
    history = Journal(lab.home / "journal.sqlite3").history(dev["login"])
    assert [h["outcome"] for h in history if h["kind"] == "action"][:2] == ["verified", "dry_run"]


def test_pppoe_typo_is_fixed_across_the_wan_restart(lab: Lab) -> None:
    dev = lab.pick("pppoe", exclude=("blocked",))
    before = _json(lab.cpe("status", dev["login"], "--json"))
    assert before["wan"]["up"] is False and before["wan"]["error"] == "pppoe_auth_failed"
    proc = lab.cpe("reconfigure", dev["login"], "--pppoe", "--json")
    assert proc.returncode == 0, proc.stderr
    assert _json(proc)["verified"] is True and _json(proc)["changed"] == ["pppoe"]
    after = _json(lab.cpe("status", dev["login"], "--json"))
    assert after["wan"]["up"] is True and after["wan"]["pppoe_username"] == dev["login"]


def test_wifi_drift_fixed_from_ixc(lab: Lab) -> None:
    dev = lab.pick("ssid", exclude=("blocked", "web_down"))
    proc = lab.cpe("reconfigure", dev["login"], "--wifi", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "ssid" in _json(proc)["changed"]
    after = _json(lab.cpe("status", dev["login"], "--json"))
    assert "ssid" not in after["drifts"] and "wifi_key" not in after["drifts"]


def test_blocked_contract_is_refused_with_runbook_guidance(lab: Lab) -> None:
    dev = lab.pick("blocked")
    proc = lab.cpe("reconfigure", dev["login"])
    assert proc.returncode == 3
    assert "bloqueado" in proc.stderr and "SEGUNDA VIA" in proc.stderr
    assert "dns" in _json(lab.cpe("status", dev["login"], "--json"))["drifts"]


def test_reduced_speed_is_acted_on_with_a_notice(lab: Lab) -> None:
    dev = lab.pick("reduced")
    proc = lab.cpe("reconfigure", dev["login"], "--json")
    assert proc.returncode == 0, proc.stderr
    assert any("100 Mbps" in n for n in _json(proc)["notices"])


def test_busy_device_is_not_kicked(lab: Lab) -> None:
    dev = lab.pick("busy")
    proc = lab.cpe("status", dev["login"], "--json")
    assert proc.returncode == 1
    assert _json(proc)["error"]["kind"] == "busy"


def test_wrong_first_password_then_second(lab: Lab) -> None:
    dev = lab.pick("wrong_first_password")
    proc = lab.cpe("status", dev["login"], "--json")
    assert proc.returncode == 0, proc.stderr
    assert _json(proc)["reachable"] is True


def test_web_down_falls_back_to_cli(lab: Lab) -> None:
    dev = lab.pick("web_down")
    proc = lab.cpe("status", dev["login"], "--json")
    assert proc.returncode == 0, proc.stderr
    assert _json(proc)["transport"] in ("ssh", "telnet")


def test_bridge_onu_says_where_to_configure(lab: Lab) -> None:
    dev = next((d for d in lab.devices if d["model"] == "tplink-xz000-g3"), None)
    if dev is None:
        return
    proc = lab.cpe("reconfigure", dev["login"])
    assert proc.returncode != 0
    assert "modo bridge" in proc.stderr


def test_lab_status_json_and_no_lockouts_or_open_sessions(lab: Lab) -> None:
    data = _json(lab.cpe("lab", "status", "--json"))
    assert data["running"] is True and data["ixc_url"].startswith("http://127.0.0.1:")
    for d in data["devices"]:
        assert {"login", "model", "host", "port", "planted"} <= set(d)
        assert d["port"] == 2389 and d["host"].startswith("127.")
    counters = data["counters"]
    assert counters["lockouts_caused"] == 0
    assert counters["open_sessions"] == 0


def test_everything_under_cpe_home_is_owner_only(lab: Lab) -> None:
    import stat

    dev = lab.pick("dns", exclude=("blocked",))
    lab.cpe("reconfigure", dev["login"], "--dry-run")
    loose = []
    for path in [lab.home, *lab.home.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            loose.append(f"{path.relative_to(lab.home)}: {oct(mode)}")
    assert loose == []
    assert (lab.home / "journal.sqlite3").exists()
