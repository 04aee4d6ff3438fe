"""Firmware profiles of the simulated ZTE: what differs between the units public evidence
shows, so the lab mixes them and the conformance suite runs each one.

* `thinklua` (default): F670L V9. After `login_need_refresh` the data calls work at once,
  as on the F6640/H288A that juacas/zte_tracker drives (it never reloads `/`).
* `thinklua-activate`: F6600R-style. The unit first shows a change-password prompt that
  must be cancelled (`login_changepwd`, `action=changepwd_cancel`, with the constant
  `_sessionTOKEN` of the page's `doChgpwd` JS), then a `GET /` activates the session;
  before that every data call is `SessionTimeout` (cmocan/HA_CustomComponents
  isp_routers/routers/zte_f660.py, from a browser HAR capture).
* `thinklua-rsa4096`: F6600P, whose `asyEncode()` key is 4096-bit instead of 2048-bit
  (juacas/zte_tracker zte_client.py carries both keys).
* `gch` (not in the lab: the driver refuses it): the legacy F660/F670L V1 `.gch` UI, on a
  firmware CVE-2020-6879 lists as vulnerable.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.sim import SimDevice
from drivers.zte import sim_keys


@dataclass(frozen=True)
class ZteProfile:
    name: str
    model_name: str
    firmware: str
    hardware: str
    #: Data calls answer SessionTimeout until the session is activated by a `GET /`.
    needs_activation: bool = False
    #: The change-password prompt must be cancelled before the activation.
    password_prompt: bool = False
    #: Size of the `asyEncode()` RSA key.
    rsa_bits: int = 2048
    #: The legacy `.gch` web UI instead of ThinkLua.
    gch: bool = False


PROFILES: dict[str, ZteProfile] = {
    p.name: p
    for p in (
        ZteProfile("thinklua", "F670L", "V9.0.11P1N12", "V9.0.1"),
        ZteProfile(
            "thinklua-activate", "F6600R", "V9.0.10P5N2", "V2.0",
            needs_activation=True, password_prompt=True,
        ),
        ZteProfile("thinklua-rsa4096", "F6600P", "V9.0.12P2N2", "V1.0", rsa_bits=4096),
        ZteProfile("gch", "F670L", "V1.1.10P1N2E", "V1.1", gch=True),
    )
}

#: Profiles the lab mixes, per model key (first = default). `gch` stays out: the driver
#: refuses that UI, so a lab unit wearing it could never be audited. `thinklua-rsa4096`
#: stays out too: making its 4096-bit key costs seconds of CPU (13 s on a loaded CI
#: machine) at every lab start, for a variant only writes see; the conformance suite and
#: the family tests run it.
LAB_PROFILES: dict[str, tuple[str, ...]] = {
    "zte-onu": ("thinklua", "thinklua-activate"),
    "zte-f670l": ("thinklua",),
}


def profile_of(device: SimDevice) -> ZteProfile:
    return PROFILES[str(device.extra.get("profile", "thinklua"))]


def apply_profile(device: SimDevice, name: str) -> None:
    """Dress `device` as firmware `name` (identity strings and protocol knobs)."""
    try:
        profile = PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown ZTE profile {name!r} (known: {sorted(PROFILES)})") from None
    sim_keys.private_key(profile.rsa_bits)  # made now, not inside a request
    device.extra["profile"] = name
    device.model_name = profile.model_name
    device.firmware = profile.firmware
    device.hardware = profile.hardware
    if profile.gch:
        device.extra["gch"] = True
    else:
        device.extra.pop("gch", None)
