"""The firmware variants public evidence shows, each driven over loopback: the two challenge
layouts, the two Wi-Fi numberings (and the guest network between them), the WAN DNS by link
type, and the MR30G's unauthenticated read the driver never relies on."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address
from typing import Any

import pytest
import requests
from pydantic import SecretStr
from requests.adapters import BaseAdapter

from cpe.errors import Unsupported
from cpe.models import Band, Credential, PppoeSettings, Target
from drivers.http import make_session
from drivers.mercusys import guessed as g
from drivers.mercusys.driver import MercusysDriver
from drivers.mercusys.session import attempts_left
from drivers.mercusys.sim_objects import ISP_DNS
from drivers.mercusys.wire import (
    Block,
    Challenge,
    ChallengeLayout,
    ClientState,
    ObjectRef,
    parse_blocks,
    parse_reply,
)
from drivers.mercusys.writes import pppoe_change
from drivers.sim import SimRunner
from tests.conformance.harness import ADMIN_PASSWORD, FAST, RADIUS_PASSWORD, Harness, Rig, rig
from tests.test_mercusys_driver import Recorded

AC12G = Harness(id="v-ac12g", model="mercusys-ac12g")
AC12G_UNIT1 = Harness(id="v-ac12g-200909", model="mercusys-ac12g", profile="ac12g-v1-200909")
DHCP_WAN = Harness(id="v-dhcp", model="mercusys-ac12g", profile="ac12g-v1-210128-dhcp-wan")
OPEN_READ = Harness(id="v-open", model="mercusys-mr30g", profile="mr30g-v1-open-read")


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


@pytest.fixture()
def made(request: pytest.FixtureRequest, runner: SimRunner) -> Iterator[Rig]:
    with rig(request.param, runner) as r:
        yield r


def _on(h: Harness) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("made", [h], ids=[h.id], indirect=True)


# --- the counter: unknown, never 0 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("challenge", "left"),
    [
        (Challenge(ClientState.NORMAL, None, "n", "d", ChallengeLayout.CONSTANT), None),
        (Challenge(ClientState.PSWERR, None, "n", "d", ChallengeLayout.CONSTANT), None),
        (Challenge(ClientState.NORMAL, 4, "n", "d"), 4),
        (Challenge(ClientState.NORMAL, 0, "n", "d"), None),  # 0 left but not locked
        (Challenge(ClientState.PSWERR, 0, "n", "d"), None),
        (Challenge(ClientState.LOCK, 0, "n", "d"), 0),
    ],
)
def test_attempts_left_reads_what_it_can_and_nothing_else(
    challenge: Challenge, left: int | None
) -> None:
    assert attempts_left(challenge, g.LOCK_THRESHOLD) == left


class OddChallenge(BaseAdapter):
    """A unit whose 401 has a layout no profile knows (and that records every request)."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body
        self.urls: list[str] = []

    def send(  # type: ignore[override]  # the keyword arguments are unused here
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        self.urls.append(request.url or "")
        resp = requests.Response()
        resp.status_code, resp._content, resp.request = 401, self.body, request
        resp.url = request.url or ""
        return resp

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    "body",
    [
        b"00007\r\n4\r\n00000\r\nnonce\r\ndict\r\n00000\r\n00000\r\n",  # seven lines
        b"00007\r\n4\r\n00003\r\nnonce\r\ndict\r\n00000\r\n",  # a moving line [2]
        b"00007\r\n4\r\nfive\r\nnonce\r\ndict\r\n",  # a word for a counter
    ],
)
def test_unknown_challenge_layout_is_unsupported_before_any_attempt(body: bytes) -> None:
    adapter = OddChallenge(body)
    session = make_session()
    session.mount("http://", adapter)
    target = Target(host="192.0.2.10", model="mercusys-ac12g")
    cred = Credential(passwords=(SecretStr(ADMIN_PASSWORD),))
    with pytest.raises(Unsupported) as info:
        MercusysDriver(target, cred, timeouts=FAST, session=session).open()
    assert "lines:" in info.value.message and "no login attempted" in info.value.message
    assert "nonce" not in info.value.message
    assert len(adapter.urls) == 1 and "id=" not in adapter.urls[0]  # only the challenge


# --- Wi-Fi numbering: a read before any write ------------------------------------------------


