"""HTTP transport shared by the web-UI drivers.

Drivers get a `requests.Session` injected (tests mount fixture adapters on it) and call
`HttpChannel.request`, which applies absolute timeouts, the Referer/Origin the web UIs
check, and maps transport failures onto the error tree. Requests go out through
`drivers.http_lean.lean_request`: the same bytes as `Session.request`, through the same
adapters, for less client CPU (that module says why, and when it steps aside). Nothing
here logs bodies: they may hold tokens or passwords.
"""

from __future__ import annotations

from typing import Any

import requests

from cpe.errors import DeviceUnreachable, Timeout
from cpe.models import Target, Timeouts
from drivers.http_lean import lean_request
from drivers.redact import install as install_redaction
from drivers.redact import scrub

install_redaction()

USER_AGENT = "cpe-toolkit/0.1 (+Seja Fibra N1)"


def make_session() -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    # Never pick up proxies from the environment: devices are reached directly.
    session.trust_env = False
    return session


class HttpChannel:
    """A thin wrapper: base URL, timeouts, error mapping."""

    def __init__(
        self,
        target: Target,
        timeouts: Timeouts,
        session: requests.Session | None = None,
        scheme: str = "http",
    ) -> None:
        self.target = target
        self.timeouts = timeouts
        self.session = session or make_session()
        self.base_url = f"{scheme}://{target.host}:{target.port}"
        self.session.headers.setdefault("Referer", self.base_url + "/")
        self.session.headers.setdefault("Origin", self.base_url)

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def request(
        self, method: str, path: str, *, operation: str, timeout: float | None = None, **kw: Any
    ) -> requests.Response:
        read_timeout = timeout if timeout is not None else self.timeouts.read_s
        try:
            return lean_request(
                self.session,
                method,
                self.url(path),
                timeout=(self.timeouts.connect_s, read_timeout),
                allow_redirects=False,
                **kw,
            )
        except requests.Timeout as exc:
            raise Timeout(
                f"no answer within {read_timeout:.0f}s",
                device=self.target.name,
                model=self.target.model,
                operation=operation,
            ) from scrubbed(exc)
        except requests.RequestException as exc:
            raise DeviceUnreachable(
                f"connection failed ({type(exc).__name__})",
                device=self.target.name,
                model=self.target.model,
                operation=operation,
            ) from scrubbed(exc)


def scrubbed(exc: BaseException) -> BaseException:
    """The cause to chain: same type, URL query values masked (requests puts the URL,
    with any session token in it, into its messages)."""
    try:
        return type(exc)(scrub(str(exc)))
    except Exception:  # some exception types need other constructor arguments
        return RuntimeError(f"{type(exc).__name__}: {scrub(str(exc))}")
