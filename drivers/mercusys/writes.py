"""What to write for each change, from what the unit showed (pure: no I/O, easy to test).

Read-modify-write: every function gets the blocks just read and returns only the keys
that change. Where the value goes depends on the unit's current link type (id 22): a
DHCP WAN keeps its DNS in DHCPC (25), a static one in STATIC_IP (24), PPPoE in PPPOE (26)
(guessed.py `DNS_OBJECT_BY_LINK_TYPE`). A DNS written elsewhere would be stored and
ignored by the firmware, which is exactly the fix that "works" in a careless test and
not on a real DHCP-WAN router.
"""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import IPv4Address

from cpe.models import DnsSettings, PppoeSettings
from drivers.mercusys import guessed as g
from drivers.mercusys.wire import Block, ObjectRef

__all__ = ["NoDnsObject", "changed_keys", "dns_change", "dns_object_ref", "pppoe_change"]


_UNSET = str(IPv4Address(0))  # "no address" on the wire


class NoDnsObject(ValueError):
    """The link type keeps its DNS in no object we know (L2TP, PPTP...)."""


def changed_keys(current: Block, desired: Block) -> Block:
    """The part of `desired` that differs from what the device holds (read-modify-write:
    only these keys are sent back)."""
    out = Block(desired.ref)
    for key, value in desired.values.items():
        if current.values.get(key) != value:
            out.values[key] = value
    return out


def _single(data_id: int) -> ObjectRef:
    return ObjectRef(data_id, g.STACK_SINGLE)


def dns_object_ref(link_type: int | None) -> ObjectRef:
    data_id = g.DNS_OBJECT_BY_LINK_TYPE.get(link_type) if link_type is not None else None
    if data_id is None:
        raise NoDnsObject(f"link type {link_type}")
    return _single(data_id)


def _manual(ref: ObjectRef) -> bool:
    """Whether the object carries the manualDns switch (static WANs have only rows)."""
    return ref.data_id != g.DATA_STATIC_IP


def _dns_block(ref: ObjectRef, primary: str, secondary: str) -> Block:
    block = Block(ref)
    if _manual(ref):
        block.set(g.MANUAL_DNS_KEY, g.MANUAL_DNS_ON)
    return block.set(g.DNS_ROW_KEY, primary, 0).set(g.DNS_ROW_KEY, secondary, 1)


def dns_change(current: Block, settings: DnsSettings) -> Block:
    """The DNS override in the link type's own object (`current`, just read)."""
    if _manual(current.ref) and current.get(g.MANUAL_DNS_KEY) is None:
        raise NoDnsObject(f"block {current.ref} has no {g.MANUAL_DNS_KEY}")
    desired = _dns_block(current.ref, str(settings.primary), str(settings.secondary))
    return changed_keys(current, desired)


def _configured_dns(block: Block) -> tuple[str, str] | None:
    """The manual DNS an object holds, or None when it leaves the DNS to the ISP."""
    if _manual(block.ref) and block.get(g.MANUAL_DNS_KEY) != g.MANUAL_DNS_ON:
        return None
    rows = (block.get(g.DNS_ROW_KEY, 0), block.get(g.DNS_ROW_KEY, 1))
    if rows[0] is None or rows[1] is None or rows == (_UNSET, _UNSET):
        return None
    return rows[0], rows[1]


def pppoe_change(
    blocks: Mapping[ObjectRef, Block], link_type: int | None, settings: PppoeSettings
) -> list[Block]:
    """Credentials into id 26, then the `id 22 linkType 2` commit. Coming from another
    link type, the manual DNS of that type's object moves along into id 26: the unit
    keeps resolving where it did (else a DHCP unit fixed to PPPoE would silently fall
    back to the ISP's DNS)."""
    pppoe_ref, link_ref = _single(g.DATA_PPPOE), _single(g.DATA_LINK)
    current = blocks[pppoe_ref]
    desired = (
        Block(pppoe_ref)
        .set(g.PPPOE_USER_KEY, settings.username)
        .set(g.PPPOE_PASSWORD_KEY, settings.password.get_secret_value())
    )
    if link_type != g.LINK_TYPE_PPPOE:
        previous = blocks.get(dns_object_ref(link_type)) if link_type in (
            g.LINK_TYPE_DHCP, g.LINK_TYPE_STATIC
        ) else None
        carried = _configured_dns(previous) if previous is not None else None
        if carried is not None:
            desired.values.update(_dns_block(pppoe_ref, *carried).values)
    credentials = changed_keys(current, desired)
    commit = Block(link_ref).set("linkType", str(g.LINK_TYPE_PPPOE))
    if not g.PPPOE_COMMIT_ALWAYS:
        commit = changed_keys(blocks[link_ref], commit)
    return [b for b in (credentials, commit) if b.values]