@_on(AC12G_UNIT1)
def test_unit1_numbering_is_found_by_a_read_and_kept(made: Rig) -> None:
    rec = Recorded(made)
    with rec.driver as drv:
        st = drv.get_status()
        drv.set_wifi(Band.GHZ_5, "Casa Nova 5G", "chave-nova-5g")
    assert st.wifi_for(Band.GHZ_2_4).ssid == "Casa-Antiga"  # type: ignore[union-attr]
    reads = rec.bodies(2)
    assert "33|1,0,0" in reads[0] and "33|1,1,0" in reads[1]
    assert rec.driver.wifi_stack == g.WIFI_STACK_UNIT1
    (write,) = [parse_blocks(b)[0] for b in rec.bodies(1)]
    assert write.ref == ObjectRef(33, "2,1,0")
    assert len(reads) == 3  # the write's read went straight to the numbering found
    assert made.device.wifi[Band.GHZ_5].ssid == "Casa Nova 5G"


@_on(AC12G)
def test_set_wifi_never_writes_the_guest_network(made: Rig) -> None:
    """On unit-0 firmware `33|<band>,1,0` exists and has an SSID: it is the guest. A
    driver that tried the C80 numbering first would rename the guest network."""
    with made.driver() as drv:
        assert isinstance(drv, MercusysDriver)
        guest = drv._read([ObjectRef(33, "1,1,0")], "probe-guest")[ObjectRef(33, "1,1,0")]
        assert guest.get(g.WIFI_SSID_KEY) not in (None, made.device.wifi[Band.GHZ_2_4].ssid)
        drv.set_wifi(Band.GHZ_2_4, "Casa Nova", "chave-nova-24")
    assert made.device.wifi[Band.GHZ_2_4].ssid == "Casa Nova"
    assert "overlay" not in made.device.extra  # nothing landed in the guest


