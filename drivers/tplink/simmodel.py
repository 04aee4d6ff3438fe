"""The simulated ONU's DEV2_ objects, computed from `SimDevice` on every request.

`SimDevice`'s common fields (pppoe_user, dns, wifi, rx_dbm...) stay the single source of
truth, so the lab and the tests can plant drift here the same way as in every family.
Field names come from `protocol` (what S1 reads) and `guessed` (graded), shared with the
driver. Besides what our driver reads, the objects a public EX client reads at every poll
are served (LAN, hosts, memory, CPU: S1 `get_status`), with the fields S1 and the S11
type definitions show, so a stranger's client runs against the simulator unchanged.
Writes live in `simwrites.py`.
"""

from __future__ import annotations

import random
from typing import Any

from cpe.models import Band, WanError
from drivers.sim import SimDevice
from drivers.tplink import guessed as g
from drivers.tplink import protocol as p

#: The disabled management (TR-069) connection ONUs list first, and the customer's WAN.
MGMT_WAN_STACK = "1,0,0,0,0,0"
CUSTOMER_WAN_STACK = "2,0,0,0,0,0"
LAN_STACK = "1,0,0,0,0,0"
OPTICAL_STACK = "1,0,0,0,0,0"
_WAN_NAMES = {
    "pppoe": "pppoe_gpon_3_3",
    "dhcp": "ipoe_gpon_0_2_d",
    "static": "static_gpon_0_2",
    "bridge": "bridge_gpon_0_2",
}
_CONN_TYPES = {
    kind: shown
    for shown, kind in (*g.WAN_TYPE_BY_CONN_TYPE.items(), *g.WAN_TYPE_BY_CONN_TYPE_GUESSED.items())
}
_BAND_NAMES = {Band.GHZ_2_4: "2.4GHz", Band.GHZ_5: "5GHz"}
META = frozenset({"stack", "pstack", "isuseractive"})
LAN_IP = "192.168.1.1"


class Refused(Exception):
    """The act fails with `errorcode` (the firmware's answer, not an HTTP error)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def has_radios(dev: SimDevice) -> bool:
    return bool(dev.extra.get("wifi_radios", True))


# --- per-device furniture drawn once (LAN hosts, guest networks, memory) ---------------------


def furnish(dev: SimDevice, rng: random.Random) -> None:
    """Plausible LAN clients, guest networks and memory for the objects public clients
    poll; drawn from the lab's seeded `rng` so a lab is reproducible."""
    hosts: list[dict[str, str]] = []
    if has_radios(dev):
        kinds = [p.HOST_WIRED, p.HOST_24, p.HOST_5, p.HOST_24]
        for i, kind in enumerate(kinds[: rng.randint(1, len(kinds))]):
            mac = "3C:22:FB:" + ":".join(f"{rng.randrange(256):02X}" for _ in range(3))
            hosts.append({
                "active": "1" if i < 3 else "0",
                "X_TP_LanConnType": str(kind),
                "physAddress": mac,
                "IPAddress": f"192.168.1.{100 + i}",
                "hostName": rng.choice(["notebook", "celular", "smart-tv", "tablet"]) + f"-{i}",
                "leaseTimeRemaining": str(rng.randrange(600, 86400)),
                "addressSource": "DHCP",
            })
        dev.extra["guest"] = {
            band: {
                g.WIFI_GUEST_SSID_FIELD: f"{state.ssid}_Convidados",
                g.WIFI_GUEST_PSK_FIELD: f"convidado-{rng.randrange(10**6):06d}",
                p.WIFI_GUEST_ENABLE_FIELD: "0",
            }
            for band, state in dev.wifi.items()
        }
    dev.extra["hosts"] = hosts
    dev.extra["mem_total"] = 262144
    dev.extra["mem_free"] = rng.randrange(70000, 140000)
    dev.extra["cpu"] = rng.randrange(2, 30)


# --- reads ---------------------------------------------------------------------------------


