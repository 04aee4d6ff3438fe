"""Driver for Mercusys AC12G v1 and MR30G v1: the classic `/?code=N&asyn=M` web UI.

Reads post `<id>|<stack>#...` with code=2, writes post blocks with code=1 and send only the
keys that change (login and session: `session.ClassicSession`; what to write:
`writes`).

A tolerant reader: the variant comes from what the unit answers, never from a guess alone.
A read finds the Wi-Fi numbering before any write (unit 0 first: on unit-0 firmware unit
1 is the guest network); id 22 says where the WAN DNS lives; a numbering or link type no
profile knows is `Unsupported`, saying what was tried.
"""

from __future__ import annotations

import logging
from typing import Any

from cpe.errors import DeviceRejected, DeviceUnreachable, ParseError, Unsupported
from cpe.models import (
    Band,
    Capability,
    Credential,
    DeviceStatus,
    DnsSettings,
    PppoeSettings,
    Target,
    Timeouts,
    WifiSettings,
)
from drivers.mercusys import guessed as g
from drivers.mercusys.profiles import wifi_ref as _wifi_ref
from drivers.mercusys.session import ClassicSession, attempts_left
from drivers.mercusys.status import build_status, link_type
from drivers.mercusys.wire import (
    OK,
    Block,
    ObjectRef,
    Reply,
    RequestCode,
    WireError,
    describe_code,
    render_blocks,
    render_read_request,
)
from drivers.mercusys.writes import (
    NoDnsObject,
    changed_keys,
    dns_change,
    dns_object_ref,
    pppoe_change,
)

__all__ = ["MercusysDriver", "attempts_left", "changed_keys"]

log = logging.getLogger("cpe.drivers.mercusys")

#: Read errors that mean "this firmware has no such object": say "not supported yet".
_UNKNOWN_OBJECT_CODES = (g.ERR_BAD_ARGUMENT, g.ERR_BAD_CODE)
_DNS_REFS = tuple(ObjectRef(i, g.STACK_SINGLE) for i in (g.DATA_STATIC_IP, g.DATA_DHCPC))


