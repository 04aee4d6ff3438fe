"""The line-based block format, the challenge and the fixture folders (no network)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpe.models import Band
from drivers.mercusys.profiles import PROFILES
from drivers.mercusys.status import build_status
from drivers.mercusys.wire import (
    Block,
    Challenge,
    ClientState,
    ObjectRef,
    WireError,
    describe_code,
    parse_blocks,
    parse_challenge,
    parse_read_request,
    parse_reply,
    render_blocks,
    render_challenge,
    render_read_request,
    render_reply,
)

FIXTURES = Path(__file__).resolve().parents[1] / "drivers" / "mercusys" / "fixtures"

keys = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,10}", fullmatch=True)
values = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"),
    max_size=30,
)
refs = st.builds(
    ObjectRef,
    st.integers(0, 200),
    st.from_regex(r"[0-9]{1,2}(,[0-9]{1,2}){2}", fullmatch=True),
)
entries = st.dictionaries(st.tuples(keys, st.none() | st.integers(0, 9)), values, max_size=8)
blocks = st.lists(st.builds(Block, refs, entries), max_size=5)


@settings(max_examples=150, deadline=None)
@given(blocks)
def test_blocks_round_trip(original: list[Block]) -> None:
    text = render_blocks(original)
    parsed = parse_blocks(text)
    assert [(b.ref, b.values) for b in parsed] == [(b.ref, b.values) for b in original]


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 99999), blocks)
def test_reply_round_trip(code: int, original: list[Block]) -> None:
    reply = parse_reply(render_reply(code, original))
    assert reply.code == code
    assert [(b.ref, b.values) for b in reply.blocks] == [(b.ref, b.values) for b in original]


def test_values_with_spaces_and_specials_travel_encoded() -> None:
    block = Block(ObjectRef(33, "1,1,0")).set("cSsid", "5 Casa & Cia").set("dns", "1.1.1.1", 0)
    text = render_blocks([block])
    assert text == "id 33|1,1,0\r\ncSsid 5%20Casa%20%26%20Cia\r\ndns 0 1.1.1.1\r\n"
    assert parse_blocks(text)[0].get("cSsid") == "5 Casa & Cia"


def test_parser_accepts_a_known_answer_shape() -> None:
    text = "00000\r\nid 23|1,0,0\r\nip 100.64.0.2\r\ndns 0 1.1.1.1\r\ndns 1 1.0.0.1\r\nfixip\r\n"
    reply = parse_reply(text)
    (block,) = reply.blocks
    assert block.ref == ObjectRef(23, "1,0,0")
    assert block.get("ip") == "100.64.0.2"
    assert (block.get("dns", 0), block.get("dns", 1)) == ("1.1.1.1", "1.0.0.1")
    assert block.get("fixip") == ""


def test_bare_ids_get_the_single_instance_stack() -> None:
    assert parse_read_request("23") == [ObjectRef(23, "1,0,0")]
    assert parse_blocks("id 26\r\nname x\r\n")[0].ref == ObjectRef(26, "1,0,0")


def test_read_request_round_trip() -> None:
    wanted = [ObjectRef(0), ObjectRef(33, "2,1,0")]
    assert render_read_request(wanted) == "0|1,0,0#33|2,1,0"
    assert parse_read_request("0|1,0,0#33|2,1,0\r\n") == wanted


@pytest.mark.parametrize(
    "text",
    [
        "",
        "<html><body>500</body></html>",
        "0000\r\n",  # four digits
        "00000\r\nip 1.2.3.4\r\n",  # data before a header
        "00000\r\nid x|1,0,0\r\n",  # bad id
        "00000\r\nid 23|1;0\r\n",  # bad stack
        "00000\r\nid 23|1,0,0\r\n{json: 1}\r\n",  # not a key
        "00000\r\nid 23|1,0,0\r\nip %FF%FE\r\n",  # not UTF-8 once decoded
    ],
)
def test_malformed_answers_raise_wire_error(text: str) -> None:
    with pytest.raises(WireError):
        parse_reply(text)


@pytest.mark.parametrize("text", ["", "#", "23|", "abc", "23|1,0,0#x"])
def test_malformed_read_requests(text: str) -> None:
    with pytest.raises(WireError):
        parse_read_request(text)


def test_wire_errors_never_echo_content() -> None:
    with pytest.raises(WireError) as info:
        parse_reply("00000\r\nid 26|1,0,0\r\n{paswd: hunter2-secret}\r\n")
    assert "hunter2" not in str(info.value)


def test_block_repr_hides_secret_keys() -> None:
    block = Block(ObjectRef(26)).set("name", "cliente").set("paswd", "ppp-secret-x")
    block.set("cPskSecret", "wifi-secret-y")
    shown = repr(block)
    assert "cliente" in shown
    assert "ppp-secret-x" not in shown and "wifi-secret-y" not in shown


def test_challenge_round_trip_and_repr() -> None:
    ch = Challenge(ClientState.PSWERR, 3, "N0nce", "ab+/&cd")
    parsed = parse_challenge(render_challenge(ch))
    assert parsed == ch
    assert "N0nce" not in repr(parsed)


@pytest.mark.parametrize(
    "text",
    [
        "00000\r\n4\r\n5\r\nn\r\nd\r\n",  # not 00007
        "00007\r\n4\r\n5\r\n",  # too short
        "00007\r\nx\r\n5\r\nn\r\nd\r\n",  # state not a number
        "00007\r\n4\r\n5\r\n\r\nd\r\n",  # empty nonce
    ],
)
def test_malformed_challenges(text: str) -> None:
    with pytest.raises(WireError):
        parse_challenge(text)


def test_unknown_client_state_is_kept_as_a_number() -> None:
    assert parse_challenge("00007\r\n9\r\n5\r\nn\r\nd\r\n").state == 9


def test_describe_code() -> None:
    assert describe_code(70) == "00070 (EINVSSIDLEN)"
    assert describe_code(12345) == "12345"


@pytest.mark.parametrize(
    "case", sorted(p.name for p in (FIXTURES / "get_status").iterdir() if p.is_dir())
)
def test_status_fixtures(case: str) -> None:
    folder = FIXTURES / "get_status" / case
    expected = json.loads((folder / "expected_result.json").read_text())
    profile = PROFILES[expected["model"]]
    reply = parse_reply((folder / "reply.txt").read_bytes().decode("utf-8"))
    status = build_status(expected["model"], profile, reply.by_ref())
    dumped = status.model_dump(mode="json")
    assert {k: dumped[k] for k in expected} == expected
    # The Wi-Fi keys are read (for comparisons) but never dumped.
    wifi = status.wifi_for(Band.GHZ_2_4)
    assert wifi is not None and wifi.passphrase is not None
    assert "fixture-wifi" not in status.model_dump_json()
    assert "fixture-ppp-pw" not in status.model_dump_json() + repr(status)
