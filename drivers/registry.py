"""Explicit model key → driver table, readable at a glance.

Entries name "module:Class" and are imported on first use, so one broken family cannot
stop the others from loading. The transport column lets one model have a web driver and
CLI drivers (Zyxel): the inventory or the vault picks the transport per device.
"""

from __future__ import annotations

import importlib

from cpe.errors import Unsupported
from cpe.models import Transport
from drivers.base import Driver

H, S, T = Transport.HTTP, Transport.SSH, Transport.TELNET

DRIVERS: dict[tuple[str, Transport], str] = {
    ("mercusys-ac12g", H): "drivers.mercusys.driver:MercusysDriver",
    ("mercusys-mr30g", H): "drivers.mercusys.driver:MercusysDriver",
    ("zyxel", H): "drivers.zyxel.web:ZyxelWebDriver",
    ("zyxel", S): "drivers.zyxel.cli:ZyxelSshDriver",
    ("zyxel", T): "drivers.zyxel.cli:ZyxelTelnetDriver",
    ("zte-onu", H): "drivers.zte.driver:ZteDriver",
    ("fiberhome-onu", H): "drivers.fiberhome.driver:FiberhomeDriver",
    ("tplink-onu", H): "drivers.tplink.driver:TplinkOnuDriver",
    ("tplink-xz000-g3", H): "drivers.tplink.driver:TplinkBridgeDriver",
    ("zte-f670l", H): "drivers.zte.driver:ZteDriver",
    ("fiberhome-hg6145f", H): "drivers.fiberhome.driver:FiberhomeDriver",
}

#: Model key → simulator family ("module:Class"); the lab and the conformance suite use it.
SIMULATORS: dict[str, str] = {
    "mercusys-ac12g": "drivers.mercusys.simulator:MercusysFamily",
    "mercusys-mr30g": "drivers.mercusys.simulator:MercusysFamily",
    "zyxel": "drivers.zyxel.simulator:ZyxelFamily",
    "zte-onu": "drivers.zte.simulator:ZteFamily",
    "fiberhome-onu": "drivers.fiberhome.simulator:FiberhomeFamily",
    "tplink-onu": "drivers.tplink.simulator:TplinkFamily",
    "tplink-xz000-g3": "drivers.tplink.simulator:TplinkFamily",
    "zte-f670l": "drivers.zte.simulator:ZteFamily",
    "fiberhome-hg6145f": "drivers.fiberhome.simulator:FiberhomeFamily",
}

MODEL_KEYS: tuple[str, ...] = tuple(dict.fromkeys(k for k, _ in DRIVERS))


def _load(ref: str) -> type:
    module_name, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module_name), attr)  # type: ignore[no-any-return]


def driver_class(model: str, transport: Transport = Transport.HTTP) -> type[Driver]:
    ref = DRIVERS.get((model, transport))
    if ref is None:
        known = ", ".join(sorted(MODEL_KEYS))
        raise Unsupported(
            f"no driver for model {model!r} over {transport} (known: {known})",
            model=model,
            operation="driver",
        )
    try:
        cls = _load(ref)
    except (ImportError, AttributeError) as exc:
        raise Unsupported(
            f"driver for {model!r} over {transport} is not available yet",
            model=model,
            operation="driver",
        ) from exc
    return cls


def available_models() -> list[str]:
    """Model keys whose driver module imports (what this build can manage)."""
    out = []
    for key in MODEL_KEYS:
        try:
            driver_class(key)
        except Unsupported:
            continue
        out.append(key)
    return out


def simulator_family(model: str) -> object:
    ref = SIMULATORS.get(model)
    if ref is None:
        raise Unsupported(f"no simulator for model {model!r}", model=model, operation="lab")
    return _load(ref)()
