"""ZTE ONU driver (F670L and other ThinkLua web UIs: `/?_type=...&_tag=...`).

Login and the landing after it are in `session.py` (§3.A). Reads (§3.B): `menuView` of
the page (fresh `_sessionTmpToken`, RSA key in `asyEncode()`), then `menuData` of its
module; `<encode>` fields are decrypted with that token. Writes (§3.C): the whole instance
re-posted, sensitive fields AES-wrapped with a fresh (ck, ci), `_sessionTOKEN` last, and
the `Check` header signing the exact body with the key the page carries (2048- or
4096-bit: it is read from the page, never assumed).

Never logs bodies, tokens or keys; error messages carry only page, field and code names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric import rsa

from cpe.errors import DeviceRejected, ParseError, Unsupported
from cpe.models import (
    Capability,
    DeviceStatus,
    DnsSettings,
    PppoeSettings,
    Transport,
    WifiSettings,
)
from drivers.zte import guessed as g
from drivers.zte import status
from drivers.zte.ajax import AjaxReply, Instance
from drivers.zte.crypto import (
    CryptoError,
    FieldCipher,
    check_header,
    decode_read_value,
    public_key_from_js,
)
from drivers.zte.session import AJAX, FORM, Page, ThinkLuaSession

STATUS = Page(g.PAGE_STATUS, g.MOD_STATUS)
WAN_STATUS = Page(g.PAGE_WAN_STATUS, g.MOD_WAN_STATUS, g.QUERY_WAN_STATUS)
WAN_CONFIG = Page(g.PAGE_WAN_CONFIG, g.MOD_WAN_CONFIG, g.QUERY_WAN_CONFIG)
OPTICAL = Page(g.PAGE_OPTICAL, g.MOD_OPTICAL)
WLAN = Page(g.PAGE_WLAN, g.MOD_WLAN)
DNS = Page(g.PAGE_DNS, g.MOD_DNS)
LAN_DHCP = Page(g.PAGE_LAN, g.MOD_LAN_DHCP)


class ZteDriver(ThinkLuaSession):
    model_keys = ("zte-onu", "zte-f670l")
    capabilities = frozenset({
        Capability.STATUS, Capability.PPPOE, Capability.DNS, Capability.WIFI,
        Capability.OPTICAL,
    })
    transport = Transport.HTTP

    def _read(self, page: Page, op: str) -> AjaxReply:
        reply = self._with_session(page, op, lambda: self._xml(
            self._call("GET", page.data_path(self._next_stamp()), op, headers=AJAX),
            page.module, op,
        ))
        if not reply.ok:
            raise self._err(ParseError, f"{page.module} answered {reply.errorstr}", op)
        return self._decoded(reply, page, op)

    def _with_session(
        self, page: Page, op: str, fetch: Callable[[], AjaxReply], *, reuse: bool = False
    ) -> AjaxReply:
        """Open the page (or keep it open when `reuse`), fetch; after a SessionTimeout log in
        again once and retry."""
        for attempt in (1, 2):
            if (reuse and attempt == 1 and self._page == page.view) or self._open(page, op):
                reply = fetch()
                if not reply.session_timeout:
                    return reply
            if attempt == 2:
                break
            self._relogin(op)
        raise self._err(ParseError, f"{page.view}: session keeps timing out", op)

    def _decoded(self, reply: AjaxReply, page: Page, op: str) -> AjaxReply:
        if not reply.encoded:
            return reply
        objects: dict[str, list[Instance]] = {}
        for name, instances in reply.objects.items():
            objects[name] = []
            for inst in instances:
                plain = dict(inst)
                for field in reply.encoded & plain.keys():
                    if plain[field]:
                        try:
                            plain[field] = decode_read_value(plain[field], self._token)
                        except CryptoError as exc:
                            msg = f"{page.module}: field {field} does not decode"
                            raise self._err(ParseError, msg, op) from exc
                objects[name].append(plain)
        return replace(reply, objects=objects)

    def _write(
        self, page: Page, inst_id: str, fields: Iterable[tuple[str, str]], op: str
    ) -> AjaxReply:
        items = list(fields)
        # Like the browser: the POST rides on the menuView the read just opened.
        reply = self._with_session(
            page, op, lambda: self._post(page, inst_id, items, op), reuse=True
        )
        if not reply.ok:
            where = f" (field {reply.errorparam})" if reply.errorparam not in ("", "SUCC") else ""
            raise self._err(
                DeviceRejected, f"{page.module} refused the change: {reply.errorstr}{where}", op
            )
        return reply

    def _public_key(self, page: Page, op: str) -> rsa.RSAPublicKey:
        """The page's `asyEncode()` key, parsed only when a write needs it."""
        if self._key_page is None:
            raise self._err(ParseError, f"{page.view}: no public key in the page", op)
        try:
            return public_key_from_js(self._key_page)
        except CryptoError as exc:
            raise self._err(ParseError, f"{page.view}: {exc}", op) from exc

    def _post(self, page: Page, inst_id: str, fields: list[tuple[str, str]], op: str) -> AjaxReply:
        pubkey = self._public_key(page, op)
        secret = g.WRITE_ENCODED.get(page.module, ())
        cipher = FieldCipher.fresh()
        pairs = [("IF_ACTION", "Apply"), ("_InstID", inst_id)]
        encoded = False
        for name, value in fields:
            if name in secret and value:
                pairs.append((name, cipher.encrypt(value)))
                encoded = True
            else:
                pairs.append((name, value))
        if encoded:
            pairs.append(("encode", cipher.wrap(pubkey)))
        pairs.append(("_sessionTOKEN", self._token))  # must be last
        body = urlencode(pairs).encode("ascii")
        headers = {**FORM, "Check": check_header(pubkey, body)}
        resp = self._call("POST", page.data_path(self._next_stamp()), op, headers=headers,
                          data=body)
        return self._xml(resp, page.module, op)

    # -- operations --------------------------------------------------------------------------

    def get_status(self) -> DeviceStatus:
        op = "get_status"
        model_name, firmware, hardware, uptime = status.device_info(self._read(STATUS, op))
        wan, wan_dns = status.wan_status(self._read(WAN_STATUS, op))
        optical = status.optical(self._read(OPTICAL, op))
        wifi = status.wifi(self._read(WLAN, op))
        dns = status.resolver_dns(self._read(DNS, op), wan_dns)
        lan_dns = status.lan_dns(self._read(LAN_DHCP, op), wan_dns)
        return DeviceStatus(
            model=self.target.model,
            firmware=firmware,
            hardware=hardware,
            model_name=model_name,
            uptime_s=uptime,
            transport=Transport.HTTP,
            wan=wan,
            dns=dns,
            lan_dns=lan_dns,
            wifi=wifi,
            optical=optical,
            bridge_mode=wan.connection_type == "bridge",
        )

    def _set_pppoe(self, settings: PppoeSettings) -> None:
        op = "set_pppoe"
        inst = status.internet_instance(self._read(WAN_CONFIG, op).instances(g.OBJ_WAN))
        if inst is None:
            raise self._err(Unsupported, "no INTERNET WAN connection to configure", op)
        fields = dict(inst)
        inst_id = fields.pop("_InstID", "")
        fields.update(g.PPPOE_FORCED_FIELDS)
        fields["UserName"] = settings.username
        fields["Password"] = settings.password.get_secret_value()
        self._write(WAN_CONFIG, inst_id, fields.items(), op)

    def _set_dns(self, settings: DnsSettings) -> None:
        op = "set_dns"
        wanted = [str(settings.primary), str(settings.secondary)]
        fields = dict(self._read(DNS, op).first(g.OBJ_DNS))
        if not fields:
            raise self._err(ParseError, f"{g.MOD_DNS} has no {g.OBJ_DNS}", op)
        inst_id = fields.pop("_InstID", g.DNS_INST)
        fields["SerIPAddress1"], fields["SerIPAddress2"] = wanted
        self._write(DNS, inst_id, fields.items(), op)
        # Fixed DHCP servers bypass the ONU's proxy: align them too.
        dhcp = dict(self._read(LAN_DHCP, op).first(g.OBJ_DHCP))
        if dhcp.get("DnsServerSource") != g.DNS_SOURCE_MANUAL:
            return
        if [dhcp.get("DNSServer1", ""), dhcp.get("DNSServer2", "")] == wanted:
            return
        inst_id = dhcp.pop("_InstID", g.DHCP_INST)
        dhcp["DNSServer1"], dhcp["DNSServer2"] = wanted
        self._write(LAN_DHCP, inst_id, dhcp.items(), op)

    def _set_wifi(self, settings: WifiSettings) -> None:
        op = "set_wifi"
        reply = self._read(WLAN, op)
        ap = status.main_aps(reply).get(settings.band)
        if ap is None:
            raise self._err(Unsupported, f"no {settings.band} SSID on this unit", op)
        ap_id = ap.get("_InstID", "")
        psk = status.psk_instance(reply, ap_id)
        fields = [
            ("ESSID", settings.ssid),
            ("Enable", ap.get("Enable", "1")),
            ("ESSIDHideEnable", ap.get("ESSIDHideEnable", "0")),
            *g.WIFI_SECURITY_FIELDS,
            ("_InstID_PSK", (psk or {}).get("_InstID", f"{ap_id}.PSK1")),
            ("KeyPassphrase", settings.passphrase.get_secret_value()),
        ]
        self._write(WLAN, ap_id, fields, op)
