"""ZySH over SSH (asyncssh) and telnet (telnetlib3) for simulated routers.

Each listener accepts raw sockets itself, so the device's fault knobs act before any
protocol byte (a hung unit never sends its SSH banner); then it hands the socket to
asyncssh or to telnetlib3. Logins go through `SimDevice.check_login` and the one
admin session, exactly like the web front end.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import secrets
import socket
import struct
import time
from collections.abc import Callable, Iterator

import asyncssh
from telnetlib3 import (
    BaseServer,
    TelnetReader,
    TelnetReaderUnicode,
    TelnetWriter,
    TelnetWriterUnicode,
    readline,
)
from telnetlib3.server_shell import filter_ansi
from telnetlib3.telopt import ECHO, SGA, WILL

from drivers.sim import Fault, LoginCheck, SimDevice
from drivers.zyxel import guessed
from drivers.zyxel.sim_zysh import ZyshShell

#: Bound on how long an idle or stuck CLI client may hold a connection.
LOGIN_TIMEOUT_S = 30.0
NL = "\r\n"


@functools.cache
def _host_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


def _refusal(dev: SimDevice, check: LoginCheck) -> str:
    if check is LoginCheck.LOCKED:
        return guessed.LOCKED_TEMPLATE.format(s=int(dev.lock_remaining_s()) + 1)
    left = guessed.ATTEMPTS_LEFT_TEMPLATE.format(n=dev.attempts_left())
    return f"{guessed.LOGIN_INCORRECT} {left}"


async def _pace(dev: SimDevice) -> None:
    """Latency and slowness knobs, once per answer."""
    delay = dev.knobs.latency_ms / 1000.0
    if dev.knobs.fault is Fault.SLOW:
        delay += dev.knobs.slow_s
    if delay:
        await asyncio.sleep(delay)


class CliListener:
    """One listening socket; `close()` (sync, as the fleet server expects) stops it and
    drops live sessions, as a WAN restart or reboot does."""

    def __init__(self, dev: SimDevice, sock: socket.socket, kind: str) -> None:
        self.dev = dev
        self.sock = sock
        self.kind = kind
        self.port = int(sock.getsockname()[1])
        self.live: set[asyncio.Task[None]] = set()
        #: How to drop each live connection (removed when the connection ends).
        self.closers: set[Callable[[], None]] = set()
        self._accept = asyncio.get_running_loop().create_task(self._accept_loop())

    async def _accept_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            conn, addr = await loop.sock_accept(self.sock)
            task = loop.create_task(self._serve(conn, str(addr[0])))
            self.live.add(task)
            task.add_done_callback(self.live.discard)

    async def _serve(self, conn: socket.socket, ip: str) -> None:
        dev = self.dev
        fault = dev.knobs.fault
        if fault in (Fault.HANG, Fault.RESET, Fault.GARBAGE):
            try:
                if fault is Fault.HANG:
                    await asyncio.sleep(dev.knobs.hang_s)
                elif fault is Fault.RESET:  # linger 0: close() sends a RST
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                else:
                    garbage = os.urandom(96) + b"\r\n%$#\r\n"
                    await asyncio.get_running_loop().sock_sendall(conn, garbage)
            except OSError:
                pass
            finally:
                conn.close()
            return
        handler = _serve_ssh if self.kind == "ssh" else _serve_telnet
        try:
            await _pace(dev)
            await handler(self, conn, ip)  # takes ownership of the socket
        except (OSError, asyncio.IncompleteReadError, asyncssh.Error):
            pass

    def close(self) -> None:
        # Close the socket only once the pending accept is cancelled (its fd unregistered).
        self._accept.add_done_callback(lambda _: self.sock.close())
        self._accept.cancel()
        for task in list(self.live):
            task.cancel()
        for closer in list(self.closers):
            with contextlib.suppress(Exception):
                closer()
        self.closers.clear()

    @contextlib.contextmanager
    def tracking(self, closer: Callable[[], None]) -> Iterator[None]:
        self.closers.add(closer)
        try:
            yield
        finally:
            self.closers.discard(closer)


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(64)
    sock.setblocking(False)
    return sock


async def start_cli(dev: SimDevice, host: str) -> list[CliListener]:
    """SSH and telnet listeners for `dev`; actual ports are written back to `extra`."""
    ssh = CliListener(dev, _listen(host, int(dev.extra.get("ssh_port") or 0)), "ssh")
    telnet = CliListener(dev, _listen(host, int(dev.extra.get("telnet_port") or 0)), "telnet")
    dev.extra["ssh_port"], dev.extra["telnet_port"] = ssh.port, telnet.port
    return [ssh, telnet]


# --- one admin session per CLI connection -------------------------------------------------------


class _CliSession:
    def __init__(self, dev: SimDevice, ip: str) -> None:
        self.dev = dev
        self.token = "cli-" + secrets.token_hex(8)
        self.opened = dev.open_session(ip, self.token) is not None

    def alive(self) -> bool:
        return self.dev.session_for(self.token) is not None

    def end(self) -> None:
        self.dev.close_session(self.token)


# --- SSH ----------------------------------------------------------------------------------------


class _SshServer(asyncssh.SSHServer):
    def __init__(self, dev: SimDevice, ip: str) -> None:
        self.dev = dev
        self.ip = ip
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def kbdint_auth_supported(self) -> bool:
        return False  # one password try per attempt, nothing else counted

    def public_key_auth_supported(self) -> bool:
        return False

    def validate_password(self, username: str, password: str) -> bool:
        check = self.dev.check_login(username, password, self.ip)
        if check is LoginCheck.OK:
            return True
        if self.conn is not None:
            self.conn.send_auth_banner(_refusal(self.dev, check) + NL)
        return False


async def _serve_ssh(listener: CliListener, sock: socket.socket, ip: str) -> None:
    dev = listener.dev
    conn = await asyncssh.run_server(
        sock,
        server_factory=functools.partial(_SshServer, dev, ip),
        server_host_keys=[_host_key()],
        process_factory=functools.partial(_ssh_process, dev, ip),
        login_timeout=LOGIN_TIMEOUT_S,
        encoding="utf-8",
        allow_scp=False,
        agent_forwarding=False,
        x11_forwarding=False,
    )
    with listener.tracking(conn.abort):
        await conn.wait_closed()


async def _ssh_process(dev: SimDevice, ip: str, process: asyncssh.SSHServerProcess[str]) -> None:
    session = _CliSession(dev, ip)
    try:
        if not session.opened:
            process.stdout.write(guessed.BUSY_LINE + NL)
            return
        shell = ZyshShell(dev)
        if process.command:  # `ssh host 'cfg wlan get'`
            await _pace(dev)
            process.stdout.write(NL.join(shell.execute(process.command).lines) + NL)
            return
        process.stdout.write(guessed.PROMPT)
        while True:
            line = await asyncio.wait_for(process.stdin.readline(), dev.knobs.session_idle_s)
            if not line or not session.alive():
                return
            reply = shell.execute(line.strip("\r\n"))
            await _pace(dev)
            if reply.lines:
                process.stdout.write(NL.join(reply.lines) + NL)
            if reply.close:
                return
            process.stdout.write(guessed.PROMPT)
    except (TimeoutError, asyncssh.Error, OSError):
        pass
    finally:
        session.end()
        process.exit(0)


# --- telnet (telnetlib3) ------------------------------------------------------------------------


class _ZyshTelnetWriter(TelnetWriterUnicode):
    """telnetlib3's writer, plus login(1)'s habit: no echo while a password is typed."""

    muted = False

    # Same signature as TelnetWriterUnicode.echo (which itself overrides the bytes writer).
    def echo(self, string: str, errors: str | None = None) -> None:  # type: ignore[override]
        if not self.muted:
            super().echo(string, errors)


class _ZyshTelnetProtocol(BaseServer):
    """Offers to echo and to suppress go-ahead, as the router's telnetd does, and starts the
    login at once: clients that never answer the offers (netcat, scripts) still get `Login:`.
    telnetlib3 answers the client's options and strips every IAC sequence from the input."""

    def begin_negotiation(self) -> None:
        super().begin_negotiation()
        assert self.writer is not None  # set in connection_made
        self.writer.iac(WILL, ECHO)
        self.writer.iac(WILL, SGA)

    def check_negotiation(self, final: bool = False) -> bool:
        return True


