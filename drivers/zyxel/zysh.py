"""ZySH sessions over SSH and telnet, on netmiko (notes 1.8, 4).

Why netmiko and not the installed scrapli 2026.x: scrapli 2.x runs auth inside its
compiled libscrapli; a refused password comes back as an opaque error, over telnet it
answers the re-prompted `Login:` again (two counted failures per candidate) and over SSH
it retries as keyboard-interactive by itself. The lockout policy needs one try per
candidate and the device's own words — "1 attempt(s) left", "account is locked",
"another administrator is logged in" — which netmiko lets us read: the SSH auth banner
from paramiko's transport, and the telnet login exchange, which we drive (README.md).
netmiko's `zyxel_os` class is a Zyxel prompt driver already; we only make its session
set-up fast and strict about the `ZySH>` prompt.

Secrets: netmiko logs every channel read/write at DEBUG; commands carry PPPoE passwords
and Wi-Fi keys and `cfg` output lists them, so those records are dropped (never
scrubbed-and-kept), and session logs are never enabled.
"""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import paramiko
from netmiko.exceptions import (
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadTimeout,
)
from netmiko.terminal_server.terminal_server import TerminalServerTelnet
from netmiko.zyxel.zyxel_ssh import ZyxelSSH
from pydantic import SecretStr

from cpe.errors import CpeError, DeviceUnreachable, ParseError, Timeout, Unsupported
from cpe.models import Timeouts, Transport
from drivers.base import LoginAttempt, LoginResult
from drivers.zyxel import guessed
from drivers.zyxel.zysh_text import MAX_INDEX, check_result, parse_objects, quote

__all__ = [
    "MAX_INDEX",
    "CliLoginRefused",
    "ZyshChannel",
    "ZyshParams",
    "attempt_from_text",
    "check_result",
    "connect",
    "parse_objects",
    "quote",
]

PROMPT_RE = r"(?:^|\n)ZySH>\s?$"
_ANY_PROMPT = r"[>#$%]\s?$"
_LOGIN_RE = r"(?:login|username|user name)\s*:\s*$"
_PASSWORD_RE = r"password\s*:\s*$"  # noqa: S105 - a prompt pattern
# A refusal line is only matched once complete (up to its newline).
_REFUSAL_RE = (
    rf"(?:{re.escape(guessed.LOGIN_INCORRECT)}|{guessed.LOCKED_MARK}|{guessed.BUSY_RE})[^\n]*\n"
)


class _ChannelDataFilter(logging.Filter):
    _DROP = ("read_channel:", "write_channel:", "Pattern found:", "[find_prompt()]")

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self._DROP)


_FILTER = _ChannelDataFilter()
logging.getLogger("netmiko").addFilter(_FILTER)


class CliLoginRefused(Exception):
    """The device refused this login; `attempt` says how (never holds the password)."""

    def __init__(self, attempt: LoginAttempt) -> None:
        super().__init__(attempt.result.value)
        self.attempt = attempt


class _NotZysh(Exception):
    """A shell that is not ZySH; carries its prompt as the variant's fingerprint."""

    def __init__(self, prompt: str) -> None:
        super().__init__(prompt)
        self.prompt = prompt


def prompt_fingerprint(out: str) -> str:
    """The last non-empty line a shell printed, printable ASCII only and at most 40
    characters: enough to tell which shell answered, too little to carry a secret."""
    lines = [ln.strip() for ln in out.replace("\r", "\n").split("\n") if ln.strip()]
    last = lines[-1] if lines else ""
    return "".join(c for c in last if 32 <= ord(c) < 127)[-40:]


def attempt_from_text(text: str) -> LoginAttempt | None:
    """Map a refusal (telnet text or SSH auth banner) to a LoginAttempt; None if none."""
    if re.search(guessed.LOCKED_MARK, text, re.IGNORECASE):
        secs = re.search(guessed.LOCKED_SECONDS_RE, text, re.IGNORECASE)
        return LoginAttempt(LoginResult.LOCKED, 0, float(secs.group(1)) if secs else None)
    if re.search(guessed.BUSY_RE, text, re.IGNORECASE):
        return LoginAttempt(LoginResult.BUSY)
    left = re.search(guessed.ATTEMPTS_LEFT_RE, text, re.IGNORECASE)
    if left:
        return LoginAttempt(LoginResult.WRONG_PASSWORD, attempts_left=int(left.group(1)))
    if guessed.LOGIN_INCORRECT.lower() in text.lower():
        return LoginAttempt(LoginResult.WRONG_PASSWORD)
    return None


