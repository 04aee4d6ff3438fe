"""The device contract every driver implements.

A driver is built with a `Target` (host, port 2389 by default, model key), a `Credential`
from the vault, `Timeouts`, and an injected transport (a `requests.Session` for web UIs,
a channel factory for CLIs). It offers `get_status()`, `set_pppoe()`, `set_dns()`,
`set_wifi()`, declares its capabilities, and always logs out (use it as a context manager).

The login policy is shared here so every family honours the lockout rules the same way:
candidate passwords are tried in order, one attempt each; we stop at once when the device
says it is locked, or when its failure counter says one more failure would lock it.
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

from cpe.errors import AuthError, CpeError, LockoutRisk, SessionBusy, Timeout, Unsupported
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
    #: Failed logins the device tolerates before locking (from the protocol notes); used
    #: when the device does not report its own counter.
    lock_threshold: ClassVar[int] = 3

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
        passwords = self.credential.passwords
        if not passwords:
            raise self._err(AuthError, "the vault has no password for this model", "login")
        before = self._attempts_left_before_login()
        if before is not None and before <= 1:
            raise self._err(
                LockoutRisk,
                f"the device allows only {before} more failed login(s) before locking; "
                "no attempt made",
                "login",
            )
        failures = 0
        for index, password in enumerate(passwords):
            attempt = self._attempt_login(self.credential.username, password)
            if attempt.result is LoginResult.OK:
                self.logged_in = True
                if index:
                    log.info("%s: logged in with candidate #%d", self.target.name, index + 1)
                return
            if attempt.result is LoginResult.BUSY:
                raise self._err(SessionBusy, "another admin session is open", "login")
            if attempt.result is LoginResult.LOCKED:
                raise self._err(LockoutRisk, "the device reports a login lock", "login")
            failures += 1
            left = attempt.attempts_left
            if left is None:
                left = self.lock_threshold - failures
            if index + 1 < len(passwords) and left <= 1:
                raise self._err(
                    LockoutRisk,
                    f"{failures} candidate(s) refused and only {left} attempt(s) left "
                    "before the lock; stopped",
                    "login",
                )
        raise self._err(AuthError, f"all {len(passwords)} candidate password(s) refused", "login")

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
