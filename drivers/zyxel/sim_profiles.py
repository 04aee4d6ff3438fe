"""Firmware profiles of the simulated Zyxel router (the lab's "Zyxel EX3301-T0").

Each profile bundles web-API variants that public evidence shows on real units (sources in
`guessed.LEDGER`), so the lab mixes them and the driver must pick its way by what each
unit answers:

- `aes` (default): RSA-wrapped AES-256-CBC login and bodies, `oid=status`, one sessionkey
  for the whole session; a firmware after the libclinkc fix (CVE-2026-79614).
- `aes-rotating`: the same cipher, but the login needs the session cookie `GetInfoNoLogin`
  mints first, and every write answers with a new `sessionkey` that replaces the old one
  (both seen on DX3301/EX3301-class builds); a vulnerable firmware.
- `plain`: `getRSAPublickKey` answers the string "None" (HTTPS builds without payload
  encryption): plain JSON login and bodies.
- `cardpage`: no `oid=status` (HTTP 404, as unknown oids answer); the dashboard object
  comes from `oid=cardpage_status` only, as on the T50-era builds public clients read.

Firmware strings are real build names where one is public (ABVY.7.2 C0, ABVY.4.1 Y1);
ABVY.8.4 and ABVY.6.3 are the lab's own, chosen on each side of the advisory bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.sim import SimDevice

__all__ = ["DEFAULT_PROFILE", "PROFILE_NAMES", "SIM_PROFILES", "SimProfile", "apply_profile"]


@dataclass(frozen=True)
class SimProfile:
    name: str
    model_name: str
    firmware: str
    hardware: str
    #: getRSAPublickKey answers a PEM (True) or the string "None" (False).
    encryption: bool = True
    #: UserLogin needs the cookie GetInfoNoLogin set (refused with ZCFG_NOT_LOGIN without).
    prelogin_cookie: bool = False
    #: Each successful write answers a fresh sessionkey; the old one is refused after.
    rotate_sessionkey: bool = False
    #: The firmware serves `oid=status` (False: only `oid=cardpage_status`).
    status_oid: bool = True
    #: The driver profile (drivers/zyxel/profiles.py) these answers must lead to.
    driver_profile: str = "dal-aes"


_EX3301 = "EX3301-T0"

SIM_PROFILES: dict[str, SimProfile] = {
    p.name: p
    for p in (
        SimProfile("aes", _EX3301, "V5.50(ABVY.8.4)C0", "1.0"),
        SimProfile(
            "aes-rotating", _EX3301, "V5.50(ABVY.7.2)C0", "1.0",
            prelogin_cookie=True, rotate_sessionkey=True,
        ),
        SimProfile(
            "plain", _EX3301, "V5.50(ABVY.6.3)C0", "1.0",
            encryption=False, driver_profile="dal-plain",
        ),
        SimProfile("cardpage", _EX3301, "V5.50(ABVY.4.1)Y1", "1.0", status_oid=False),
    )
}  # fmt: skip
PROFILE_NAMES: tuple[str, ...] = tuple(SIM_PROFILES)
DEFAULT_PROFILE = PROFILE_NAMES[0]


def apply_profile(dev: SimDevice, name: str | None) -> SimProfile:
    """Put `dev` in firmware profile `name` (None: the default). Idempotent, so a test
    can switch a standard device to another profile after creating it."""
    profile = SIM_PROFILES[name or DEFAULT_PROFILE]
    dev.model_name, dev.firmware, dev.hardware = (
        profile.model_name,
        profile.firmware,
        profile.hardware,
    )
    dev.extra.update(
        {
            "profile": profile.name,
            "encryption": profile.encryption,
            "prelogin_cookie": profile.prelogin_cookie,
            "rotate_sessionkey": profile.rotate_sessionkey,
            "status_oid": profile.status_oid,
        }
    )
    return profile