# --- netmiko classes --------------------------------------------------------------------------


class _BannerKeepingClient(paramiko.SSHClient):  # type: ignore[misc]  # untyped library
    """Keeps the auth banner of a refused login (netmiko closes the client right after)."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__()
        self._sink = sink

    def connect(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().connect(*args, **kwargs)
        finally:
            transport = self.get_transport()
            banner = transport.get_banner() if transport is not None else None
            if banner:
                self._sink.append(
                    banner.decode("utf-8", "replace") if isinstance(banner, bytes) else str(banner)
                )


class _ZyshMixin:
    """Session set-up shared by SSH and telnet: wait for `ZySH>` (not netmiko's timed
    probing), detect a busy or foreign shell."""

    base_prompt: str
    remote_conn: Any
    ansi_escape_codes: bool
    _zysh_timeout: float
    _zysh_seen_prompt: bool = False
    _zysh_exit_sent: bool = False

    def _try_session_preparation(self, force_data: bool = True) -> None:
        # No extra RETURN: a second prompt left in the buffer would end the next command.
        super()._try_session_preparation(force_data=False)  # type: ignore[misc]

    def session_preparation(self) -> None:
        if not self._zysh_seen_prompt:
            out = self.read_until_pattern(  # type: ignore[attr-defined]
                pattern=f"{_REFUSAL_RE}|{_ANY_PROMPT}",
                read_timeout=self._zysh_timeout,
                re_flags=re.IGNORECASE,
            )
            _check_prompt(out)
        self.base_prompt = "ZySH"
        self.ansi_escape_codes = True  # some Zyxel shells colour their output

    def set_base_prompt(self, *args: Any, **kwargs: Any) -> str:
        self.base_prompt = "ZySH"
        return self.base_prompt

    def disable_paging(self, *args: Any, **kwargs: Any) -> str:
        return ""  # ZySH does not page

    def cleanup(self, command: str = "exit") -> None:
        if self._zysh_exit_sent:
            return
        try:
            self.write_channel(command + self.RETURN)  # type: ignore[attr-defined]
        except (OSError, EOFError):
            pass

    def zysh_logout(self, timeout: float) -> None:
        """`exit`, then wait (bounded) until the device closes the connection: only then
        is its one admin session free for the next client."""
        self._zysh_exit_sent = True
        try:
            self.write_channel("exit" + self.RETURN)  # type: ignore[attr-defined]
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not self._zysh_peer_closed():
                self.read_channel()  # type: ignore[attr-defined]
                time.sleep(0.01)
        except (OSError, EOFError):
            pass  # closed under us: that is what we waited for

    def _zysh_peer_closed(self) -> bool:
        remote = self.remote_conn
        if isinstance(remote, paramiko.Channel):
            return bool(remote.closed or remote.eof_received)
        return remote is None or bool(getattr(remote, "eof", False))


def _check_prompt(out: str) -> None:
    attempt = attempt_from_text(out)
    if attempt is not None:
        raise CliLoginRefused(attempt)
    if not re.search(PROMPT_RE, out):
        raise _NotZysh(prompt_fingerprint(out))


class ZyshSsh(_ZyshMixin, ZyxelSSH):
    def __init__(self, *, banner_sink: list[str], zysh_timeout: float, **kwargs: Any) -> None:
        self._banner_sink = banner_sink
        self._zysh_timeout = zysh_timeout
        super().__init__(**kwargs)

    def _get_ssh_client_instance(self) -> paramiko.SSHClient:
        return _BannerKeepingClient(self._banner_sink)


class ZyshTelnet(_ZyshMixin, TerminalServerTelnet):
    def __init__(self, *, zysh_timeout: float, **kwargs: Any) -> None:
        self._zysh_timeout = zysh_timeout
        super().__init__(**kwargs)

    def telnet_login(self, *args: Any, **kwargs: Any) -> str:
        """Drive `Login:` / `Password:` ourselves and read the device's verdict."""
        timeout, flags = self._zysh_timeout, re.IGNORECASE
        try:
            self.read_until_pattern(pattern=_LOGIN_RE, read_timeout=timeout, re_flags=flags)
            self.write_channel(self.username + self.TELNET_RETURN)
            self.read_until_pattern(pattern=_PASSWORD_RE, read_timeout=timeout, re_flags=flags)
            self.write_channel((self.password or "") + self.TELNET_RETURN)
            out = self.read_until_pattern(
                pattern=f"{_REFUSAL_RE}|{_ANY_PROMPT}|{_LOGIN_RE}",
                read_timeout=timeout,
                re_flags=flags,
            )
            _check_prompt(out)
        except BaseException:
            self.remote_conn.close()
            raise
        self._zysh_seen_prompt = True
        return ""


