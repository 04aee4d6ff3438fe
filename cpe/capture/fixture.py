"""The on-disk shape of a capture: one folder per device and case.

    <model>/<case>/capture.json          what was captured, how, and what was scrubbed
    <model>/<case>/exchanges.json        HTTP request/response pairs (or CLI commands), in order
    <model>/<case>/expected_status.json  what `get_status()` returned on the live device

Bodies are stored as text when they are UTF-8, else base64 (`"encoding": "base64"`).
Request URLs keep only path and query: the management address is the customer's WAN IP.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cpe.errors import CpeError, PolicyRefused

__all__ = [
    "FORMAT_VERSION",
    "CaptureMeta",
    "CliExchange",
    "Fixture",
    "HttpExchange",
    "HttpMessage",
    "ReadOnlyViolation",
    "ReplayMismatch",
    "decode_body",
    "encode_body",
]

FORMAT_VERSION = 1
META_FILE = "capture.json"
EXCHANGES_FILE = "exchanges.json"
EXPECTED_FILE = "expected_status.json"


class ReadOnlyViolation(PolicyRefused):
    """A capture tried to send something that could change the device."""

    kind = "read_only"
    pt_template = "Captura somente leitura: pedido de escrita bloqueado ({message})."
    next_step_pt = "Nada foi enviado ao equipamento; a captura só lê o status."


class ReplayMismatch(CpeError):
    """The driver asked the replay for something the recording does not hold next.

    Not a DeviceError on purpose: the HTTP layer must not turn it into "unreachable"."""

    kind = "replay_mismatch"
    pt_template = "A reprodução da captura divergiu: {message}"
    next_step_pt = "O driver mudou a sequência de pedidos; grave a captura de novo."


def encode_body(raw: bytes) -> tuple[str, str]:
    """(text, encoding) for JSON storage."""
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), "base64"


def decode_body(text: str, encoding: str) -> bytes:
    return base64.b64decode(text) if encoding == "base64" else text.encode("utf-8")


@dataclass
class HttpMessage:
    """One side of an exchange. `target` is "METHOD /path?query" for requests and
    "STATUS Reason" for responses; headers keep their order and repeats."""

    target: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    encoding: str = "utf-8"

    @property
    def raw_body(self) -> bytes:
        return decode_body(self.body, self.encoding)

    def set_raw_body(self, raw: bytes) -> None:
        self.body, self.encoding = encode_body(raw)

    def header(self, name: str) -> str | None:
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HttpMessage:
        return cls(
            target=str(data["target"]),
            headers=[(str(k), str(v)) for k, v in data.get("headers", [])],
            body=str(data.get("body", "")),
            encoding=str(data.get("encoding", "utf-8")),
        )


@dataclass
class HttpExchange:
    request: HttpMessage
    response: HttpMessage
    #: Why this exchange was altered beyond value replacement (e.g. "re-encrypted").
    notes: list[str] = field(default_factory=list)

    @property
    def method(self) -> str:
        return self.request.target.split(" ", 1)[0]

    @property
    def url(self) -> str:
        return self.request.target.split(" ", 1)[1]

    @property
    def status(self) -> int:
        return int(self.response.target.split(" ", 1)[0])

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HttpExchange:
        return cls(
            HttpMessage.from_json(data["request"]),
            HttpMessage.from_json(data["response"]),
            [str(n) for n in data.get("notes", [])],
        )


@dataclass
class CliExchange:
    command: str
    output: list[str]
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CliExchange:
        return cls(
            str(data["command"]),
            [str(x) for x in data.get("output", [])],
            [str(n) for n in data.get("notes", [])],
        )


@dataclass
class CaptureMeta:
    model: str
    transport: str
    family: str
    #: "device" (a real unit) or "simulator" (the lab or a test rig).
    source: str
    captured_at: str
    #: Admin user name the driver logged in with (not a secret; replay uses it).
    username: str | None = None
    #: Session keys the driver generated, replayed in order (see docs/capture.md).
    pins: dict[str, list[Any]] = field(default_factory=dict)
    #: Placeholder → kind ("password", "wifi_key", "token", "cookie", ...); never values.
    scrubbed: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    format: int = FORMAT_VERSION

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaptureMeta:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Fixture:
    meta: CaptureMeta
    exchanges: list[HttpExchange | CliExchange]
    expected: dict[str, Any]

    def write(self, folder: Path) -> None:
        # Owner-only: a capture still holds the PPPoE user and the WAN address.
        _mkdir_private(folder)
        _dump(folder / META_FILE, asdict(self.meta))
        _dump(folder / EXCHANGES_FILE, [asdict(e) for e in self.exchanges])
        _dump(folder / EXPECTED_FILE, self.expected)

    @classmethod
    def read(cls, folder: Path) -> Fixture:
        meta = CaptureMeta.from_json(_load(folder / META_FILE))
        raw = _load(folder / EXCHANGES_FILE)
        exchanges: list[HttpExchange | CliExchange] = [
            CliExchange.from_json(e) if "command" in e else HttpExchange.from_json(e) for e in raw
        ]
        return cls(meta, exchanges, _load(folder / EXPECTED_FILE))

    def http(self) -> list[HttpExchange]:
        return [e for e in self.exchanges if isinstance(e, HttpExchange)]

    def cli(self) -> list[CliExchange]:
        return [e for e in self.exchanges if isinstance(e, CliExchange)]


def is_capture(folder: Path) -> bool:
    return (folder / META_FILE).is_file() and (folder / EXCHANGES_FILE).is_file()


def _mkdir_private(folder: Path) -> None:
    """Create `folder` and each missing parent owner-only (mkdir's `parents` would give
    the parents the umask's mode)."""
    missing = []
    for p in (folder, *folder.parents):
        if p.exists():
            break
        missing.append(p)
    for p in reversed(missing):
        p.mkdir(mode=0o700, exist_ok=True)


def _dump(path: Path, data: Any) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
