"""The ZySH command interpreter of the simulated router (transport-free).

SSH and telnet front ends (`sim_cli.py`) feed it lines and print what it returns. `cfg`
is the CLI front end of the same DAL table the web API serves (notes 1.8).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from drivers.sim import SimDevice
from drivers.zyxel import guessed, sim_dal

ERR = guessed.CMD_ERROR_PREFIX


@dataclass
class Reply:
    lines: list[str] = field(default_factory=list)
    #: Close the connection after printing (exit, or the unit rebooted).
    close: bool = False


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value).replace("\r", " ").replace("\n", " ")


def flatten(obj: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """Nested DAL object → (`Parent[i].Child`, text) pairs."""
    for key, value in obj.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            yield from flatten(value, path)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from flatten(item, f"{path}[{i}]")
                else:
                    yield f"{path}[{i}]", _text(item)
        else:
            yield path, _text(value)


def render(pairs: list[tuple[str, str]]) -> list[str]:
    width = max((len(k) for k, _ in pairs), default=0)
    return [f"{k.ljust(width)}{guessed.KV_SEPARATOR}{v}" for k, v in pairs]


def _options(args: list[str]) -> dict[str, str] | None:
    """`--Key value` pairs; None when malformed."""
    if len(args) % 2:
        return None
    out: dict[str, str] = {}
    for key, value in zip(args[::2], args[1::2], strict=True):
        if not key.startswith("--") or len(key) < 3:
            return None
        out[key[2:]] = value
    return out


class ZyshShell:
    def __init__(self, device: SimDevice) -> None:
        self.device = device

    def execute(self, line: str) -> Reply:
        try:
            words = shlex.split(line)
        except ValueError:
            return Reply([f"{ERR} Invalid parameter format (unbalanced quotes)."])
        if not words:
            return Reply()
        head = words[0].lower()
        if head in {"exit", "logout", "quit"}:
            return Reply(close=True)
        if words[:2] == ["sys", "atsh"]:
            return Reply(self._atsh())
        if head == "uptime":
            return Reply([self._uptime()])
        if head == "cfg" and len(words) >= 3:
            return self._cfg(words[1], words[2], words[3:])
        return Reply([f"{ERR} Unknown command: {words[0][:32]}"])

    def _atsh(self) -> list[str]:
        d = self.device
        return render(
            [
                (guessed.ATSH_FIRMWARE, d.firmware),
                ("Bootbase Version", "V1.31 | 2021/06/02"),
                (guessed.ATSH_VENDOR, "Zyxel Communications Corp."),
                (guessed.ATSH_MODEL, d.model_name),
                (guessed.ATSH_SERIAL, d.serial),
                ("First MAC Address", d.mac.replace(":", "")),
                ("Last MAC Address", d.mac.replace(":", "")),
                ("MAC Address Quantity", "16"),
            ]
        )

    def _uptime(self) -> str:
        seconds = self.device.uptime_s()
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        load = "load average: 0.08, 0.03, 0.01"
        return f" 00:00:00 up {days} days, {hours:2d}:{rest // 60:02d},  {load}"

    def _cfg(self, oid: str, verb: str, args: list[str]) -> Reply:
        options = _options(args)
        if options is None:
            return Reply([f"{ERR} Invalid parameter format."])
        if verb == "get":
            objects = sim_dal.get_objects(self.device, oid)
            if objects is None:
                return Reply([f"{ERR} {oid}: no such object ({guessed.ZCFG_NO_SUCH_OBJECT})"])
            chosen = [o for o in objects if all(_text(o.get(k)) == v for k, v in options.items())]
            lines: list[str] = []
            for obj in chosen:
                if lines:
                    lines.append("")
                lines.extend(render(list(flatten(obj))))
            return Reply([*lines, guessed.CMD_OK])
        if verb == "edit":
            result = sim_dal.edit(self.device, oid, options)
            if result.rebooted:
                return Reply(close=True)
            if not result.ok:
                return Reply([f"{ERR} {result.message} ({result.code})"])
            return Reply([guessed.CMD_OK])
        return Reply([f"{ERR} {oid}: action {verb[:16]} is not supported"])
