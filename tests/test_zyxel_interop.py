"""Hold-out check (issue 12): a public Zyxel DAL client, installed from PyPI and written
for real units, reads status, WAN and Wi-Fi from our simulator with every field filled.

The client is `zyxel-cli` 0.1.0 (millaguie/zyxel-cli, for the AX7501-B0): RSA-wrapped
AES-256-CBC login after GetInfoNoLogin, then `DAL?oid=status|wan|wlan`. It builds
`http://{host}` itself, so the test hands it "127.x.y.z:port" as the host (the URL shape
is adapted here, never the simulator). Its `status`/`wan`/`wifi` commands print "?" for
any field the answer lacks; a simulator that loses one fails this test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from zyxel_cli import cli as zyxel_cli

from drivers.sim import SimRunner
from drivers.zyxel.sim_profiles import apply_profile
from tests.conformance.harness import ADMIN_PASSWORD
from tests.zyxel_helpers import Unit, make_unit


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


def _fields(text: str) -> dict[str, str]:
    """'Label:   value' lines of the client's output (first occurrence of each label)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"\s*([A-Za-z][A-Za-z0-9 ]*?):\s*(.*)$", line)
        if match:
            out.setdefault(match.group(1).strip(), match.group(2).strip())
    return out


def _client(unit: Unit) -> zyxel_cli.ZyxelRouter:
    router = zyxel_cli.ZyxelRouter(f"{unit.host}:{unit.port}", "supervisor", ADMIN_PASSWORD)
    router.session.trust_env = False  # loopback only: never an environment proxy
    return router


# Both profiles that serve `oid=status` over RSA/AES, which is what this client speaks
# (it cannot do the "None" plain variant, nor firmware with cardpage_status only).
@pytest.mark.parametrize("profile", ["aes", "aes-rotating"])
def test_public_client_reads_status_wan_and_wifi(
    runner: SimRunner, profile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    unit = make_unit(runner, lambda dev: apply_profile(dev, profile))
    dev = unit.device
    router = _client(unit)
    router.login()
    try:
        assert router.sessionkey  # the encrypted login went through
        zyxel_cli.cmd_status(router, None)
        status_out = capsys.readouterr().out
        zyxel_cli.cmd_wan(router, None)
        wan_out = capsys.readouterr().out
        zyxel_cli.cmd_wifi(router, None)
        wifi_out = capsys.readouterr().out
    finally:
        router.logout()

    status = _fields(status_out)
    assert status["Model"] == f"Zyxel {dev.model_name}"  # DeviceInfo.Manufacturer + ModelName
    assert status["Firmware"] == dev.firmware
    assert status["Serial"] == dev.serial
    assert status["Hostname"] == dev.model_name  # SystemInfo.HostName
    assert re.fullmatch(r"\d+%", status["CPU"])  # SystemInfo.CPUUsage
    assert re.fullmatch(r"[\d.]+% used \(.+ free of .+\)", status["RAM"])  # Total / Free
    assert re.fullmatch(r"(\d+[dhms] ?)+", status["Uptime"])
    # WanLanInfo[].Name of every interface that is up.
    assert status["Interfaces"].split(", ") == ["LAN", "Internet", "TR069"]
    assert "?" not in status_out

    wan = _fields(wan_out.split("--- TR069 ---")[0])
    assert wan["IP"] == dev.wan_ip
    assert wan["Subnet"] == "255.255.255.255"  # PPPoE
    assert wan["Gateway"] == dev.wan_gateway
    assert wan["DNS"] == ",".join(dev.dns)
    assert wan["Encapsulation"] == "PPPoE"
    assert wan["VLAN"] == "10"
    assert wan["PPP user"] == dev.pppoe_user
    assert wan["IP mode"] == "IPv4"  # an IPv4-only WAN prints no IPv6 line, by design
    assert wan["NAT"] == "enabled"
    assert "--- TR069 ---" in wan_out and "?" not in wan_out

    rows = [ln.split() for ln in wifi_out.splitlines() if re.match(r"^\d+\s+\S+\s+\d", ln)]
    by_ssid = {row[1]: row for row in rows}
    for band, state in dev.wifi.items():
        row = by_ssid[state.ssid]
        assert row[2] == str(band) and row[3] == "auto" and row[4].endswith("MHz")
        assert row[5] == "WPA2-Personal" and row[-1] == ("yes" if state.enabled else "no")
    assert f"{len(rows)} networks total." in wifi_out and "?" not in wifi_out


def test_public_client_keeps_working_after_our_driver_rotated_the_sessionkey(
    runner: SimRunner,
) -> None:
    """The two clients share the unit in turn: ours (writes rotate the key) logs out,
    then the public one logs in and reads what we wrote."""
    unit = make_unit(runner, lambda dev: apply_profile(dev, "aes-rotating"))
    drv = unit.driver()
    with drv:
        drv.set_dns("9.9.9.9", "149.112.112.112")  # two PUTs: the second needs the new key
    router = _client(unit)
    router.login()
    try:
        (internet, *_rest) = router.get_wan_info()
    finally:
        router.logout()
    assert internet["DNSServer"] == "9.9.9.9,149.112.112.112"
