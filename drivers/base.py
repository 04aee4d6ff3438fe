"""The device contract every driver implements.

A driver is built with a `Target` (host, port 2389 by default, model key), a `Credential`
from the vault, `Timeouts`, and an injected transport (a `requests.Session` for web UIs,
a channel factory for CLIs). It offers `get_status()`, `set_pppoe()`, `set_dns()`,
`set_wifi()`, declares its capabilities, and always logs out (use it as a context manager).

The login policy is shared (drivers/login_policy.py) so every family honours the lockout
rules the same way, with the failure ledger every process shares: candidate passwords are
tried in order, one attempt each, never one that already failed on the device within its
lock window, never the attempt that would lock it, and never while its known lock lasts.
"""

from __future__ import annotations

import logging
import socket
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from ipaddress import IPv4Address
from types import TracebackType
from typing import Any, ClassVar

from pydantic import SecretStr

from cpe.coord.base import FailureLedger
from cpe.errors import CpeError, Timeout, Unsupported
from cpe.models import (
    Band,
    Capability,
    Credential,
    DeviceStatus,
    DnsSettings,
    PppoeSettings,
    Target,
    Timeouts,
    Transport,
    WifiSettings,
    build,
)
from drivers import login_policy
from drivers.login_policy import LoginTally

log = logging.getLogger("cpe.drivers")


class LoginResult(Enum):
    OK = "ok"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - a result name, not a secret
    LOCKED = "locked"
    BUSY = "busy"


@dataclass(frozen=True)
class LoginAttempt:
    """What one login attempt told us. `attempts_left`: failures the device still allows
    before it locks (None when the device does not say)."""

    result: LoginResult
    attempts_left: int | None = None
    locked_for_s: float | None = None


class Driver(ABC):
    #: Registry keys this class serves.
    model_keys: ClassVar[tuple[str, ...]] = ()
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.STATUS})
    transport: ClassVar[Transport] = Transport.HTTP
    #: Failed logins the device tolerates before locking (from the protocol notes); the
    #: device's own counter, when it reports one, can only lower it.
    lock_threshold: ClassVar[int] = 3
    #: How long the device's lock lasts (each family's guessed.py or protocol notes): a
    #: candidate refused within it is not tried again.
    lock_seconds: ClassVar[float] = 300.0

    def __init__(
        self,
        target: Target,
        credential: Credential,
        *,
        timeouts: Timeouts | None = None,
        session: Any = None,
    ) -> None:
        self.target = target
        self.credential = credential
        self.timeouts = timeouts or Timeouts()
        self.session = session
        self.logged_in = False
        #: Set by set_pppoe: the WAN restarts, so the management port will drop.
        self.wan_restarting = False
        #: The device's own lock threshold, when it states it before the login (a ZTE
        #: login page); it then stands for `lock_threshold`.
        self.reported_threshold: int | None = None
        #: The failure ledger shared by every process (cpe.coord.failure_ledger); set by
        #: the caller before open(). None: this driver's attempts are counted alone.
        self.ledger: FailureLedger | None = None
        #: What the last login did (attempts sent, refused, skipped), for messages.
        self.login_tally: LoginTally | None = None
        #: Set by a family's _attempt_login when it knows whether the password has left
        #: yet (False: an unreadable answer before it, e.g. a key exchange, spends no
        #: attempt). None: unknown, so an unreadable answer counts as a possible failure.
        self.password_sent: bool | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> Driver:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        """Log in, trying the vault's candidate passwords under the lockout policy."""
        if self.logged_in:
            return
        self.login_with_candidates()

    def close(self) -> None:
        """Log out; never raises (a failed logout must not hide the real result)."""
        if not self.logged_in:
            return
        try:
            self._logout()
        except Exception as exc:
            log.debug("logout failed on %s: %s", self.target.name, type(exc).__name__)
        finally:
            self.logged_in = False

    def login_with_candidates(self) -> None:
        """Log in under the shared lockout policy (drivers/login_policy.py)."""
        login_policy.login(self)

    # -- operations --------------------------------------------------------------------

    @abstractmethod
    def get_status(self) -> DeviceStatus: ...

    def set_pppoe(self, user: str, password: SecretStr | str) -> None:
        self.require(Capability.PPPOE, "set_pppoe")
        settings = build(PppoeSettings, username=user, password=password)
        assert isinstance(settings, PppoeSettings)
        self._set_pppoe(settings)
        self.wan_restarting = True

    def set_dns(self, primary: IPv4Address | str, secondary: IPv4Address | str) -> None:
        self.require(Capability.DNS, "set_dns")
        settings = build(DnsSettings, primary=primary, secondary=secondary)
        assert isinstance(settings, DnsSettings)
        self._set_dns(settings)

    def set_wifi(self, band: Band | str, ssid: str, passphrase: SecretStr | str) -> None:
        self.require(Capability.WIFI, "set_wifi")
        settings = build(WifiSettings, band=band, ssid=ssid, passphrase=passphrase)
        assert isinstance(settings, WifiSettings)
        self._set_wifi(settings)

    def require(self, capability: Capability, operation: str) -> None:
        if capability not in self.capabilities:
            raise self._err(
                Unsupported, f"{self.target.model} does not support {capability}", operation
            )

    # -- what each family implements -----------------------------------------------------

    @abstractmethod
    def _attempt_login(self, username: str | None, password: SecretStr) -> LoginAttempt:
        """One login attempt; map the device's answer, never retry inside."""

    @abstractmethod
    def _logout(self) -> None: ...

    def _attempts_left_before_login(self) -> int | None:
        """Read the device's failure counter before trying, when it shows it unauthenticated
        (raise LockoutRisk here if it reports an active lock)."""
        return None

    def _set_pppoe(self, settings: PppoeSettings) -> None:
        raise self._err(Unsupported, "PPPoE write not implemented", "set_pppoe")

    def _set_dns(self, settings: DnsSettings) -> None:
        raise self._err(Unsupported, "DNS write not implemented", "set_dns")

    def _set_wifi(self, settings: WifiSettings) -> None:
        raise self._err(Unsupported, "Wi-Fi write not implemented", "set_wifi")

    # -- after a WAN restart ------------------------------------------------------------

    def management_address(self) -> tuple[str, int]:
        """Where this driver connects (CLI drivers return their CLI port)."""
        return self.target.host, self.target.port

    def wait_until_back(
        self, timeout_s: float | None = None, settle_s: float | None = None
    ) -> None:
        """Poll the management port until it accepts connections again (bounded)."""
        timeout_s = self.timeouts.wan_restart_s if timeout_s is None else timeout_s
        settle_s = self.timeouts.wan_settle_s if settle_s is None else settle_s
        host, port = self.management_address()
        deadline = time.monotonic() + timeout_s
        # The port may still be up for a moment before the restart takes it down.
        time.sleep(settle_s)
        while True:
            try:
                with socket.create_connection((host, port), timeout=1.0):
                    self.wan_restarting = False
                    return
            except OSError:
                if time.monotonic() >= deadline:
                    raise self._err(
                        Timeout,
                        f"management port did not come back within {timeout_s:.0f}s",
                        "wait_wan_restart",
                    ) from None
                time.sleep(0.25)

    # -- helpers -----------------------------------------------------------------------

    def _err(self, cls: type[CpeError], message: str, operation: str) -> CpeError:
        return cls(message, device=self.target.name, model=self.target.model, operation=operation)
