"""The mutable state model of one simulated device, shared by every family simulator.

Family simulators are thin protocol front ends over a `SimDevice`: they translate their
wire format into calls here (check a password, open a session, apply a PPPoE change), so
the rules every real unit enforces — one admin session, lockout after N failures, WAN
restart after a PPPoE change, RADIUS accepting only the right PPPoE credentials — behave
the same in every family and are counted in one place.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from cpe.models import Band, WanError

#: Address a phantom "someone else" session claims (TEST-NET-3: never contacted).
PHANTOM_IP = "203.0.113.77"


class Fault(StrEnum):
    """Misbehaviours a device can be given (knob `fault`)."""

    HANG = "hang"  # accepts the connection, never answers (until `hang_s`)
    RESET = "reset"  # drops the TCP connection mid-request
    GARBAGE = "garbage"  # answers 200 with bytes no parser understands
    SLOW = "slow"  # answers, but `slow_s` late each time
    REBOOT_MID_WRITE = "reboot_mid_write"  # applies part of a write, then reboots


@dataclass
class Knobs:
    latency_ms: float = 0.0
    fault: Fault | None = None
    hang_s: float = 30.0
    slow_s: float = 1.5
    #: How long the management port stays down after a PPPoE change (WAN restart).
    wan_restart_s: float = 1.0
    lock_threshold: int = 5
    lock_seconds: float = 300.0
    session_idle_s: float = 300.0
    #: Reboot length for `reboot_mid_write`.
    reboot_s: float = 1.0
    #: Only the web UI is dead (its connections are reset); CLI listeners still answer.
    web_down: bool = False


@dataclass
class Counters:
    logins: int = 0
    failed_logins: int = 0
    lockouts_caused: int = 0
    sessions_opened: int = 0
    writes: int = 0
    wan_restarts: int = 0


@dataclass
class WifiState:
    ssid: str
    psk: str
    enabled: bool = True


@dataclass
class Session:
    token: str
    client_ip: str
    opened_at: float
    last_seen: float
    phantom: bool = False
    data: dict[str, Any] = field(default_factory=dict)


class LoginCheck(Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass
class SimDevice:
    """One device's state. Times are `time.monotonic()` seconds."""

    model: str
    model_name: str
    firmware: str
    admin_password: str = field(repr=False)
    admin_user: str | None = None
    hardware: str = "1.0"
    serial: str = field(default_factory=lambda: "SIM" + secrets.token_hex(5).upper())
    mac: str = "00:00:00:00:00:00"
    label: str = ""
    # WAN / PPPoE
    wan_type: str = "pppoe"  # pppoe | dhcp | static | bridge
    pppoe_user: str = ""
    pppoe_password: str = field(default="", repr=False)
    wan_ip: str = "100.64.0.2"
    wan_gateway: str = "100.64.0.1"
    wan_up: bool = True
    wan_error: WanError | None = None
    wan_since: float = field(default_factory=time.monotonic)
    dns: list[str] = field(default_factory=lambda: ["1.1.1.1", "1.0.0.1"])
    manual_dns: bool = True
    lan_dns: list[str] = field(default_factory=lambda: ["192.168.0.1"])
    wifi: dict[Band, WifiState] = field(default_factory=dict, repr=False)
    # Optics (ONUs only)
    rx_dbm: float | None = None
    tx_dbm: float | None = None
    pon_registered: bool = True
    booted_at: float = field(default_factory=time.monotonic)
    #: PPPoE credentials the ISP's RADIUS accepts (None: accept anything).
    radius: tuple[str, str] | None = field(default=None, repr=False)
    knobs: Knobs = field(default_factory=Knobs)
    counters: Counters = field(default_factory=Counters)
    session: Session | None = field(default=None, repr=False)
    failures: int = 0
    locked_until: float = 0.0
    #: Management port down until then (WAN restart or reboot).
    down_until: float = 0.0
    #: Family-specific state (tokens, nonces, keys, raw objects...).
    extra: dict[str, Any] = field(default_factory=dict, repr=False)
    #: Set by the fleet server: takes the device's listeners down for N seconds.
    on_port_down: Callable[[SimDevice, float], None] | None = field(default=None, repr=False)

    # -- clocks -------------------------------------------------------------------------

    def uptime_s(self) -> int:
        return int(time.monotonic() - self.booted_at)

    def wan_uptime_s(self) -> int:
        return int(time.monotonic() - self.wan_since) if self.wan_up else 0

    # -- lockout ------------------------------------------------------------------------

    def locked(self) -> bool:
        return time.monotonic() < self.locked_until

    def lock_remaining_s(self) -> float:
        return max(0.0, self.locked_until - time.monotonic())

    def attempts_left(self) -> int:
        return max(0, self.knobs.lock_threshold - self.failures)

    def check_login(self, user: str | None, password: str, client_ip: str) -> LoginCheck:
        """Count the attempt exactly as the device would. A correct password while
        locked is still refused."""
        if self.locked():
            return LoginCheck.LOCKED
        if self.locked_until and not self.locked():
            # Lock expired: the counter starts again.
            self.locked_until = 0.0
            self.failures = 0
        user_ok = self.admin_user is None or user is None or user == self.admin_user
        if user_ok and secrets.compare_digest(password.encode(), self.admin_password.encode()):
            self.failures = 0
            self.counters.logins += 1
            return LoginCheck.OK
        self.failures += 1
        self.counters.failed_logins += 1
        if self.failures >= self.knobs.lock_threshold:
            self.locked_until = time.monotonic() + self.knobs.lock_seconds
            if client_ip != PHANTOM_IP:
                self.counters.lockouts_caused += 1
            return LoginCheck.LOCKED
        return LoginCheck.WRONG

    # -- the single admin session ----------------------------------------------------------

    def current_session(self) -> Session | None:
        s = self.session
        if s and not s.phantom and time.monotonic() - s.last_seen > self.knobs.session_idle_s:
            self.session = None
        return self.session

    def session_busy_for(self, client_ip: str) -> bool:
        """True when another client holds the session (same IP may preempt its own)."""
        s = self.current_session()
        return s is not None and s.client_ip != client_ip

    def open_session(self, client_ip: str, token: str | None = None) -> Session | None:
        """Open the one admin session; None if someone else holds it."""
        if self.session_busy_for(client_ip):
            return None
        now = time.monotonic()
        self.session = Session(
            token=token or secrets.token_hex(16), client_ip=client_ip, opened_at=now, last_seen=now
        )
        self.counters.sessions_opened += 1
        return self.session

    def session_for(self, token: str | None) -> Session | None:
        """The live session matching `token` (and refreshes its idle timer)."""
        s = self.current_session()
        if s is None or token is None or s.phantom:
            return None
        if not secrets.compare_digest(s.token.encode(), token.encode()):
            return None
        s.last_seen = time.monotonic()
        return s

    def close_session(self, token: str | None = None) -> None:
        s = self.session
        if s and not s.phantom and (token is None or s.token == token):
            self.session = None

    def hold_session_elsewhere(self, held: bool = True) -> None:
        """Knob: someone else (a phantom browser) is logged in and stays logged in."""
        if held:
            now = time.monotonic()
            self.session = Session("phantom", PHANTOM_IP, now, now, phantom=True)
        elif self.session and self.session.phantom:
            self.session = None

    def open_toolkit_session(self) -> bool:
        s = self.current_session()
        return s is not None and not s.phantom

    # -- WAN -----------------------------------------------------------------------------

    def evaluate_wan(self) -> None:
        """Bring the WAN up if RADIUS accepts the PPPoE credentials (PON must be up)."""
        if self.wan_type == "bridge":
            self.wan_up, self.wan_error = False, None
            return
        if not self.pon_registered:
            self.wan_up, self.wan_error = False, WanError.LINK_DOWN
            return
        if self.wan_type == "pppoe" and self.radius is not None:
            ok = (self.pppoe_user, self.pppoe_password) == self.radius
            self.wan_up = ok
            self.wan_error = None if ok else WanError.PPPOE_AUTH
        else:
            self.wan_up, self.wan_error = True, None
        if self.wan_up:
            self.wan_since = time.monotonic()

    def apply_pppoe(self, user: str, password: str) -> None:
        """Store new PPPoE credentials and restart the WAN: the management port drops for
        `wan_restart_s`, then the WAN comes up only if RADIUS accepts them."""
        self.pppoe_user, self.pppoe_password = user, password
        self.wan_type = "pppoe"
        self.counters.writes += 1
        self.restart_wan()

    def restart_wan(self) -> None:
        self.counters.wan_restarts += 1
        self.wan_up, self.wan_error = False, WanError.CONNECTING
        seconds = self.knobs.wan_restart_s
        self.down_until = time.monotonic() + seconds
        if self.on_port_down is not None:
            self.on_port_down(self, seconds)
        else:
            self.evaluate_wan()

    def reboot(self, seconds: float | None = None) -> None:
        """Full reboot: sessions are lost, the port drops, uptime restarts."""
        seconds = self.knobs.reboot_s if seconds is None else seconds
        if self.session and not self.session.phantom:
            self.session = None
        self.booted_at = time.monotonic() + seconds
        self.wan_up, self.wan_error = False, WanError.CONNECTING
        self.down_until = time.monotonic() + seconds
        if self.on_port_down is not None:
            self.on_port_down(self, seconds)

    def port_back_up(self) -> None:
        """Called by the server when the port answers again."""
        self.down_until = 0.0
        self.evaluate_wan()