_Streams = tuple[TelnetReaderUnicode, _ZyshTelnetWriter]


class _TelnetTerminal:
    """One connection's streams and line editor (telnetlib3's `readline`, kept for the whole
    connection: it remembers a CR across lines, so CR LF, CR NUL and a bare LF (scrapli's
    Enter) each end exactly one line; `readline_async` starts afresh per call and drops a
    bare-LF empty line, so `ZySH>` would not be printed again)."""

    def __init__(self, reader: TelnetReaderUnicode, writer: _ZyshTelnetWriter) -> None:
        self.reader = reader
        self.writer = writer
        self._editor = readline(reader, writer)
        next(self._editor)

    async def send(self, text: str) -> None:
        self.writer.write(text)
        await self.writer.drain()

    async def line(self, timeout: float, *, secret: bool = False) -> str:
        """One edited line (backspace; arrow keys dropped), echoed only if the client let us
        echo (RFC 857) and it is not a password. EOF ends the connection."""
        self.writer.muted = secret
        try:
            line = await asyncio.wait_for(self._read_line(), timeout)
        finally:
            self.writer.muted = False
        if not secret:
            self.writer.echo(NL)
        return line

    async def _read_line(self) -> str:
        while True:
            char = await filter_ansi(self.reader, self.writer)
            if not char:
                raise ConnectionResetError("telnet client left")
            line = self._editor.send(char)
            if line is not None:
                return line


