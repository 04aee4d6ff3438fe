"""securityEncode, orgAuthPwd, the login token and encodeURIComponent (note §1)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.mercusys.encoding import (
    DICTIONARY,
    ORG_AUTH_KEY,
    PAD_CODE,
    encode_uri_component,
    login_token,
    org_auth_pwd,
    security_encode,
)

text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


def test_dictionary_is_the_fixed_255_char_table() -> None:
    assert len(DICTIONARY) == 255
    assert DICTIONARY.startswith("yLwVl0zKqws7") and DICTIONARY.endswith("Qhv66qzW")
    assert PAD_CODE == 187


def test_hand_computed_single_characters() -> None:
    # 'a' (97) XOR 'b' (98) = 3 -> DICTIONARY[3]
    assert security_encode("a", "b", DICTIONARY) == DICTIONARY[3] == "V"
    # equal characters XOR to 0 -> DICTIONARY[0]
    assert security_encode("Z", "Z", DICTIONARY) == "y"
    # 255 XOR 0 = 255, and 255 mod 255 wraps to index 0
    assert security_encode("\xff", "\x00", DICTIONARY) == "y"


def test_hand_computed_padding_of_the_shorter_side() -> None:
    # "ab" vs "a": i=0 97^97=0 -> 'y'; i=1 'b'(98) ^ pad 187 = 217 -> DICTIONARY[217]
    assert 98 ^ 187 == 217
    assert security_encode("ab", "a", DICTIONARY) == "y" + DICTIONARY[217]
    # both sides missing never happens; one empty side pads every position
    assert security_encode("", "a", DICTIONARY) == DICTIONARY[(97 ^ 187) % 255]


def test_hand_computed_with_a_tiny_dictionary() -> None:
    # d = "0123456789": 'A'(65)^'C'(67)=2 -> '2'; 'B'(66)^'C'(67)=1 -> '1';
    # pad 187 ^ 'C'(67) = 248, 248 % 10 = 8 -> '8'
    assert security_encode("AB", "CCC", "0123456789") == "218"


def test_org_auth_pwd_of_the_key_itself_is_all_index_zero() -> None:
    assert org_auth_pwd(ORG_AUTH_KEY) == "y" * len(ORG_AUTH_KEY)


def test_org_auth_pwd_is_at_least_as_long_as_the_key() -> None:
    assert len(org_auth_pwd("abc")) == len(ORG_AUTH_KEY)
    assert len(org_auth_pwd("x" * 20)) == 20


def test_login_token_composes_the_two_passes() -> None:
    nonce, dictionary = "Nonce1234567890", "abcdefghijklmnopqrstuvwxyz0123456789+/"
    pw1 = security_encode("segredo", ORG_AUTH_KEY, DICTIONARY)
    assert login_token("segredo", nonce, dictionary) == security_encode(nonce, pw1, dictionary)
    assert set(login_token("segredo", nonce, dictionary)) <= set(dictionary)


def test_login_token_depends_on_password_and_nonce() -> None:
    assert login_token("pw-a", "N" * 15, DICTIONARY) != login_token("pw-b", "N" * 15, DICTIONARY)
    assert login_token("pw-a", "N" * 15, DICTIONARY) != login_token("pw-a", "M" * 15, DICTIONARY)


def test_empty_dictionary_is_refused() -> None:
    with pytest.raises(ValueError):
        security_encode("a", "b", "")


@settings(max_examples=200, deadline=None)
@given(text, text)
def test_security_encode_is_symmetric_and_length_is_the_longer_side(a: str, b: str) -> None:
    out = security_encode(a, b, DICTIONARY)
    assert out == security_encode(b, a, DICTIONARY)
    assert len(out) == max(len(a), len(b))
    assert set(out) <= set(DICTIONARY)


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("abcXYZ019", "abcXYZ019"),
        ("-_.!~*'()", "-_.!~*'()"),  # encodeURIComponent keeps these
        ("a b", "a%20b"),
        ("+/=&#?%", "%2B%2F%3D%26%23%3F%25"),
        ("é", "%C3%A9"),
        ("€", "%E2%82%AC"),
    ],
)
def test_encode_uri_component_matches_javascript(raw: str, encoded: str) -> None:
    assert encode_uri_component(raw) == encoded
