"""The simulated ZTE's menuData modules: per module tag, its page, the query parameters
it insists on, how its objects render (sim_objects) and, for writable ones, its Apply
handler (sim_apply). The simulator routes menuData and Apply requests through here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from drivers.sim import SimDevice
from drivers.zte import guessed as g
from drivers.zte.sim_apply import Outcome, apply_dhcp, apply_dns, apply_wan, apply_wlan
from drivers.zte.sim_objects import (
    Objects,
    render_dhcp,
    render_dns,
    render_optical,
    render_status,
    render_wan_config,
    render_wan_status,
    render_wlan,
)


@dataclass(frozen=True)
class Module:
    page: str
    #: Query parameters the module insists on (404 otherwise).
    query: tuple[tuple[str, str], ...]
    render: Callable[[SimDevice], Objects]
    apply: Callable[[SimDevice, str, Mapping[str, str]], Outcome] | None = None


def _query(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, _, v in (p.partition("=") for p in text.split("&")))


MODULES: dict[str, Module] = {
    g.MOD_STATUS: Module(g.PAGE_STATUS, (), render_status),
    g.MOD_WAN_STATUS: Module(g.PAGE_WAN_STATUS, _query(g.QUERY_WAN_STATUS), render_wan_status),
    g.MOD_WAN_CONFIG: Module(
        g.PAGE_WAN_CONFIG, _query(g.QUERY_WAN_CONFIG), render_wan_config, apply_wan
    ),
    g.MOD_OPTICAL: Module(g.PAGE_OPTICAL, (), render_optical),
    g.MOD_WLAN: Module(g.PAGE_WLAN, (), render_wlan, apply_wlan),
    g.MOD_DNS: Module(g.PAGE_DNS, (), render_dns, apply_dns),
    g.MOD_LAN_DHCP: Module(g.PAGE_LAN, (), render_dhcp, apply_dhcp),
}

PAGES: frozenset[str] = frozenset(m.page for m in MODULES.values())


def query_matches(module: Module, query: Mapping[str, Any]) -> bool:
    return all(query.get(k) == v for k, v in module.query)
