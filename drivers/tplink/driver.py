"""TP-Link GPON ONUs over the EX/"gdprJson" web protocol (protocol note §4).

`TplinkOnuDriver` (model key `tplink-onu`): XC220-G3v, routed, dual-band Wi-Fi.
`TplinkBridgeDriver` (model key `tplink-xz000-g3`): XZ000-G3, one port, no Wi-Fi, run in
bridge mode; status and optics only, because the customer's router does PPPoE.

Session (session.py): POST /cgi/getGDPRParm (RSA key + seq) → encrypted /cgi/login act on
/cgi_gdpr?9 in the cipher profile the firmware answers (CBC, GCM or GCM with an OAEP
sign; a wrong guess spends no password attempt) → GET / for `var token` (header TokenID)
→ one encrypted act per POST → /cgi/logout act.
"""

from __future__ import annotations

from typing import Any, ClassVar

from cpe.errors import CpeError, DeviceRejected, Unsupported
from cpe.models import (
    Capability,
    DeviceStatus,
    DnsSettings,
    OpticalPower,
    PppoeSettings,
    Transport,
    WanStatus,
    WifiNetwork,
    WifiSettings,
)
from drivers.tplink import guessed as g
from drivers.tplink import parse
from drivers.tplink import protocol as p
from drivers.tplink.crypto import CipherMode, SessionCipher, new_session_cipher
from drivers.tplink.link import ActRefused
from drivers.tplink.session import ExWebDriver

__all__ = ["BRIDGE_PT", "TplinkBridgeDriver", "TplinkOnuDriver"]

#: What the agent reads when asked to configure a bridged ONU.
BRIDGE_PT = "este equipamento está em modo bridge: a configuração é no roteador do cliente"


