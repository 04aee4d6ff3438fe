"""Capture profile per driver family, looked up by the driver's package."""

from __future__ import annotations

import importlib

from cpe.capture.profiles.base import CliProfile, HttpProfile
from cpe.errors import Unsupported

__all__ = ["CliProfile", "HttpProfile", "profile_for"]

#: family package → "module:Class" (imported on use, like drivers.registry).
HTTP_PROFILES: dict[str, str] = {
    "mercusys": "cpe.capture.profiles.mercusys:MercusysProfile",
    "fiberhome": "cpe.capture.profiles.fiberhome:FiberhomeProfile",
    "zte": "cpe.capture.profiles.zte:ZteProfile",
    "tplink": "cpe.capture.profiles.tplink:TplinkProfile",
    "zyxel": "cpe.capture.profiles.zyxel:ZyxelWebProfile",
}
CLI_PROFILES: dict[str, str] = {
    "zyxel": "cpe.capture.profiles.zyxel:ZyxelCliProfile",
}


def family_of(driver_cls: type) -> str:
    """`drivers.zte.driver` → `zte`."""
    parts = driver_cls.__module__.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "drivers" else driver_cls.__module__


def profile_for(driver_cls: type, cli: bool) -> HttpProfile | CliProfile:
    family = family_of(driver_cls)
    ref = (CLI_PROFILES if cli else HTTP_PROFILES).get(family)
    if ref is None:
        raise Unsupported(
            f"no capture profile for family {family!r}",
            operation="capture",
            detail_pt=f"Captura ainda não suportada para a família {family}.",
        )
    module_name, _, attr = ref.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    profile: HttpProfile | CliProfile = cls()
    return profile
