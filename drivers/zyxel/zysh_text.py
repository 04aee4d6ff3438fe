"""ZySH command text: argument quoting, `cfg` result checks, the `key : value` parser.

Transport-free (used by the drivers on top of `zysh.py`'s sessions, and by tests).
"""

from __future__ import annotations

import re
from typing import Any

from cpe.errors import DeviceRejected, ParseError, Unsupported
from drivers.zyxel import guessed
from drivers.zyxel.dal import ZCFG_CODE

__all__ = ["MAX_INDEX", "check_result", "parse_objects", "quote"]


def quote(value: str) -> str:
    """A ZySH argument: bare when safe, else double-quoted with \\ and " escaped."""
    if re.fullmatch(guessed.CLI_BARE_VALUE, value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_result(lines: list[str], command: str, operation: str) -> list[str]:
    """The lines of a `cfg` command, or a clear error. Messages name the command verb and
    the ZCFG code only: the device's line may echo a value."""
    errors = [ln for ln in lines if ln.strip().upper().startswith(guessed.CMD_ERROR_PREFIX)]
    what = " ".join(command.split()[:3])
    if errors:
        code = ZCFG_CODE.search("\n".join(errors))
        if code:
            raise DeviceRejected(f"ZySH refused `{what}`: {code.group(0)}", operation=operation)
        raise Unsupported(f"ZySH does not accept `{what}` on this firmware", operation=operation)
    if not any(ln.strip() == guessed.CMD_OK for ln in lines):
        raise ParseError(f"`{what}` did not end with '{guessed.CMD_OK}'", operation=operation)
    return [ln for ln in lines if ln.strip() != guessed.CMD_OK]


def parse_objects(lines: list[str]) -> list[dict[str, Any]]:
    """`key : value` blocks (blank line between objects) → nested dicts; `A[0].B` paths
    rebuild lists. Values stay text: the readers in dal.py coerce them."""
    objects: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for raw in lines:
        line = raw.rstrip("\r")
        if not line.strip():
            if current:
                objects.append(current)
                current = {}
            continue
        key, sep, value = line.partition(guessed.KV_SEPARATOR)
        if not sep:
            if line.rstrip().endswith(" :"):
                key, value = line.rstrip()[:-2], ""
            else:
                continue  # not a field line (banner, header)
        _set_path(current, key.strip(), value)
    if current:
        objects.append(current)
    return objects


_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d{1,6})\]")


def _set_path(root: dict[str, Any], path: str, value: str) -> None:
    parts: list[str | int] = [
        name if name else int(index) for name, index in _SEGMENT.findall(path)
    ]
    if not parts:  # a key made only of dots/brackets names nothing
        return
    node: Any = root
    for part, nxt in zip(parts, [*parts[1:], None], strict=True):
        if nxt is None:
            _put(node, part, value)
            return
        child = _get(node, part)
        if child is None:
            child = [] if isinstance(nxt, int) else {}
            _put(node, part, child)
        node = child


def _get(node: Any, key: str | int) -> Any:
    if isinstance(node, dict) and isinstance(key, str):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and key < len(node):
        return node[key]
    return None


#: No real table has more rows; a larger index printed by a device is ignored, not padded.
MAX_INDEX = 1024


def _put(node: Any, key: str | int, value: Any) -> None:
    if isinstance(node, dict) and isinstance(key, str):
        node[key] = value
    elif isinstance(node, list) and isinstance(key, int) and key < MAX_INDEX:
        while len(node) <= key:
            node.append(None)
        node[key] = value
