"""Hold-out check (issue 12): the public TP-Link EX client from PyPI, `tplinkrouterc6u`
(AlexandrErohin/TP-Link-Archer-C6U, a dev dependency only), reads firmware, status and IPv4
status from our simulator in every cipher profile it has a class for.

Nothing here is shared with our driver: the client brings its own RSA, AES, act encoding
and parsing, so a simulator that drifts from what real EX firmware answers (an object it
refuses, a field it drops, a cipher detail it gets wrong) fails this test. The client is
only pointed at the simulator's loopback address and port (its URL takes a port).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from ipaddress import IPv4Address

import pytest
from macaddress import EUI48
from tplinkrouterc6u import TPLinkEXClient, TPLinkEXClientGCM, TPLinkEXClientGCMOAEP
from tplinkrouterc6u.client.mr import TPLinkMRClientBase

from cpe.models import Band
from drivers.sim import SimDevice, SimRunner
from drivers.tplink import protocol as p
from tests.conformance.harness import ADMIN_PASSWORD, Harness, Rig, rig

#: Our profile → the public client class written for that firmware.
CLIENTS: dict[str, type[TPLinkMRClientBase]] = {
    "cbc": TPLinkEXClient,
    "gcm": TPLinkEXClientGCM,
    "gcm-oaep": TPLinkEXClientGCMOAEP,
}
CASES = [("tplink-onu", name) for name in CLIENTS] + [("tplink-xz000-g3", "cbc")]


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as made:
        yield made


def _profile(name: str) -> Callable[[SimDevice], None]:
    def customize(dev: SimDevice) -> None:
        dev.extra["profile"] = name
        dev.dns = ["8.8.8.8", "8.8.4.4"]

    return customize


def _client(r: Rig, profile: str) -> TPLinkMRClientBase:
    client = CLIENTS[profile](
        f"http://{r.host}:{r.port}", ADMIN_PASSWORD, username=r.device.admin_user or "",
        timeout=5,
    )
    client.req.trust_env = False  # loopback only: no proxy from the environment
    return client


@pytest.mark.parametrize(("model", "profile"), CASES, ids=[f"{m}-{p}" for m, p in CASES])
def test_public_ex_client_reads_firmware_status_and_ipv4(
    runner: SimRunner, model: str, profile: str
) -> None:
    harness = Harness(id=f"interop-{profile}", model=model, customize=_profile(profile))
    with rig(harness, runner) as r:
        dev = r.device
        client = _client(r, profile)
        client.authorize()
        try:
            firmware = client.get_firmware()
            status = client.get_status()
            ipv4 = client.get_ipv4_status()
        finally:
            client.logout()

        assert (firmware.model, firmware.firmware_version, firmware.hardware_version) == (
            dev.model_name, dev.firmware, dev.hardware,
        )
        assert status.lan_macaddress == EUI48(dev.mac)
        assert status.lan_ipv4_address == IPv4Address("192.168.1.1")
        assert ipv4.lan_ipv4_netmask_address == IPv4Address("255.255.255.0")
        assert status.wan_macaddress == EUI48(dev.mac)
        total, free = int(dev.extra["mem_total"]), int(dev.extra["mem_free"])
        assert status.mem_usage == pytest.approx((total - free) / total)
        assert status.cpu_usage == pytest.approx(int(dev.extra["cpu"]) / 100)
        hosts = [h for h in dev.extra["hosts"] if h["active"] == "1"]
        assert status.clients_total == len(hosts)
        assert {str(d.ipaddress) for d in status.devices} == {h["IPAddress"] for h in hosts}

        if model == "tplink-onu":
            assert status.wan_ipv4_address == IPv4Address(dev.wan_ip)
            assert status.wan_ipv4_gateway_address == IPv4Address(dev.wan_gateway)
            assert status.wifi_2g_enable is True and status.wifi_5g_enable is True
            assert status.guest_2g_enable is False
            assert ipv4.wan_ipv4_ipaddress == IPv4Address(dev.wan_ip)
            assert ipv4.wan_ipv4_conntype == "pppoe_gpon_3_3"
            assert (ipv4.wan_ipv4_pridns, ipv4.wan_ipv4_snddns) == ("8.8.8.8", "8.8.4.4")
            assert status.wired_total == sum(
                1 for h in hosts if h["X_TP_LanConnType"] == str(p.HOST_WIRED)
            )
        else:  # bridged: no IP of its own on the WAN, no radios
            assert status.wan_ipv4_address is None
            assert status.wifi_2g_enable is None
        assert dev.counters.logins == 1 and dev.counters.failed_logins == 0
        assert not dev.open_toolkit_session()  # its logout closed the one admin session


def test_public_client_toggles_the_guest_network(runner: SimRunner) -> None:
    """S1 `set_wifi(GUEST_2G)` writes `guestEnable` on the band's instance; the real units
    accept it, so the simulator must too, and its read must show the change."""
    from tplinkrouterc6u import Connection

    harness = Harness(id="interop-guest", model="tplink-onu", customize=_profile("gcm"))
    with rig(harness, runner) as r:
        client = _client(r, "gcm")
        client.authorize()
        try:
            client.set_wifi(Connection.GUEST_2G, True)
            status = client.get_status()
        finally:
            client.logout()
    assert status.guest_2g_enable is True and status.guest_5g_enable is False
    assert r.device.extra["guest"][Band.GHZ_2_4][p.WIFI_GUEST_ENABLE_FIELD] == "1"
