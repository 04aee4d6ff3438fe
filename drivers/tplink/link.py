"""What one EX web session is made of: the device's key answer, the link (key, seq,
cipher, session ids), a login the device could not read, an act it refused. Shared by
the session logic (session.py) and the probe."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drivers.tplink import guessed as g
from drivers.tplink import protocol as p
from drivers.tplink.crypto import CipherProfile, DevicePublicKey, SessionCipher

__all__ = [
    "DROPPED",
    "PLAIN_REFUSAL",
    "PROFILES",
    "ActRefused",
    "KeyAnswer",
    "Link",
    "Miss",
    "parse_key_answer",
]

_HEX = re.compile(r"[0-9A-Fa-f]+")
_SEQ = re.compile(r"[0-9]{1,18}")

#: Every profile the driver can speak, by name.
PROFILES: dict[str, CipherProfile] = {prof.name: prof for prof in g.PROFILE_TRIAL_ORDER}


@dataclass(frozen=True)
class KeyAnswer:
    """A getGDPRParm answer: the device's RSA key and the sequence number."""

    key: DevicePublicKey = field(repr=False)
    seq: int = field(repr=False)

    @property
    def bits(self) -> int:
        return self.key.n.bit_length()


def parse_key_answer(text: str) -> KeyAnswer | str:
    """The key of a getGDPRParm answer, or a short description of what came instead (an
    ECC key, a refusal, garbage) for the fingerprint."""
    stripped = text.strip()
    if stripped.startswith("{") and all(name in stripped for name in g.ECC_KEY_FIELDS):
        return "ECC P-224 key exchange (eccPubKey_X_HEX/Y_HEX), not RSA"
    found = p.js_vars(text)
    nn, ee, seq = found.get("nn", ""), found.get("ee", ""), found.get("seq", "")
    if (
        p.ret_code(text) != p.RET_OK
        or len(nn) not in (128, 256)
        or not _HEX.fullmatch(nn)
        or int(nn, 16) < 2  # a zero modulus breaks the sign
        or not ee
        or not _HEX.fullmatch(ee)
        or len(ee) > len(nn)  # e < n; a huge exponent makes every sign slow
        or not _SEQ.fullmatch(seq)  # ASCII digits int() accepts ("²" is a digit too)
    ):
        return "not a getGDPRParm key"
    return KeyAnswer(DevicePublicKey.from_hex(nn, ee), int(seq))


@dataclass
class Link:
    """One web session: the device's key and seq, our AES cipher, and the session ids."""

    key: DevicePublicKey = field(repr=False)
    seq: int = field(repr=False)
    profile: CipherProfile
    cipher: SessionCipher = field(repr=False)
    hash: str = field(repr=False)
    jsessionid: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)


#: Miss reasons the next choice of profile reads.
DROPPED = "connection closed"
PLAIN_REFUSAL = "plain $.ret="


@dataclass(frozen=True)
class Miss:
    """A login the device could not read in this profile (no attempt spent)."""

    reason: str


class ActRefused(Exception):
    """The device answered an act with success=false / an errorcode."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
