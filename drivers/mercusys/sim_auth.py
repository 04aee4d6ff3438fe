"""The simulated firmware's side of the login: challenge material and token check.

Nonce: 32 characters, static per boot and per source IP, as S4 (CVE-2026-36609) observed
on the AC12G v1, so tokens do not rotate within a boot. It is derived, not stored: a keyed
hash of the device's seed, its boot time and the client's address, so 10,000 devices cost
nothing until someone logs in.

Dictionary (line [4]): its real content is not published. The simulator serves a variant
of the fixed table with URL-special characters mixed in, on purpose: a client must use
the dictionary it was sent (not the fixed one) and must percent-encode the token.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import string

from drivers.mercusys import guessed as g
from drivers.mercusys.encoding import DICTIONARY, login_token
from drivers.mercusys.sim_objects import device_profile
from drivers.mercusys.wire import Challenge, ChallengeLayout, ClientState
from drivers.sim import LoginCheck, SimDevice

__all__ = ["challenge_dictionary", "challenge_for", "check_token", "nonce_for"]

_ALNUM = string.ascii_letters + string.digits
#: Characters that break a token sent without encodeURIComponent.
_URL_SPECIALS = "+/=&%#?!'()*~;,:@$"


@functools.cache
def challenge_dictionary() -> str:
    chars = list(DICTIONARY)
    for n, i in enumerate(range(0, len(chars), 13)):
        chars[i] = _URL_SPECIALS[n % len(_URL_SPECIALS)]
    return "".join(chars)


def nonce_for(device: SimDevice, client_ip: str) -> str:
    seed = int(device.extra.get("seed", 0)).to_bytes(8, "big")
    digest = hashlib.blake2b(
        f"{device.booted_at!r}|{client_ip}".encode(), key=seed, digest_size=g.NONCE_LENGTH
    ).digest()
    return "".join(_ALNUM[b % len(_ALNUM)] for b in digest)


def expected_token(device: SimDevice, client_ip: str) -> str:
    return login_token(device.admin_password, nonce_for(device, client_ip), challenge_dictionary())


def _forget_expired_lock(device: SimDevice) -> None:
    # SimDevice resets its counter lazily at the next attempt; the challenge must already
    # show the fresh counter, or a client would think it is one failure from a lock.
    if device.locked_until and not device.locked():
        device.locked_until = 0.0
        device.failures = 0


def challenge_for(device: SimDevice, client_ip: str, state: ClientState) -> Challenge:
    """The 401 in the layout of the unit's firmware profile: five lines with a counter, or
    six lines whose line [2] never moves (the lock still happens, unseen)."""
    _forget_expired_lock(device)
    layout = device_profile(device).challenge
    counter: int | None = None
    if layout is ChallengeLayout.COUNTER:
        counter = device.attempts_left() if g.COUNTER_IS_ATTEMPTS_LEFT else device.failures
    nonce = nonce_for(device, client_ip)
    return Challenge(state, counter, nonce, challenge_dictionary(), layout)


def idle_state(device: SimDevice, client_ip: str, had_token: bool) -> ClientState:
    """What a 401 says to a client without a live session."""
    if device.locked():
        return ClientState.LOCK
    if device.session_busy_for(client_ip):
        return ClientState.FULL
    return ClientState.TIMEOUT if had_token else ClientState.NORMAL


def check_token(device: SimDevice, client_ip: str, token: str) -> LoginCheck:
    """Count one login attempt the way the device does. The firmware compares tokens, not
    passwords; the verdict is fed to SimDevice so lockout rules stay shared."""
    expected = expected_token(device, client_ip)
    match = hmac.compare_digest(token.encode(), expected.encode())
    # check_login wants a password: the real one on a match, a surely different one if not.
    attempt = device.admin_password if match else device.admin_password + "\x00"
    return device.check_login(None, attempt, client_ip)