@_on(AC12G)
def test_a_numbering_no_profile_knows_is_unsupported_and_writes_nothing(
    made: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(g, "WIFI_STACK_ORDER", ("{band},7,0", "{band},8,0"))
    with pytest.raises(Unsupported) as info, made.driver() as drv:
        drv.set_wifi(Band.GHZ_2_4, "Casa Nova", "chave-nova-24")
    assert "33|1,7,0: 00002 (EINVARG)" in info.value.message and "33|1,8,0" in info.value.message
    assert made.device.counters.writes == 0
    assert not made.device.open_toolkit_session()


# --- WAN DNS where the link type keeps it --------------------------------------------------------


@_on(DHCP_WAN)
def test_dns_on_a_dhcp_wan_goes_to_dhcpc(made: Rig) -> None:
    rec = Recorded(made)
    with rec.driver as drv:
        before = drv.get_status()
        drv.set_dns("1.1.1.1", "1.0.0.1")
        after = drv.get_status()
    assert (before.wan.connection_type, before.wan.pppoe_username) == ("dhcp", None)
    (dns,) = parse_blocks(rec.bodies(1)[0])
    assert dns.ref == ObjectRef(25) and dns.get("dns", 0) == "1.1.1.1"
    assert [str(d) for d in after.dns] == ["1.1.1.1", "1.0.0.1"]


@_on(DHCP_WAN)
def test_a_dns_write_into_the_pppoe_object_changes_nothing_on_dhcp(made: Rig) -> None:
    """What the old driver sent: accepted by the firmware, stored, not applied."""
    with made.driver() as drv:
        assert isinstance(drv, MercusysDriver)
        drv._write([Block(ObjectRef(26)).set("manualDns", "1").set("dns", "1.1.1.1", 0)
                    .set("dns", "1.0.0.1", 1)], "set_dns")
        st = drv.get_status()
    assert [str(d) for d in st.dns] == ["8.8.8.8", "8.8.4.4"]
    assert made.device.dns == ["8.8.8.8", "8.8.4.4"]


@_on(DHCP_WAN)
def test_pppoe_on_a_dhcp_wan_switches_it_and_keeps_the_dns(made: Rig) -> None:
    rec = Recorded(made)
    drv = rec.driver
    with drv:
        drv.set_dns("1.1.1.1", "1.0.0.1")
        drv.set_pppoe("cliente.teste", RADIUS_PASSWORD)
    drv.wait_until_back()
    creds, commit = parse_blocks(rec.bodies(1)[1])
    assert creds.ref == ObjectRef(26)
    assert (creds.get("manualDns"), creds.get("dns", 0), creds.get("dns", 1)) == (
        "1", "1.1.1.1", "1.0.0.1"
    )
    assert commit.values == {("linkType", None): "2"}
    with made.driver() as again:
        st = again.get_status()
    assert (st.wan.connection_type, st.wan.pppoe_username, st.wan.up) == (
        "pppoe", "cliente.teste", True
    )
    assert [str(d) for d in st.dns] == ["1.1.1.1", "1.0.0.1"]


@_on(DHCP_WAN)
def test_switching_without_carrying_the_dns_falls_back_to_the_isp(made: Rig) -> None:
    """The simulator's side of the rule above: a raw switch leaves manual DNS behind."""
    with made.driver() as drv:
        assert isinstance(drv, MercusysDriver)
        drv._write([Block(ObjectRef(22)).set("linkType", "2")], "set_pppoe")
    drv.wait_until_back()
    assert made.device.wan_type == "pppoe" and not made.device.manual_dns
    assert made.device.dns == list(ISP_DNS)


def _static(dev: Any) -> None:
    dev.wan_type = "static"


@pytest.mark.parametrize(
    "made", [Harness(id="v-static", model="mercusys-mr30g", customize=_static)], indirect=True
)
def test_dns_on_a_static_wan_goes_to_static_ip_rows(made: Rig) -> None:
    rec = Recorded(made)
    with rec.driver as drv:
        drv.set_dns("1.1.1.1", "1.0.0.1")
        st = drv.get_status()
    (dns,) = parse_blocks(rec.bodies(1)[0])
    assert dns.ref == ObjectRef(24)
    assert dns.values == {("dns", 0): "1.1.1.1", ("dns", 1): "1.0.0.1"}  # no manualDns
    assert st.wan.connection_type == "static" and [str(d) for d in st.dns] == [
        "1.1.1.1", "1.0.0.1"
    ]


# --- the MR30G leak: modelled, never used --------------------------------------------------------


@_on(OPEN_READ)
def test_driver_never_reads_without_a_session_on_the_leaky_mr30g(made: Rig) -> None:
    leak = requests.post(
        f"http://{made.host}:{made.port}/?code=2&asyn=0", data="23|1,0,0", timeout=5
    )
    assert leak.status_code == 200 and parse_reply(leak.text).code == 0
    rec = Recorded(made)
    with rec.driver as drv:
        drv.get_status()
    reads = rec.with_code(2)
    token = rec.driver._token  # closed: None again
    assert token is None and reads
    assert all("&id=" in (p.url or "") for p in reads)
    assert made.device.counters.logins == 1


# --- what to write (pure) ----------------------------------------------------------------------


_NONE = str(IPv4Address(0))


def _blocks(
    link_type: int, dhcp_manual: str, static_rows: tuple[str, str]
) -> dict[ObjectRef, Block]:
    return {
        ObjectRef(22): Block(ObjectRef(22)).set("linkType", str(link_type)),
        ObjectRef(24): Block(ObjectRef(24)).set("dns", static_rows[0], 0)
        .set("dns", static_rows[1], 1),
        ObjectRef(25): Block(ObjectRef(25)).set("manualDns", dhcp_manual)
        .set("dns", "9.9.9.9", 0).set("dns", "149.112.112.112", 1),
        ObjectRef(26): Block(ObjectRef(26)).set("name", "x").set("paswd", "y")
        .set("manualDns", "0").set("dns", _NONE, 0).set("dns", _NONE, 1),
    }


@pytest.mark.parametrize(
    ("link_type", "dhcp_manual", "static_rows", "carried"),
    [
        (g.LINK_TYPE_DHCP, "1", (_NONE, _NONE), ("9.9.9.9", "149.112.112.112")),
        (g.LINK_TYPE_DHCP, "0", (_NONE, _NONE), None),  # ISP DNS: nothing to carry
        (g.LINK_TYPE_STATIC, "1", ("8.8.8.8", "8.8.4.4"), ("8.8.8.8", "8.8.4.4")),
        (g.LINK_TYPE_PPPOE, "1", ("8.8.8.8", "8.8.4.4"), None),  # already PPPoE: untouched
    ],
)
def test_pppoe_change_carries_the_manual_dns_of_the_link_it_leaves(
    link_type: int, dhcp_manual: str, static_rows: tuple[str, str],
    carried: tuple[str, str] | None,
) -> None:
    settings = PppoeSettings(username="cliente.novo", password=SecretStr("pw-novo-1"))
    creds, commit = pppoe_change(_blocks(link_type, dhcp_manual, static_rows), link_type, settings)
    assert creds.get("name") == "cliente.novo" and creds.get("paswd") == "pw-novo-1"
    shown = (creds.get("dns", 0), creds.get("dns", 1))
    assert shown == (carried or (None, None))
    assert (creds.get("manualDns") == "1") is (carried is not None)
    assert commit.values == {("linkType", None): "2"}