def _dev_info(dev: SimDevice) -> dict[str, str]:
    return {
        "manufacturer": "TP-Link",
        "modelName": dev.model_name,
        "softwareVersion": dev.firmware,
        "hardwareVersion": dev.hardware,
        "serialNumber": dev.serial,
        g.UPTIME_FIELD: str(max(0, dev.uptime_s())),
    }


def _wan_state(dev: SimDevice) -> str:
    if dev.wan_type == "bridge":
        return g.WAN_STATUS_UP if dev.pon_registered else g.WAN_STATUS_DOWN
    if dev.wan_up:
        return g.WAN_STATUS_UP
    if dev.wan_error is WanError.CONNECTING:
        return g.WAN_STATUS_CONNECTING
    return g.WAN_STATUS_DOWN


def _customer_wan(dev: SimDevice) -> dict[str, str]:
    entry = {
        p.WAN_ENABLE_FIELD: "1",
        p.WAN_NAME_FIELD: _WAN_NAMES.get(dev.wan_type, "ipoe_gpon_0_2_d"),
        g.WAN_CONN_TYPE_FIELD: _CONN_TYPES.get(dev.wan_type, "DHCP"),
        g.WAN_STATUS_FIELD: _wan_state(dev),
        p.WAN_MAC_FIELD: dev.mac,
    }
    if dev.wan_type == "bridge":
        return entry
    up = dev.wan_up
    shown = (up or dev.manual_dns) and dev.dns
    dns = ",".join(dev.dns) if shown else f"{p.NO_ADDRESS},{p.NO_ADDRESS}"
    entry |= {
        p.WAN_IP_FIELD: dev.wan_ip if up else p.NO_ADDRESS,
        p.WAN_GATEWAY_FIELD: dev.wan_gateway if up else p.NO_ADDRESS,
        p.WAN_MASK_FIELD: "255.255.255.255" if up else p.NO_ADDRESS,
        p.WAN_DNS_FIELD: dns,
        g.DNS_MANUAL_FIELD: "1" if dev.manual_dns else "0",
        g.WAN_ERROR_FIELD: g.WAN_ERROR_CODES.get(dev.wan_error or WanError.CONNECTING, ""),
    }
    pppoe = dev.wan_type == "pppoe"
    entry[g.PPPOE_USER_FIELD] = dev.pppoe_user if pppoe else ""
    entry[g.PPPOE_PASSWORD_FIELD] = dev.pppoe_password if pppoe else ""
    return entry


def _wans(dev: SimDevice) -> list[tuple[str, dict[str, str]]]:
    # Same schema as the customer's WAN: a firmware object has fixed fields.
    mgmt = {
        p.WAN_ENABLE_FIELD: "0",
        p.WAN_NAME_FIELD: "ipoe_gpon_0_1_d",
        g.WAN_CONN_TYPE_FIELD: "DHCP",
        g.WAN_STATUS_FIELD: g.WAN_STATUS_DOWN,
        p.WAN_MAC_FIELD: dev.mac,
        p.WAN_IP_FIELD: p.NO_ADDRESS,
        p.WAN_GATEWAY_FIELD: p.NO_ADDRESS,
        p.WAN_MASK_FIELD: p.NO_ADDRESS,
        p.WAN_DNS_FIELD: f"{p.NO_ADDRESS},{p.NO_ADDRESS}",
        g.DNS_MANUAL_FIELD: "0",
        g.WAN_ERROR_FIELD: g.WAN_ERROR_CODES[WanError.CONNECTING],
        g.PPPOE_USER_FIELD: "",
        g.PPPOE_PASSWORD_FIELD: "",
    }
    return [(MGMT_WAN_STACK, mgmt), (CUSTOMER_WAN_STACK, _customer_wan(dev))]


def guest_of(dev: SimDevice, band: Band) -> dict[str, str]:
    guests: dict[Band, dict[str, str]] = dev.extra.setdefault("guest", {})
    return guests.setdefault(band, {
        g.WIFI_GUEST_SSID_FIELD: "Convidados",
        g.WIFI_GUEST_PSK_FIELD: "convidados-123",
        p.WIFI_GUEST_ENABLE_FIELD: "0",
    })