async def _serve_telnet(listener: CliListener, sock: socket.socket, ip: str) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[_Streams] = loop.create_future()

    async def hand_over(
        reader: TelnetReader | TelnetReaderUnicode, writer: TelnetWriter | TelnetWriterUnicode
    ) -> None:
        # The dialogue runs in this connection's task (cancelled by `close()`), not in one
        # telnetlib3 would spawn and nobody would own.
        assert isinstance(reader, TelnetReaderUnicode)
        assert isinstance(writer, _ZyshTelnetWriter)
        if not ready.done():
            ready.set_result((reader, writer))

    def protocol() -> _ZyshTelnetProtocol:
        return _ZyshTelnetProtocol(
            shell=hand_over,
            encoding="utf-8",
            encoding_errors="replace",
            writer_factory_encoding=_ZyshTelnetWriter,
        )

    transport, _ = await loop.connect_accepted_socket(protocol, sock)
    session: _CliSession | None = None
    try:
        with listener.tracking(transport.abort):
            term = _TelnetTerminal(*await asyncio.wait_for(ready, LOGIN_TIMEOUT_S))
            session = await _telnet_login(listener.dev, term, ip)
            if session is not None:
                await _telnet_shell(listener.dev, term, session)
    except (TimeoutError, ConnectionError, OSError):
        pass
    finally:
        if session is not None:
            session.end()
        transport.close()


async def _telnet_login(dev: SimDevice, term: _TelnetTerminal, ip: str) -> _CliSession | None:
    """`Login:` / `Password:` until accepted (login(1) re-prompts after a refusal)."""
    deadline = time.monotonic() + LOGIN_TIMEOUT_S
    while True:
        left = max(0.1, deadline - time.monotonic())
        await term.send(guessed.TELNET_LOGIN_PROMPT)
        user = await term.line(left)
        await term.send(guessed.TELNET_PASSWORD_PROMPT)
        password = await term.line(left, secret=True)
        check = dev.check_login(user.strip(), password, ip)
        await _pace(dev)
        if check is LoginCheck.OK:
            break
        await term.send(NL + _refusal(dev, check) + NL)
        if check is LoginCheck.LOCKED:
            return None
    session = _CliSession(dev, ip)
    if not session.opened:
        await term.send(NL + guessed.BUSY_LINE + NL)
        return None
    return session


async def _telnet_shell(dev: SimDevice, term: _TelnetTerminal, session: _CliSession) -> None:
    await term.send(NL + guessed.PROMPT)
    shell = ZyshShell(dev)
    while True:
        line = await term.line(dev.knobs.session_idle_s)
        if not session.alive():
            return
        reply = shell.execute(line)
        await _pace(dev)
        if reply.lines:
            term.writer.write(NL.join(reply.lines) + NL)
        if reply.close:
            await term.writer.drain()
            return
        await term.send(guessed.PROMPT)