class TplinkOnuDriver(ExWebDriver):
    model_keys: ClassVar[tuple[str, ...]] = ("tplink-onu",)
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.STATUS, Capability.PPPOE, Capability.DNS, Capability.WIFI, Capability.OPTICAL}
    )
    transport: ClassVar[Transport] = Transport.HTTP

    def _draw_cipher(self, mode: CipherMode) -> SessionCipher:
        # Looked up here at call time: a capture pins `drivers.tplink.driver:new_session_cipher`.
        return new_session_cipher(mode)

    # -- status ------------------------------------------------------------------------------

    def get_status(self) -> DeviceStatus:
        op = "get_status"
        try:
            identity = self._identity(op)
            wan_entry = self._customer_wan_entry(op)
            wan = parse.wan_status(wan_entry)
            bridged = wan.connection_type == "bridge"
            return DeviceStatus(
                wan=wan,
                dns=() if bridged else parse.dns_servers(wan_entry),
                wifi=self._wifi(op),
                optical=self._optics(op),
                bridge_mode=bridged,
                **identity,
            )
        except ValueError as exc:
            self._fail(f"unreadable answer: {exc}", op)

    def _identity(self, op: str) -> dict[str, Any]:
        fields = (*p.DEV_INFO_FIELDS, g.UPTIME_FIELD)
        info = parse.as_entry(self._read(p.OP_GET, p.DEV_INFO_OID, op, fields=fields), "info")
        return {
            "model": self.target.model,
            "firmware": parse.need(info, "softwareVersion", p.DEV_INFO_OID),
            "hardware": info.get("hardwareVersion") or None,
            "model_name": info.get("modelName") or None,
            "uptime_s": parse.uptime(info),
            "transport": Transport.HTTP,
        }

    def _customer_wan_entry(self, op: str) -> parse.Entry | None:
        fields = (
            p.WAN_ENABLE_FIELD, p.WAN_NAME_FIELD, g.WAN_CONN_TYPE_FIELD, g.WAN_STATUS_FIELD,
            p.WAN_IP_FIELD, p.WAN_GATEWAY_FIELD, p.WAN_DNS_FIELD, g.PPPOE_USER_FIELD,
            g.WAN_ERROR_FIELD,
        )
        data = self._read(p.OP_LIST, p.WAN_OID, op, fields=fields)
        return parse.pick_wan(parse.as_entries(data or [], p.WAN_OID))

    def _wifi(self, op: str) -> tuple[WifiNetwork, ...]:
        out = []
        fields = (p.WIFI_ENABLE_FIELD, p.WIFI_SSID_FIELD, g.WIFI_PSK_FIELD)
        for band, stack in p.WIFI_STACKS.items():
            data = self._read(p.OP_GET, p.WIFI_OID, op, stack, fields, optional=True)
            if data is not None:
                out.append(parse.wifi_network(band, parse.as_entry(data, p.WIFI_OID)))
        return tuple(out)

    def _optics(self, op: str) -> OpticalPower | None:
        fields = (g.OPTICAL_RX_FIELD, g.OPTICAL_TX_FIELD)
        trx = self._read(p.OP_LIST, g.OPTICAL_OID, op, fields=fields, optional=True)
        entries = parse.as_entries(trx, g.OPTICAL_OID) if trx is not None else []
        if not entries:
            return None
        ani = self._read(
            p.OP_GET, g.PON_OID, op, g.PON_STACK, (g.PON_STATUS_FIELD,), optional=True
        )
        pon = parse.as_entry(ani, g.PON_OID) if ani is not None else None
        return parse.optical(entries[0], pon)

    # -- writes ------------------------------------------------------------------------------

    def _write(self, oid: str, stack: str, attrs: dict[str, str], op: str) -> None:
        try:
            self._act(p.OP_SET, oid, op, stack, attrs)
        except ActRefused as exc:
            raise self._err(
                DeviceRejected, f"{oid} refused the change (errorcode {exc.code})", op
            ) from None

    def _routed_wan_stack(self, op: str) -> str:
        entry = self._customer_wan_entry(op)
        if entry is None:
            raise self._err(DeviceRejected, "the device has no WAN connection to configure", op)
        if parse.conn_type(entry) == "bridge":
            raise self._bridge_unsupported(op)
        stack = entry.get("stack")
        if not stack:
            self._fail(f"{p.WAN_OID} entry has no stack", op)
        return stack

    def _set_pppoe(self, settings: PppoeSettings) -> None:
        op = "set_pppoe"
        stack = self._routed_wan_stack(op)
        attrs = {
            g.PPPOE_USER_FIELD: settings.username,
            g.PPPOE_PASSWORD_FIELD: settings.password.get_secret_value(),
        }
        self._write(g.PPPOE_OID, stack, attrs, op)

    def _set_dns(self, settings: DnsSettings) -> None:
        op = "set_dns"
        stack = self._routed_wan_stack(op)
        servers = ",".join(str(a) for a in settings.as_list())
        self._write(g.DNS_OID, stack, {g.DNS_MANUAL_FIELD: "1", g.DNS_SERVERS_FIELD: servers}, op)

    def _set_wifi(self, settings: WifiSettings) -> None:
        attrs = {
            p.WIFI_SSID_FIELD: settings.ssid,
            g.WIFI_PSK_FIELD: settings.passphrase.get_secret_value(),
        }
        self._write(p.WIFI_OID, p.WIFI_STACKS[settings.band], attrs, "set_wifi")

    def _bridge_unsupported(self, op: str) -> CpeError:
        return Unsupported(
            f"{self.target.model} is in bridge mode: PPPoE, DNS and Wi-Fi live on the "
            "customer's router",
            device=self.target.name,
            model=self.target.model,
            operation=op,
            detail_pt=BRIDGE_PT,
        )


class TplinkBridgeDriver(TplinkOnuDriver):
    """XZ000-G3: bridged single-port ONU. Reads identity and optics; every write is
    Unsupported with the agent's Portuguese explanation."""

    model_keys: ClassVar[tuple[str, ...]] = ("tplink-xz000-g3",)
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.STATUS, Capability.OPTICAL}
    )
    default_username: ClassVar[str] = g.BRIDGE_DEFAULT_USERNAME

    def require(self, capability: Capability, operation: str) -> None:
        if capability not in self.capabilities:
            raise self._bridge_unsupported(operation)

    def get_status(self) -> DeviceStatus:
        op = "get_status"
        try:
            return DeviceStatus(
                wan=WanStatus(up=False, connection_type="bridge"),
                optical=self._optics(op),
                bridge_mode=True,
                **self._identity(op),
            )
        except ValueError as exc:
            self._fail(f"unreadable answer: {exc}", op)