def _wifi(dev: SimDevice) -> list[tuple[str, dict[str, str]]]:
    if not has_radios(dev):
        return []
    out = []
    for band, stack in p.WIFI_STACKS.items():
        state = dev.wifi.get(band)
        if state is not None:
            fields = {
                "band": _BAND_NAMES[band],
                p.WIFI_ENABLE_FIELD: "1" if state.enabled else "0",
                p.WIFI_SSID_FIELD: state.ssid,
                g.WIFI_PSK_FIELD: state.psk,
                **guest_of(dev, band),
            }
            out.append((stack, fields))
    return out


def _lan(dev: SimDevice) -> list[tuple[str, dict[str, str]]]:
    return [(LAN_STACK, {
        "MACAddress": dev.mac,
        "IPAddress": LAN_IP,
        "IPSubnetMask": "255.255.255.0",
        "DHCPv4Enable": "0" if dev.wan_type == "bridge" else "1",
    })]


def _hosts(dev: SimDevice) -> list[tuple[str, dict[str, str]]]:
    hosts: list[dict[str, str]] = dev.extra.get("hosts", [])
    return [(f"{i},0,0,0,0,0", dict(h)) for i, h in enumerate(hosts, start=1)]


def _memory(dev: SimDevice) -> list[tuple[str, dict[str, str]]]:
    total = int(dev.extra.get("mem_total", 262144))
    free = int(dev.extra.get("mem_free", total // 2))
    return [(p.DEFAULT_STACK, {"total": str(total), "free": str(free)})]


def _cpu(dev: SimDevice) -> list[tuple[str, dict[str, str]]]:
    return [(p.DEFAULT_STACK, {"CPUUsage": str(dev.extra.get("cpu", 5))})]


def _power(value: float | None) -> str:
    return "" if value is None else str(round(value / g.OPTICAL_UNIT_DBM))


def _optical(dev: SimDevice) -> list[tuple[str, dict[str, str]]]:
    rx = dev.rx_dbm if dev.pon_registered else None
    fields = {g.OPTICAL_RX_FIELD: _power(rx), g.OPTICAL_TX_FIELD: _power(dev.tx_dbm)}
    return [(OPTICAL_STACK, fields)]


def _pon(dev: SimDevice) -> list[tuple[str, dict[str, str]]]:
    status = g.PON_STATUS_UP if dev.pon_registered else "Down"
    return [(g.PON_STACK, {g.PON_STATUS_FIELD: status})]


_OBJECTS = {
    p.DEV_INFO_OID: lambda dev: [(p.DEFAULT_STACK, _dev_info(dev))],
    p.WAN_OID: _wans,
    p.LAN_OID: _lan,
    p.HOST_OID: _hosts,
    p.MEM_OID: _memory,
    p.PROC_OID: _cpu,
    g.OPTICAL_OID: _optical,
    g.PON_OID: _pon,
}


def instances(dev: SimDevice, oid: str) -> list[tuple[str, dict[str, str]]]:
    if oid == p.WIFI_OID and has_radios(dev):
        return _wifi(dev)
    build = _OBJECTS.get(oid)
    if build is None:
        raise Refused(g.ERR_BAD_NAME)
    return build(dev)


def read(dev: SimDevice, operation: str, oid: str, data: dict[str, Any]) -> Any:
    """`go`: one instance (by stack), `gl`/`gs`: every instance; only the named fields
    when the request names some."""
    found = instances(dev, oid)
    wanted = [k for k in data if k not in META]

    def view(stack: str, fields: dict[str, str]) -> dict[str, str]:
        out = {k: fields[k] for k in wanted if k in fields} if wanted else dict(fields)
        out["stack"] = stack
        return out

    if operation == p.OP_GET:
        stack = str(data.get("stack", p.DEFAULT_STACK))
        for inst_stack, fields in found:
            if inst_stack == stack or (stack == p.DEFAULT_STACK and len(found) == 1):
                return view(inst_stack, fields)
        raise Refused(g.ERR_NO_INSTANCE)
    return [view(s, f) for s, f in found]
