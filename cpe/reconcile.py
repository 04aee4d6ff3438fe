"""Actions that never finished: a reconfigure killed (kill -9, a crash, a power cut)
after its intent was journaled leaves no closing row. The next read of the device closes
it with the truth: for each planned item, whether the device now holds what IXC says.

For the service (the agent page) and the CLI:
- `pending(journal, login)` — the unfinished actions of a login, without touching the
  device (history items, "interrompida, ainda não conferida");
- `reconcile(ctx, login, drifts)` — called with the drifts a fresh read found, closes
  each unfinished action with an `interrupted` row ("DNS gravado, conferido agora") and
  returns what it closed: [{"id", "at", "operator", "origin", "action", "planned",
  "items": {item: state}, "texto"}]. `cpe.actions.status` calls it under the device's
  lock; its report carries the result in `interrupted` and in `summary_pt`.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cpe.errors import JournalError

if TYPE_CHECKING:
    from cpe.context import Context
    from cpe.journal import Journal

log = logging.getLogger("cpe.reconcile")

__all__ = ["ITEM_PT", "pending", "pending_item", "reconcile"]

ITEM_PT = {
    "dns": "DNS",
    "ssid": "nome do Wi-Fi (SSID)",
    "wifi_key": "senha do Wi-Fi",
    "pppoe": "PPPoE",
}
#: Items whose Portuguese name is feminine ("senha ... gravada").
FEMININE = frozenset({"wifi_key"})
ACTION_PT = {"reconfigure": "reconfigurar", "alterar_wifi": "alterar o Wi-Fi"}

#: Item states (codes in `items`); `state_pt` says them with the item's gender.
WRITTEN = "written"
ALREADY = "already"
NOT_WRITTEN = "not_written"
DIFFERS = "differs"
UNREADABLE = "unreadable"
_STATE_PT = {
    WRITTEN: "gravad{o}, conferid{o} agora",
    ALREADY: "já conforme, conferid{o} agora",
    NOT_WRITTEN: "não gravad{o}",
    DIFFERS: "não confirmad{o}: o equipamento ainda difere do IXC",
    UNREADABLE: "sem como conferir (o equipamento não mostra)",
}


def state_pt(item: str, state: str) -> str:
    """"DNS gravado, conferido agora", "senha do Wi-Fi gravada, conferida agora"."""
    ending = "a" if item in FEMININE else "o"
    return f"{ITEM_PT.get(item, item)} {_STATE_PT[state].format(o=ending)}"


def _names(items: list[str]) -> str:
    return ", ".join(ITEM_PT.get(i, i) for i in items)


def _planned(unfinished: dict[str, Any]) -> list[str] | None:
    """What the action set out to write, once it had read the device (None: killed
    before it knew)."""
    plans = [s["items"] for s in unfinished["steps"] if s["step"] == "planned"]
    return list(plans[-1]) if plans else None


def _steps(unfinished: dict[str, Any], step: str) -> list[str]:
    out: list[str] = []
    for s in unfinished["steps"]:
        if s["step"] == step:
            out += [i for i in s["items"] if i not in out]
    return out


def _when(unfinished: dict[str, Any]) -> str:
    """The intent's time in this machine's time zone, "14:32" (or "03/05 14:32")."""
    try:
        at = datetime.fromisoformat(str(unfinished["at"])).astimezone()
    except ValueError:
        return str(unfinished["at"])
    now = datetime.now(at.tzinfo)
    return at.strftime("%H:%M") if at.date() == now.date() else at.strftime("%d/%m %H:%M")


def pending_item(unfinished: dict[str, Any]) -> dict[str, Any]:
    """A history item for an action not closed yet."""
    writing = _steps(unfinished, "writing")
    written = _steps(unfinished, "written")
    unsure = [i for i in writing if i not in written]
    parts = []
    if written:
        parts.append(f"aceito pelo equipamento: {_names(written)}")
    if unsure:
        parts.append(f"interrompida gravando {_names(unsure)} (pode ter gravado)")
    if not writing:
        parts.append("nada foi gravado ainda")
    running = _running(unfinished)
    text = (
        "Em andamento" if running else "Interrompida"
    ) + f" ({'; '.join(parts)}); ainda não conferida no equipamento"
    if not running:
        text += ": `cpe status` confere e registra o que ficou gravado"
    return {
        "at": unfinished["at"],
        "kind": "action",
        "operator": unfinished["operator"],
        "origin": unfinished["origin"],
        "action": unfinished["action"],
        "outcome": "in_progress" if running else "interrupted",
        "changed": written,
        "planned": _planned(unfinished),
        "message": text + ".",
        "pending": True,
    }


def pending(journal: Journal, login: str) -> list[dict[str, Any]]:
    return [pending_item(u) for u in journal.unfinished_actions(login)]


def _running(unfinished: dict[str, Any]) -> bool:
    """Its process is alive on this host (and is not us): still running, not killed."""
    origin, pid = unfinished.get("origin") or "", unfinished.get("pid")
    if not pid or origin.rpartition("@")[2] != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def reconcile(
    ctx: Context, login: str, drifts: list[str], unreadable: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Close the login's unfinished actions against a fresh read (`drifts`: what still
    differs from IXC now; `unreadable`: items the read cannot show, such as a Wi-Fi key
    the device hides). Never raises for a journal problem: a read must not fail
    because the journal cannot be written; the action stays open for the next read."""
    try:
        journal = ctx.journal
        unfinished = journal.unfinished_actions(login)
    except JournalError:
        return []
    closed = []
    for u in unfinished:
        if _running(u):
            continue
        writing = _steps(u, "writing")
        planned = _planned(u)
        states: dict[str, str] = {}
        for item in planned or []:
            if item in unreadable:
                states[item] = UNREADABLE
            elif item in drifts:
                states[item] = DIFFERS if item in writing else NOT_WRITTEN
            else:
                states[item] = WRITTEN if item in writing else ALREADY
        action = ACTION_PT.get(u["action"], u["action"])
        if planned is None:
            found = "interrompida antes de saber o que mudar; nada foi gravado"
        elif not planned:
            found = "nada precisava ser alterado; nada foi gravado"
        else:
            found = "; ".join(state_pt(i, s) for i, s in states.items())
        text = f"Ação interrompida ({action}, {_when(u)}, por {u['operator']}): {found}."
        landed = [i for i, s in states.items() if s == WRITTEN]
        try:
            journal.record_action(
                operator=u["operator"],
                origin=u["origin"],
                login=login,
                device=u["device"],
                action=u["action"],
                outcome="interrupted",
                changed=landed,
                planned=planned or [],
                message=text,
                action_id=u["id"],
            )
        except JournalError as exc:
            log.warning("could not close interrupted action %s: %s", u["id"], exc)
            continue
        closed.append(
            {
                "id": u["id"],
                "at": u["at"],
                "operator": u["operator"],
                "origin": u["origin"],
                "action": u["action"],
                "planned": planned or [],
                "items": states,
                "texto": text,
            }
        )
    return closed
