"""What an audit chunk and a fix chunk carry, each way, and nothing more.

Down (caller → worker): an audit item is [login, IXC login id or null] (the id lets the
worker read a whole chunk from IXC in a few range queries); a fix item is
[login, [drift names]]. Up (worker → caller): an audit row is
[login, model, verdict, drifts, detail] with the detail masked by cpe.journal.mask, the
same data the journal stores; a fix row is [login, outcome, changed, reason]. No
password, key or token travels either way: the worker takes those from IXC and its own
vault.
"""

from __future__ import annotations

from typing import Any

from cpe.audit import DeviceResult
from cpe.audit_fix import FixJob, FixResult
from cpe.scale.app import AUDIT_TASK, FIX_TASK
from inventory.models import Subscriber

AuditItem = Subscriber | DeviceResult
FixItem = FixJob | FixResult


class AuditKind:
    name = "audit"
    task = AUDIT_TASK

    def local(self, item: AuditItem) -> DeviceResult | None:
        return item if isinstance(item, DeviceResult) else None

    def key(self, item: AuditItem) -> str:
        return item.login

    def encode(self, item: AuditItem) -> list[Any]:
        assert isinstance(item, Subscriber)
        return [item.login, item.login_id]

    def decode(self, row: list[Any]) -> tuple[str, DeviceResult]:
        login, model, verdict, drifts, detail = row
        return str(login), DeviceResult(
            str(login), model, str(verdict), [str(d) for d in drifts], dict(detail)
        )


class FixKind:
    name = "fix"
    task = FIX_TASK

    def local(self, item: FixItem) -> FixResult | None:
        return item if isinstance(item, FixResult) else None

    def key(self, item: FixItem) -> str:
        return item.login

    def encode(self, item: FixItem) -> list[Any]:
        assert isinstance(item, FixJob)
        return [item.login, list(item.drifts)]

    def decode(self, row: list[Any]) -> tuple[str, FixResult]:
        login, outcome, changed, reason = row
        return str(login), FixResult(str(login), str(outcome), [str(c) for c in changed], reason)


def audit_row(result: DeviceResult) -> list[Any]:
    from cpe.journal import mask

    return [result.login, result.model, result.verdict, result.drifts, mask(result.detail)]


def fix_row(result: FixResult) -> list[Any]:
    return [result.login, result.outcome, result.changed, result.reason]
