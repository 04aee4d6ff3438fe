"""Fuzzing the Fiberhome `/cgi-bin/ajax` driver: the JSON readers, then the whole driver.

The fake device renders its answers with the simulator's own views and write handlers
(no sockets) and replaces one call's answer with a hostile one.
"""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from cpe.models import Band, Credential, Target, Timeouts
from drivers.fiberhome import forms, parse, sim_views, sim_writes
from drivers.fiberhome import guessed as fg
from drivers.fiberhome.crypto import fhdecrypt, fhencrypt, key_from_acs_random
from drivers.fiberhome.driver import FiberhomeDriver
from drivers.fiberhome.protocol import (
    M_ACS_RANDOM,
    M_ALL_WAN,
    M_BASE_INFO,
    M_LOGIN,
    M_OPERATOR,
    M_REFRESH_SID,
    M_SET_LAN,
    M_SET_WIFI_24,
    M_WAN_MODIFY,
    M_WIFI_5,
    M_WIFI_24,
)
from drivers.fiberhome.simulator import FiberhomeFamily
from drivers.fiberhome.transport import parse_json, session_valid
from drivers.sim import SimDevice
from tests.fuzz import bodies as b
from tests.fuzz.support import (
    Answer,
    FakeDevice,
    Fuzz,
    fuzz_settings,
    only_contract_errors,
    only_cpe_errors,
    session_for,
)

PASSWORD = "fh-admin-Pw1"
JSON = {"Content-Type": "application/json"}


def new_device() -> SimDevice:
    dev = FiberhomeFamily().new_device("fiberhome-onu", random.Random(7))
    dev.admin_password = PASSWORD
    dev.extra["acs_random"] = True
    dev.pppoe_user, dev.pppoe_password = "cliente.teste", "ppp-secret-9"
    dev.radius = (dev.pppoe_user, dev.pppoe_password)
    dev.evaluate_wan()
    return dev


class Fiberhome:
    """The ONU's happy path, per driver (writes change its state like the real unit)."""

    def __init__(self) -> None:
        self.dev = new_device()

    def reads(self) -> dict[str, Any]:
        dev = self.dev
        return {
            M_REFRESH_SID: {"sessionid": "sid", "session_valid": 1},
            M_ACS_RANDOM: {"acsRandom": dev.extra["acs_str"].get_secret_value()},
            M_OPERATOR: {"token": "tok", "SerialNumber": dev.serial},
            M_BASE_INFO: sim_views.base_info(dev),
            M_ALL_WAN: sim_views.all_wan(dev),
            M_WIFI_24: sim_views.wifi_status(dev, Band.GHZ_2_4),
            M_WIFI_5: sim_views.wifi_status(dev, Band.GHZ_5),
            fg.LAN_READ_METHOD: sim_views.lan_ipv4(dev),
        }

    def route(self, request: requests.PreparedRequest) -> tuple[str, Answer]:
        url = urlsplit(request.url or "")
        if url.path != "/cgi-bin/ajax":
            return ("root" if url.path == "/" else "other"), Answer(
                404 if url.path != "/" else 200, "<html></html>"
            )
        if request.method == "GET":
            method = parse_qs(url.query).get("ajaxmethod", [""])[0]
            body = {"sessionid": "sid", "session_valid": 1, **self.reads().get(method, {})}
            return method, Answer(200, json.dumps(body), JSON)
        raw = request.body or b""
        form = {
            k: v[0] for k, v in parse_qs(raw.decode() if isinstance(raw, bytes) else raw).items()
        }
        method = form.get("ajaxmethod", "")
        if method == M_LOGIN:
            answer: dict[str, Any] = {"login_result": 0}
        elif method == M_WAN_MODIFY:
            answer = sim_writes.wan_modify(self.dev, form)
        elif method == M_SET_LAN:
            answer = sim_writes.set_ipv4_lan(self.dev, form)
        elif method == M_SET_WIFI_24:
            answer = sim_writes.set_wlan(self.dev, form, Band.GHZ_2_4)
        else:
            answer = {}
        return f"post:{method}", Answer(
            200, json.dumps({"sessionid": "sid", "session_valid": 1, **answer}), JSON
        )


