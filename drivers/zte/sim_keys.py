"""The simulated ZTE's `asyEncode()` RSA keys: one per size and process (the firmware's key
is per model, not per unit, and a lab starts up to ten thousand devices).

Generated on first use; `apply_profile` asks for its profile's key at once, so the slow
4096-bit generation happens while the device is made, never inside a request.
"""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives.asymmetric import rsa

from drivers.zte.crypto import public_key_pem


def private_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return _private_key(bits)


def public_pem(bits: int = 2048) -> str:
    return _public_pem(bits)


@functools.cache
def _private_key(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.cache
def _public_pem(bits: int) -> str:
    return public_key_pem(_private_key(bits).public_key())
