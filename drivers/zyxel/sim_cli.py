"""ZySH over SSH (asyncssh) and telnet (a small RFC 854 server) for simulated routers.

Each listener accepts raw sockets itself, so the device's fault knobs act before any
protocol byte (a hung unit never sends its SSH banner); then it hands the socket to
asyncssh or to the telnet loop. Logins go through `SimDevice.check_login` and the one
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


# --- telnet -------------------------------------------------------------------------------------

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
ECHO, SGA = 1, 3


class _Telnet:
    """Byte-level telnet: strips option negotiation, tracks whether the client let us
    echo (RFC 857: only after DO ECHO), reads CR LF / CR NUL / LF terminated lines."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.echo = False
        self._skip_lf = False

    def send(self, text: str) -> None:
        self.writer.write(text.encode("utf-8").replace(b"\xff", b"\xff\xff"))

    async def negotiate(self) -> None:
        self.writer.write(bytes([IAC, WILL, ECHO, IAC, WILL, SGA]))
        await self.writer.drain()

    async def _byte(self) -> int:
        data = await self.reader.readexactly(1)
        return data[0]

    async def _option(self, cmd: int) -> None:
        """The rest of an IAC sequence whose command byte was `cmd`."""
        if cmd in (DO, DONT, WILL, WONT):
            opt = await self._byte()
            if opt == ECHO and cmd in (DO, DONT):
                self.echo = cmd == DO
        elif cmd == SB:  # skip a subnegotiation up to IAC SE
            prev = 0
            while True:
                b = await self._byte()
                if prev == IAC and b == SE:
                    return
                prev = b

    async def readline(self, echo: bool, timeout: float) -> str:
        return await asyncio.wait_for(self._readline(echo), timeout)

    async def _readline(self, echo: bool) -> str:
        buf = bytearray()
        while True:
            b = await self._byte()
            if b == IAC:
                cmd = await self._byte()
                if cmd != IAC:
                    await self._option(cmd)
                    continue
            if self._skip_lf:
                self._skip_lf = False
                if b in (0, 10):
                    continue
            if b in (13, 10):
                self._skip_lf = b == 13
                if echo and self.echo:
                    self.writer.write(b"\r\n")
                return buf.decode("utf-8", errors="replace")
            if b in (8, 127):
                if buf:
                    buf.pop()
                    if echo and self.echo:
                        self.writer.write(b"\b \b")
                continue
            if b == 0:
                continue
            buf.append(b)
            if echo and self.echo:
                self.writer.write(bytes([b]))


async def _serve_telnet(listener: CliListener, sock: socket.socket, ip: str) -> None:
    reader, writer = await asyncio.open_connection(sock=sock)
    tel = _Telnet(reader, writer)
    session: _CliSession | None = None
    try:
        with listener.tracking(writer.transport.abort):
            await tel.negotiate()
            session = await _telnet_login(listener.dev, tel, ip)
            if session is not None:
                await _telnet_shell(listener.dev, tel, session)
    except (TimeoutError, asyncio.IncompleteReadError, ConnectionError, OSError):
        pass
    finally:
        if session is not None:
            session.end()
        writer.close()


async def _telnet_login(dev: SimDevice, tel: _Telnet, ip: str) -> _CliSession | None:
    """`Login:` / `Password:` until accepted (login(1) re-prompts after a refusal)."""
    deadline = time.monotonic() + LOGIN_TIMEOUT_S
    while True:
        left = max(0.1, deadline - time.monotonic())
        tel.send(guessed.TELNET_LOGIN_PROMPT)
        await tel.writer.drain()
        user = await tel.readline(echo=True, timeout=left)
        tel.send(guessed.TELNET_PASSWORD_PROMPT)
        await tel.writer.drain()
        password = await tel.readline(echo=False, timeout=left)
        check = dev.check_login(user.strip(), password, ip)
        await _pace(dev)
        if check is LoginCheck.OK:
            break
        tel.send(NL + _refusal(dev, check) + NL)
        await tel.writer.drain()
        if check is LoginCheck.LOCKED:
            return None
    session = _CliSession(dev, ip)
    if not session.opened:
        tel.send(NL + guessed.BUSY_LINE + NL)
        await tel.writer.drain()
        return None
    return session


async def _telnet_shell(dev: SimDevice, tel: _Telnet, session: _CliSession) -> None:
    tel.send(NL + guessed.PROMPT)
    await tel.writer.drain()
    shell = ZyshShell(dev)
    while True:
        line = await tel.readline(echo=True, timeout=dev.knobs.session_idle_s)
        if not session.alive():
            return
        reply = shell.execute(line)
        await _pace(dev)
        if reply.lines:
            tel.send(NL.join(reply.lines) + NL)
        if reply.close:
            await tel.writer.drain()
            return
        tel.send(guessed.PROMPT)
        await tel.writer.drain()