# --- the channel the drivers use ---------------------------------------------------------------


@dataclass(frozen=True)
class ZyshParams:
    transport: Transport
    host: str
    port: int
    username: str
    timeouts: Timeouts


class ZyshSession(Protocol):
    def run(self, command: str, operation: str) -> list[str]: ...

    def close(self) -> None: ...


#: What CLI drivers accept as their injected transport (tests may pass a fake).
ChannelFactory = Callable[[ZyshParams, SecretStr], ZyshSession]


class ZyshChannel:
    """An open ZySH session: run a command, get its output lines (prompt removed)."""

    def __init__(self, conn: Any, read_timeout: float) -> None:
        self._conn = conn
        self._read_timeout = read_timeout

    def run(self, command: str, operation: str) -> list[str]:
        try:
            out = self._conn.send_command(
                command,
                expect_string=PROMPT_RE,
                read_timeout=self._read_timeout,
                cmd_verify=False,
                strip_prompt=True,
                strip_command=True,
            )
        except Exception as exc:
            raise classify(exc, operation) from exc
        return [line.rstrip("\r") for line in str(out).split("\n")]

    def close(self) -> None:
        try:
            self._conn.zysh_logout(self._read_timeout)
        finally:
            self._conn.disconnect()  # closes the socket; never raises


def connect(params: ZyshParams, password: SecretStr) -> ZyshChannel:
    """Log in once. Raises CliLoginRefused for a refusal, CpeError for the rest."""
    t = params.timeouts
    common: dict[str, Any] = {
        "host": params.host, "port": params.port, "username": params.username,
        "password": password.get_secret_value(), "conn_timeout": t.connect_s,
        "auth_timeout": t.read_s, "banner_timeout": t.read_s, "blocking_timeout": t.read_s,
        "timeout": t.read_s, "fast_cli": True, "session_log": None, "encoding": "utf-8",
        "zysh_timeout": t.read_s,
    }  # fmt: skip
    banner: list[str] = []
    try:
        if params.transport is Transport.SSH:
            conn: Any = ZyshSsh(
                device_type="zyxel_os",
                banner_sink=banner,
                use_keys=False,
                allow_agent=False,
                ssh_strict=False,
                system_host_keys=False,
                **common,
            )
        else:
            conn = ZyshTelnet(device_type="generic_telnet", **common)
    except CliLoginRefused:
        raise
    except NetmikoAuthenticationException:
        attempt = attempt_from_text("\n".join(banner))
        raise CliLoginRefused(attempt or LoginAttempt(LoginResult.WRONG_PASSWORD)) from None
    except _NotZysh as shell:
        raise Unsupported(
            f"o equipamento não parece ser Zyxel (sem o prompt ZySH; prompt={shell.prompt!r})",
            operation="login",
        ) from None
    except Exception as exc:
        raise classify(exc, "login") from exc
    return ZyshChannel(conn, t.read_s)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        stack.extend([e.__cause__, e.__context__])


def classify(exc: BaseException, operation: str) -> CpeError:
    """netmiko/paramiko/telnetlib failures → the error tree (by exception type only)."""
    if isinstance(exc, CpeError):
        return exc
    chain = list(_chain(exc))
    if any(isinstance(e, TimeoutError | socket.timeout | ReadTimeout) for e in chain):
        return Timeout("no answer in time", operation=operation)
    if any(isinstance(e, OSError | EOFError) for e in chain):
        kind = next(type(e).__name__ for e in chain if isinstance(e, OSError | EOFError))
        return DeviceUnreachable(f"connection failed ({kind})", operation=operation)
    if any(isinstance(e, NetmikoTimeoutException) for e in chain):
        # e.g. paramiko's negotiation wait ran out first: "No existing session".
        return Timeout("no SSH answer in time", operation=operation)
    if any(isinstance(e, paramiko.SSHException) for e in chain):
        return ParseError("the device does not speak SSH as expected", operation=operation)
    return DeviceUnreachable(f"CLI session failed ({type(exc).__name__})", operation=operation)