class MercusysDriver(ClassicSession):
    model_keys = ("mercusys-ac12g", "mercusys-mr30g")
    capabilities = frozenset(
        {Capability.STATUS, Capability.PPPOE, Capability.DNS, Capability.WIFI}
    )

    def __init__(
        self,
        target: Target,
        credential: Credential,
        *,
        timeouts: Timeouts | None = None,
        session: Any = None,
    ) -> None:
        super().__init__(target, credential, timeouts=timeouts, session=session)
        #: The Wi-Fi numbering a read found on this unit (None until then).
        self.wifi_stack: str | None = None

    # -- reads and writes -----------------------------------------------------------------------

    def _read_reply(self, refs: list[ObjectRef], operation: str) -> Reply:
        return self._call(RequestCode.READ, self.profile.read_asyn, render_read_request(refs),
                          operation)

    def _read(self, refs: list[ObjectRef], operation: str) -> dict[ObjectRef, Block]:
        reply = self._read_reply(refs, operation)
        return self._blocks(reply, refs, operation)

    def _blocks(self, reply: Reply, refs: list[ObjectRef], operation: str
                ) -> dict[ObjectRef, Block]:
        body = render_read_request(refs)
        if reply.code != OK:
            cls = Unsupported if reply.code in _UNKNOWN_OBJECT_CODES else ParseError
            raise self._err(
                cls, f"read of {body} refused with {describe_code(reply.code)}", operation
            )
        blocks = reply.by_ref()
        missing = [str(r) for r in refs if r not in blocks]
        if missing:
            raise self._err(ParseError, f"answer lacks block(s) {', '.join(missing)}", operation)
        return blocks

    def _write(self, blocks: list[Block], operation: str) -> None:
        refs = ", ".join(str(b.ref) for b in blocks)
        try:
            reply = self._call(RequestCode.WRITE, 0, render_blocks(blocks), operation)
        except DeviceUnreachable as exc:
            if len(blocks) < 2:
                raise
            # The firmware applies blocks one by one: a drop here may leave half a change.
            raise type(exc)(
                f"connection lost during a {len(blocks)}-block write ({refs}); the device "
                "may have applied only part of it (rebooting?)",
                device=self.target.name,
                model=self.target.model,
                operation=operation,
                detail_pt=(
                    "A conexão caiu no meio da gravação: o equipamento pode ter reiniciado "
                    "e aplicado só parte da alteração. Aguarde ele voltar e confira o status "
                    "antes de repetir."
                ),
            ) from None
        if reply.code != OK:
            raise self._err(
                DeviceRejected,
                f"the device refused the write of {refs}: {describe_code(reply.code)}",
                operation,
            )
        keys = sorted({k for b in blocks for (k, _) in b.values})
        log.info("%s: %s wrote %s (%s)", self.target.name, operation, refs, ", ".join(keys))

    # -- Wi-Fi numbering: found by a read, before any write -------------------------------------

    def _stacks(self) -> tuple[str, ...]:
        return (self.wifi_stack,) if self.wifi_stack else g.WIFI_STACK_ORDER

    def _no_numbering(self, tried: list[str], operation: str) -> Unsupported:
        err = self._err(
            Unsupported,
            "no Wi-Fi numbering this driver knows answered with an SSID ("
            + "; ".join(tried) + ")",
            operation,
        )
        assert isinstance(err, Unsupported)
        return err

    def _found(self, stack: str) -> None:
        if self.wifi_stack != stack:
            self.wifi_stack = stack
            log.debug("%s: Wi-Fi numbering 33|%s", self.target.name, stack)

    @staticmethod
    def _has_ssids(reply: Reply, refs: list[ObjectRef]) -> bool:
        blocks = reply.by_ref()
        return reply.code == OK and all(
            r in blocks and blocks[r].get(g.WIFI_SSID_KEY) is not None for r in refs
        )

    def _wifi_block(self, band: Band, operation: str) -> Block:
        tried = []
        for stack in self._stacks():
            ref = _wifi_ref(stack, band)
            reply = self._read_reply([ref], operation)
            if self._has_ssids(reply, [ref]):
                self._found(stack)
                return reply.by_ref()[ref]
            if reply.code != OK and reply.code not in _UNKNOWN_OBJECT_CODES:
                self._blocks(reply, [ref], operation)  # raises the proper error
            tried.append(f"{ref}: {_what(reply, ref)}")
        raise self._no_numbering(tried, operation)

    # -- operations -----------------------------------------------------------------------------

    def get_status(self) -> DeviceStatus:
        tried = []
        for stack in self._stacks():
            refs = list(self.profile.status_refs(stack))
            reply = self._read_reply(refs, "get_status")
            wifi = [_wifi_ref(stack, b) for b in g.BAND_INDEX]
            if not self._has_ssids(reply, wifi):
                if reply.code != OK and reply.code not in _UNKNOWN_OBJECT_CODES:
                    self._blocks(reply, refs, "get_status")  # raises the proper error
                tried.append(f"{wifi[0]}: {_what(reply, wifi[0])}")
                continue
            self._found(stack)
            return self._status(self._blocks(reply, _required(refs), "get_status"), stack)
        raise self._no_numbering(tried, "get_status")

    def _status(self, blocks: dict[ObjectRef, Block], stack: str) -> DeviceStatus:
        try:
            status = build_status(self.target.model, self.profile, blocks, stack)
        except WireError as exc:
            raise self._err(ParseError, f"unreadable status: {exc}", "get_status") from exc
        if status.model_name and status.model_name != self.profile.model_name:
            log.warning(
                "%s: inventory says %s but the device reports modelName %s",
                self.target.name,
                self.target.model,
                status.model_name,
            )
        return status

    def _set_dns(self, settings: DnsSettings) -> None:
        link_ref = self.profile.single(g.DATA_LINK)
        refs = [link_ref, *_DNS_REFS, self.profile.single(g.DATA_PPPOE)]
        blocks = self._read(refs, "set_dns")
        kind = _link_type(blocks[link_ref])
        try:
            ref = dns_object_ref(kind)
        except NoDnsObject:
            raise self._err(
                Unsupported,
                f"WAN DNS on link type {kind} (not DHCP, static or PPPoE) is not supported",
                "set_dns",
            ) from None
        try:
            change = dns_change(blocks[ref], settings)
        except NoDnsObject as exc:
            raise self._err(Unsupported, f"this firmware's {exc}", "set_dns") from None
        if change.values:
            self._write([change], "set_dns")

    def _set_wifi(self, settings: WifiSettings) -> None:
        current = self._wifi_block(settings.band, "set_wifi")
        desired = (
            Block(current.ref)
            .set(g.WIFI_SSID_KEY, settings.ssid)
            .set(g.WIFI_PSK_KEY, settings.passphrase.get_secret_value())
        )
        change = changed_keys(current, desired)
        if change.values:
            self._write([change], "set_wifi")

    def _set_pppoe(self, settings: PppoeSettings) -> None:
        pppoe_ref, link_ref = self.profile.single(g.DATA_PPPOE), self.profile.single(g.DATA_LINK)
        blocks = self._read([pppoe_ref, link_ref, *_DNS_REFS], "set_pppoe")
        if blocks[pppoe_ref].get(g.PPPOE_USER_KEY) is None:
            raise self._err(
                Unsupported, f"block {pppoe_ref} has no {g.PPPOE_USER_KEY}", "set_pppoe"
            )
        kind = _link_type(blocks[link_ref])
        if kind != g.LINK_TYPE_PPPOE:
            log.info("%s: WAN is link type %s; switching it to PPPoE", self.target.name, kind)
        writes = pppoe_change(blocks, kind, settings)
        if writes:
            self._write(writes, "set_pppoe")


def _required(refs: list[ObjectRef]) -> list[ObjectRef]:
    """The status blocks that must be there: the DHCPC one may be absent on builds
    without a DHCP WAN object (its DNS then cannot be the fallback)."""
    return [r for r in refs if r.data_id != g.DATA_DHCPC]


def _link_type(link: Block) -> int | None:
    try:
        return link_type(link)
    except WireError:
        return None


def _what(reply: Reply, ref: ObjectRef) -> str:
    if reply.code != OK:
        return describe_code(reply.code)
    block = reply.by_ref().get(ref)
    return "no such block" if block is None else f"no {g.WIFI_SSID_KEY}"
