"""A public client written for the real devices, run against our Mercusys simulator.

tplinkrouterc6u (PyPI, GPL-3, a dev dependency only) has no class for the classic
Mercusys web UI: its `TplinkC80Router` speaks the same `/?code=N&asyn=M` transport but its
`authorize()` always adds the code=16 RSA/AES key exchange of the newer "GDPR" builds,
which the AC12G v1 and MR30G v1 do not offer. What it does offer, and what these tests
drive unchanged over loopback, is everything around that step: its token derivation from
the 401 challenge (lines 3 and 4), the code=7 login, the plain-text data mode it falls back
to for firmware that refuses encrypted bodies (WR844N, its issue #59), `get_firmware()`,
`get_ipv4_status()`, `set_wifi()` and `logout()`. The private names used (`_encode_token`,
`_encrypt_password`, `_encryption.token`, `_plain_data`) are the library's own pieces of
that flow; `authorize()` itself cannot run here, for the reason above.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from tplinkrouterc6u import Connection, TplinkC80Router

from cpe.models import Band
from drivers.mercusys.simulator import MercusysFamily
from drivers.sim import SimDevice, SimRunner

PASSWORD = "interop-Admin-7"
FAMILY = MercusysFamily()
_hosts = iter(range(2, 250))


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


def _client(runner: SimRunner, model: str, profile: str | None) -> tuple[TplinkC80Router,
                                                                          SimDevice]:
    dev = FAMILY.new_device(model, random.Random(21), profile=profile)
    dev.admin_password = PASSWORD
    dev.dns = ["1.1.1.1", "1.0.0.1"]
    dev.evaluate_wan()
    host, port = runner.add(dev, FAMILY, f"127.0.41.{next(_hosts)}", 0)
    return TplinkC80Router(f"http://{host}:{port}", PASSWORD, timeout=5), dev


def _login(client: TplinkC80Router) -> None:
    """authorize() minus its code=16 step, with the library's own pieces."""
    challenge = client.request(2, 1)  # unauthenticated: the 401 challenge
    assert challenge.status_code == 401
    encoded = TplinkC80Router._encrypt_password(PASSWORD)
    client._encryption.token = TplinkC80Router._encode_token(encoded, challenge)
    client.request(7, 0, True)  # raise_for_status: the login must answer 200
    client._plain_data = True


@pytest.mark.parametrize(
    ("model", "profile"),
    [
        ("mercusys-ac12g", "ac12g-v1-210128"),  # six-line challenge
        ("mercusys-ac12g", "ac12g-v1-200909"),
        ("mercusys-mr30g", "mr30g-v1-current"),  # five-line challenge
    ],
)
def test_public_client_logs_in_and_reads_firmware_and_ipv4(
    runner: SimRunner, model: str, profile: str
) -> None:
    client, dev = _client(runner, model, profile)
    # Its C80 detection reads id 0 without a session: a classic unit answers 401.
    assert client.supports() is False
    _login(client)
    firmware = client.get_firmware()
    assert (firmware.model, firmware.firmware_version, firmware.hardware_version) == (
        dev.model_name, dev.firmware, dev.hardware
    )
    ipv4 = client.get_ipv4_status()
    assert ipv4.wan_ipv4_conntype == "PPPoE"
    assert (str(ipv4.wan_ipv4_ipaddr), str(ipv4.wan_ipv4_gateway)) == (dev.wan_ip, dev.wan_gateway)
    assert (str(ipv4.wan_ipv4_pridns), str(ipv4.wan_ipv4_snddns)) == ("1.1.1.1", "1.0.0.1")
    assert str(ipv4.lan_ipv4_ipaddr) == "192.168.1.1" and ipv4.lan_ipv4_dhcp_enable
    client.logout()
    assert not dev.open_toolkit_session()
    assert dev.counters.failed_logins == 0


def test_public_client_sees_the_dhcp_wan(runner: SimRunner) -> None:
    client, _ = _client(runner, "mercusys-ac12g", "ac12g-v1-210128-dhcp-wan")
    _login(client)
    assert client.get_ipv4_status().wan_ipv4_conntype == "Dynamic IP"
    client.logout()


@pytest.mark.parametrize(
    ("profile", "hits_main"), [("ac12g-v1-200909", True), ("ac12g-v1-210128", False)]
)
def test_public_client_wifi_switch_lands_where_its_numbering_points(
    runner: SimRunner, profile: str, hits_main: bool
) -> None:
    """Its HOST_2G is `33|1,1,0`: the main SSID on unit-1 firmware, the guest on unit-0
    firmware (why our driver finds the numbering with a read first)."""
    client, dev = _client(runner, "mercusys-ac12g", profile)
    _login(client)
    client.set_wifi(Connection.HOST_2G, False)
    client.logout()
    assert dev.wifi[Band.GHZ_2_4].enabled is (not hits_main)
    assert ("overlay" in dev.extra) is (not hits_main)