def driver(fuzz: Fuzz | None) -> tuple[FiberhomeDriver, FakeDevice]:
    fake = FakeDevice(Fiberhome().route, fuzz)
    target = Target(host="127.0.0.1", model="fiberhome-onu", label="fh-fuzz")
    cred = Credential(username="admin", passwords=(SecretStr(PASSWORD),))
    timeouts = Timeouts(connect_s=1, read_s=1, wan_restart_s=1, wan_settle_s=0)
    return FiberhomeDriver(target, cred, timeouts=timeouts, session=session_for(fake)), fake


def test_the_fake_device_serves_a_working_fiberhome() -> None:
    drv, fake = driver(None)
    with drv:
        got = drv.get_status()
        drv.set_dns("1.1.1.1", "1.0.0.1")
        drv.set_wifi("2.4GHz", "Casa Nova", "senha-nova-123")
    assert got.wan.up and len(got.wifi) == 2 and got.optical is not None
    assert "post:" + M_SET_LAN in fake.calls and "post:" + M_SET_WIFI_24 in fake.calls


VALID = Fiberhome().reads()
KEY = key_from_acs_random(VALID[M_ACS_RANDOM]["acsRandom"])


def loaded(value: Any) -> Any:
    """What json.loads makes of a fuzzed value (huge integers may not load: keep them)."""
    try:
        return json.loads(b.dump_json(value))
    except ValueError:
        return value


# --- (a) pure readers ------------------------------------------------------------------------


@fuzz_settings()
@given(text=b.json_bodies(VALID[M_BASE_INFO]))
def test_parse_json_never_raises(text: str | bytes) -> None:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")

    def read() -> None:
        data = parse_json(text)
        if data is not None:
            session_valid(data)

    only_contract_errors("fiberhome.transport.parse_json", read, ())


@fuzz_settings()
@given(
    base=b.mutated_json(VALID[M_BASE_INFO]).map(loaded),
    wans=b.mutated_json(VALID[M_ALL_WAN]).map(loaded),
    lan=b.mutated_json(VALID[fg.LAN_READ_METHOD]).map(loaded),
    registered=st.booleans(),
)
def test_status_mapping(base: Any, wans: Any, lan: Any, registered: bool) -> None:
    """What the driver calls without a try must map anything; wan_list may only say
    ValueError (the driver turns it into ParseError)."""

    def read() -> None:
        if isinstance(base, dict):
            parse.optical(base)
            parse.to_int(base.get("uptime"))
        try:
            entries = parse.wan_list(wans if isinstance(wans, dict) else {})
        except ValueError:
            entries = []
        entry = parse.internet_wan(entries)
        parse.wan_status(entry, registered)
        dns = parse.wan_dns(entry)
        lan_obj = parse.lan_object(lan if isinstance(lan, dict) else None)
        parse.lan_dns(lan_obj, dns)
        if entry is not None:
            forms.wan_modify(entry, username="u", wpd="x", dns=None, token="t")
        if lan_obj is not None:
            try:
                forms.set_ipv4_lan(lan_obj, (), "t")
            except KeyError:
                pass  # documented: a partial LAN object is refused (ParseError)

    only_contract_errors("fiberhome.parse.status", read, ())


@fuzz_settings()
@given(data=b.mutated_json(VALID[M_WIFI_5]).map(loaded), band=st.sampled_from(list(Band)))
def test_wifi_mapping(data: Any, band: Band) -> None:
    def read() -> None:
        entries = parse.wifi_entries(data if isinstance(data, dict) else {}, band)
        for index, entry in entries:
            forms.set_wlan(index, entry, ssid_enc="a", psk_enc="b", token=None)
            try:
                parse.wifi_network(band, entry, KEY)
            except ValueError:
                pass  # the driver maps it to ParseError

    only_contract_errors("fiberhome.parse.wifi", read, ())


@fuzz_settings()
@given(
    text=st.text(max_size=80) | st.sampled_from(b.VALUES) | st.just(fhencrypt("x", KEY)),
    acs=st.text(max_size=40) | st.sampled_from(b.VALUES),
)
def test_crypto(text: str, acs: str) -> None:
    def run() -> None:
        try:
            fhdecrypt(text, KEY)
        except ValueError:
            pass
        key_from_acs_random(acs)

    only_contract_errors("fiberhome.crypto", run, (ValueError,))


