"""Firmware profiles of the simulated Fiberhome ONU (notes §2), so the lab mixes them.

* `acs-random` (default): HG6145F RP4552+. The fhencrypt key is `acsRandom[6:22]` from the
  unauthenticated `get_acs_random` (mcbyte-it/fiberhome_exporter docs/authentication.md),
  and the session rides on a cookie.
* `fixed-key`: older HG6145F/HG6145D2 firmware. No `get_acs_random`, the fixed key
  `opqrstuvwxyz{|}~` (jurnalmuis/Auto-Reboot-FH-HG6145D2 reboot.py, chandra35/internet35
  FiberhomeWebUiService.php), and no session cookie: the unit binds the session to the
  client address (issue 12, point 6). Its RP2613 is in the range CVE-2021-4464 lists.
* `fhncapis`, `goform` (not in the lab: the driver refuses them): the §2.B and §2.C web
  stacks, served only as far as detection needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.fiberhome import guessed
from drivers.sim import SimDevice


@dataclass(frozen=True)
class FiberhomeProfile:
    name: str
    model_name: str
    firmware: str
    hardware: str
    #: `ajax`, `fhncapis` or `goform` (notes §2.A/B/C).
    stack: str = "ajax"
    #: `get_acs_random` answers the key (RP4552+); otherwise the fixed key.
    acs_random: bool = True
    #: `cookie` or `ip`: how the unit recognises the logged-in browser.
    bind: str = "cookie"


PROFILES: dict[str, FiberhomeProfile] = {
    p.name: p
    for p in (
        FiberhomeProfile("acs-random", "HG6145F", guessed.FIRMWARE_ACS_RANDOM,
                         "WKE2.094.373A01"),
        FiberhomeProfile("fixed-key", "HG6145F", guessed.FIRMWARE_FIXED_KEY,
                         "WKE2.094.373A01", acs_random=False, bind="ip"),
        FiberhomeProfile("fhncapis", "HG6145F", guessed.FIRMWARE_FHNCAPIS,
                         "WKE2.094.373A01", stack="fhncapis"),
        FiberhomeProfile("goform", "AN5506-04-FA", "RP2522", "WKE2.134.285A", stack="goform",
                         acs_random=False),
    )
}

#: Profiles the lab mixes per model key (first = default); the refused stacks stay out.
LAB_PROFILES: dict[str, tuple[str, ...]] = {
    "fiberhome-onu": ("acs-random", "fixed-key"),
    "fiberhome-hg6145f": ("acs-random", "fixed-key"),
}


def apply_profile(device: SimDevice, name: str) -> None:
    """Dress `device` as firmware `name` (identity strings and protocol knobs)."""
    try:
        profile = PROFILES[name]
    except KeyError:
        known = sorted(PROFILES)
        raise ValueError(f"unknown Fiberhome profile {name!r} (known: {known})") from None
    device.extra.update(
        profile=name, stack=profile.stack, acs_random=profile.acs_random, bind=profile.bind
    )
    device.model_name = profile.model_name
    device.firmware = profile.firmware
    device.hardware = profile.hardware
