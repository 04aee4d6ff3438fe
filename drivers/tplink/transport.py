"""`requests.Session.request` for the EX driver's calls, without its per-call merging.

Profiling `get_status` (benchmarks/tplink_client_cpu.py) shows the driver's own code and
its crypto under 6% of its CPU; the rest is the HTTP stack, run ten times per status.
`Session.request` merges the session's headers, params, auth, hooks and environment into
every call through `to_key_val_list`, whose runtime-Protocol `isinstance` check (requests
2.34) dominates that merge. The driver only ever passes a method, a URL, a timeout, its
headers and a bytes body, so the same `PreparedRequest` can be built directly and handed
to `Session.send` (requests' documented "prepared requests" path): session headers then
the call's, the jar's cookies unless the call sets `Cookie`, netrc auth as `request()`
would, the session's hooks, its adapters (tests and captures mount theirs), and `send`
resolves proxies and TLS settings as before. Same bytes on the wire; about a quarter
less client CPU per device. Nothing here is TP-Link-specific: drivers/http.py could adopt
it for every family.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict
from requests.utils import get_netrc_auth

__all__ = ["LeanSession"]


class LeanSession:
    """Wraps a `requests.Session`; every attribute but `request` is the session's own."""

    def __init__(self, session: requests.Session) -> None:
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def request(
        self,
        method: str,
        url: str,
        *,
        timeout: Any = None,
        allow_redirects: bool = True,
        headers: dict[str, str] | None = None,
        data: bytes | None = None,
        **other: Any,
    ) -> requests.Response:
        s = self._session
        if other:  # anything the lean path does not model goes the long way
            return s.request(
                method, url, timeout=timeout, allow_redirects=allow_redirects,
                headers=headers, data=data, **other,
            )
        merged: CaseInsensitiveDict[str | bytes] = CaseInsensitiveDict(s.headers)
        for name, value in (headers or {}).items():
            if value is None:  # as merge_setting: None removes a session header
                merged.pop(name, None)
            else:
                merged[name] = value
        auth = s.auth or (get_netrc_auth(url) if s.trust_env else None)
        prepared = PreparedRequest()
        prepared.prepare(
            method=method.upper(),
            url=url,
            headers=merged,
            data=data,
            auth=auth,
            cookies=s.cookies.copy(),  # a copy, as request() merges into a new jar
            hooks=s.hooks,
        )
        return s.send(prepared, timeout=timeout, allow_redirects=allow_redirects)
