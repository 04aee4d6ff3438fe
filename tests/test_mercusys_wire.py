"""The line-based block format, the challenge and the fixture folders (no network)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpe.models import Band
from drivers.mercusys import guessed as g
from drivers.mercusys.profiles import PROFILES, wifi_ref
from drivers.mercusys.status import build_status
from drivers.mercusys.wire import (
    Block,
    Challenge,
    ChallengeLayout,
    ChallengeVariantError,
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
    six = Challenge(ClientState.NORMAL, None, "N" * 32, "d" * 255, ChallengeLayout.CONSTANT)
    assert parse_challenge(render_challenge(six)) == six


def test_the_cve_2026_36609_layout_is_six_lines_without_a_counter() -> None:
    """As the PoC shows it: 00007 / <n> / 00000 / nonce / alphabet / 00000."""
    text = "00007\r\n4\r\n00000\r\n" + "n" * 32 + "\r\n" + "a" * 255 + "\r\n00000\r\n"
    ch = parse_challenge(text)
    assert (ch.layout, ch.state, ch.counter) == (ChallengeLayout.CONSTANT, ClientState.NORMAL, None)
    assert (len(ch.nonce), len(ch.dictionary)) == (32, 255)


_N, _D = "<1 chars>", "<1 chars>"


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        (
            "00007\r\n4\r\n00000\r\nn\r\nd\r\n00001\r\n",
            f"6 lines: 00007 / 4 / 00000 / {_N} / {_D} / 00001",
        ),
        (
            "00007\r\n4\r\n00003\r\nn\r\nd\r\n00000\r\n",
            f"6 lines: 00007 / 4 / 00003 / {_N} / {_D} / 00000",
        ),
        (
            "00007\r\n4\r\n5\r\nsecret-nonce\r\nd\r\nx\r\ny\r\n",
            f"7 lines: 00007 / 4 / 5 / <12 chars> / {_D} / {_D} / {_D}",
        ),
        ("00007\r\n4\r\n5\r\n", "3 lines: 00007 / 4 / 5"),
        ("00007\r\nx\r\n5\r\nn\r\nd\r\n", f"5 lines: 00007 / {_D} / 5 / {_N} / {_D}"),
    ],
)
def test_unknown_layouts_are_a_variant_error_with_their_shape(text: str, shape: str) -> None:
    with pytest.raises(ChallengeVariantError) as info:
        parse_challenge(text)
    assert info.value.shape == shape and "secret-nonce" not in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "00000\r\n4\r\n5\r\nn\r\nd\r\n",  # not 00007
        "00007\r\n4\r\n5\r\n",  # too short
        "00007\r\nx\r\n5\r\nn\r\nd\r\n",  # state not a number
        "",  # nothing
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
    stack = next(s for s in g.WIFI_STACK_ORDER if wifi_ref(s, Band.GHZ_2_4) in reply.by_ref())
    status = build_status(expected["model"], profile, reply.by_ref(), stack)
    dumped = status.model_dump(mode="json")
    assert {k: dumped[k] for k in expected} == expected
    # The Wi-Fi keys are read (for comparisons) but never dumped.
    wifi = status.wifi_for(Band.GHZ_2_4)
    assert wifi is not None and wifi.passphrase is not None
    assert "fixture-wifi" not in status.model_dump_json()
    assert "fixture-ppp-pw" not in status.model_dump_json() + repr(status)