# --- (b) the whole driver ----------------------------------------------------------------------

CALLS: dict[str, tuple[str, ...]] = {
    "detect": ("root", M_REFRESH_SID, M_ACS_RANDOM),
    "login": (f"post:{M_LOGIN}", M_REFRESH_SID),
    "status": (M_BASE_INFO, M_ALL_WAN, M_WIFI_24, M_WIFI_5, fg.LAN_READ_METHOD),
}


def _valid_text(call: str) -> str:
    if call == "root":
        return "<html></html>"
    if call == f"post:{M_LOGIN}":
        return json.dumps({"sessionid": "sid", "session_valid": 0, "login_result": 0})
    return json.dumps({"sessionid": "sid", "session_valid": 1, **VALID.get(call, {})})


def _body(call: str) -> st.SearchStrategy[bytes | str]:
    valid = json.loads(_valid_text(call)) if call != "root" else None
    if valid is None:
        return b.bodies_like(_valid_text(call))
    return b.json_bodies(valid)


@st.composite
def fuzz_of(draw: st.DrawFn, calls: tuple[str, ...]) -> Fuzz:
    call = draw(st.sampled_from(calls))
    return Fuzz(call, draw(b.answers(_body(call))), every=draw(st.booleans()))


def _status(fuzz: Fuzz) -> None:
    drv, _ = driver(fuzz)
    with drv:
        drv.get_status()


@pytest.mark.parametrize("target", sorted(CALLS))
@fuzz_settings()
@given(data=st.data())
def test_driver_get_status(target: str, data: st.DataObject) -> None:
    fuzz = data.draw(fuzz_of(CALLS[target]))
    only_cpe_errors(f"fiberhome.driver.get_status[{target}]", lambda: _status(fuzz))


WRITE_CALLS = {
    f"post:{M_WAN_MODIFY}": VALID[M_ALL_WAN],
    f"post:{M_SET_LAN}": VALID[fg.LAN_READ_METHOD],
    f"post:{M_SET_WIFI_24}": VALID[M_WIFI_24],
    M_OPERATOR: VALID[M_OPERATOR],
}


@st.composite
def write_fuzz(draw: st.DrawFn) -> Fuzz:
    call = draw(st.sampled_from(sorted(WRITE_CALLS)))
    valid = {"sessionid": "sid", "session_valid": 1, **WRITE_CALLS[call]}
    return Fuzz(call, draw(b.answers(b.json_bodies(valid))), every=draw(st.booleans()))


@fuzz_settings()
@given(fuzz=write_fuzz(), which=st.sampled_from(("set_dns", "set_wifi", "set_pppoe")))
def test_driver_writes(fuzz: Fuzz, which: str) -> None:
    def write() -> None:
        drv, _ = driver(fuzz)
        with drv:
            if which == "set_dns":
                drv.set_dns("1.1.1.1", "1.0.0.1")
            elif which == "set_wifi":
                drv.set_wifi("2.4GHz", "Casa Nova", "senha-nova-123")
            else:
                drv.set_pppoe("cliente.novo", "ppp-novo-1")

    only_cpe_errors("fiberhome.driver.writes", write)


# --- bugs the fuzzers found, pinned ----------------------------------------------------------

REGRESSIONS = [
    (M_BASE_INFO, '{"a":' * 100_000 + "1" + "}" * 100_000),  # RecursionError in json
    (f"post:{M_WAN_MODIFY}", '{"session_valid": 1, "wan": "not a list"}'),  # ValueError
]


@pytest.mark.parametrize(("call", "body"), REGRESSIONS, ids=[c for c, _ in REGRESSIONS])
def test_regressions(call: str, body: str) -> None:
    def run() -> None:
        drv, _ = driver(Fuzz(call, Answer(200, body, JSON)))
        with drv:
            drv.get_status()
            drv.set_pppoe("cliente.novo", "ppp-novo-1")

    only_cpe_errors("fiberhome.regressions", run)
