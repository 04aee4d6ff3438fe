"""`requests.Session.request` for the web drivers' calls, without its per-call overhead.

Profiling a status read (benchmarks/family_cpu.py --cprofile) puts about 80% of a web
driver's client CPU in the HTTP stack, and a third of that before a byte is sent:
`Session.request` merges the session's headers, params, auth, hooks and proxies into
every call through `merge_setting`/`to_key_val_list` (whose runtime-Protocol `isinstance`
check, requests 2.34, dominates the merge), copies the cookie jar twice, asks
`http.cookiejar` for the Cookie header (its policy checks run per cookie, per call), then
`Session.send` resolves proxies and looks for redirects again.

The drivers only ever pass a method, a URL, a timeout, their headers, query parameters
(a dict) and a body (bytes or a form dict), on a
session made by `drivers.http.make_session` (no proxies, no environment, no auth), so
`lean_request` builds the same `PreparedRequest` directly and hands it to the session's
adapter for the URL (the one tests, `cpe capture` and the recorder mount: every request
still goes through it):

- headers: the session's, then the call's (a None value removes a session header, as
  `merge_setting` does), validated by `prepare_headers` as before;
- cookies: the jar's Cookie header, unless the call sets its own. `http.cookiejar`'s
  answer is cached per session for a URL (path included) and the jar's exact contents
  (every cookie's domain, path, name, value, expiry, flags): any change to the jar (an
  answer's Set-Cookie, `cookies.clear()`), a new path or a cookie's expiry falls back to
  the jar itself;
- answers: cookies go into the session's jar through `extract_cookies_to_jar`, as
  `Session.send` does, whenever the answer carries a Set-Cookie; the session's response
  hooks run; `elapsed` is set; the body is read (no streaming);
- redirects: never followed here (the drivers send `allow_redirects=False`, as the web
  UIs' logins answer 302s that must be read, not followed); a call that asks to follow
  them, any other keyword, a session with proxies, params, auth, `trust_env`, streaming,
  or a subclass that overrides `request`/`send` (cpe.probe's caching session) takes
  `Session.request` unchanged. So does everything if this requests lacks the internals
  used here (an older or newer major version).

Same bytes on the wire (tests/test_http_lean.py compares them on a raw socket).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import requests

__all__ = ["LeanSession", "lean_request"]

try:  # the internals used below; any missing one means Session.request, always
    from requests.cookies import extract_cookies_to_jar, get_cookie_header
    from requests.hooks import dispatch_hook
    from requests.models import PreparedRequest
    from requests.sessions import Session
    from requests.structures import CaseInsensitiveDict

    _AVAILABLE = all(
        hasattr(PreparedRequest, name)
        for name in ("prepare_url", "prepare_headers", "prepare_body", "prepare_auth")
    ) and hasattr(Session, "get_adapter")
except ImportError:  # pragma: no cover - depends on the installed requests
    _AVAILABLE = False

#: Attribute of a session holding its Cookie-header cache.
_CACHE_ATTR = "_cpe_lean_cookie_cache"
_NO_EXPIRY = float("inf")


def _leanable(session: Any) -> bool:
    cls = type(session)
    return (
        _AVAILABLE
        and isinstance(session, Session)
        and cls.request is Session.request
        and cls.send is Session.send
        and cls.prepare_request is Session.prepare_request
        and not session.trust_env
        and not session.proxies
        and not session.params
        and session.auth is None
        and not session.stream
    )


def lean_request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: Any = None,
    allow_redirects: bool = True,
    headers: dict[str, str] | None = None,
    data: Any = None,
    params: Mapping[str, Any] | None = None,
    **other: Any,
) -> requests.Response:
    """`session.request(method, url, ...)`, the short way when nothing needs the long one."""
    if (
        other
        or allow_redirects
        or not (params is None or isinstance(params, dict))
        or not _leanable(session)
    ):
        if params is not None:
            other["params"] = params
        return session.request(
            method, url, timeout=timeout, allow_redirects=allow_redirects,
            headers=headers, data=data, **other,
        )
    merged: CaseInsensitiveDict[Any] = CaseInsensitiveDict(session.headers)
    if headers:
        for name, value in headers.items():
            if value is None:  # as merge_setting: None removes a session header
                merged.pop(name, None)
            else:
                merged[name] = value
    p = PreparedRequest()
    p.method = method.upper()
    # As merge_setting with no session params: the call's, without None values.
    query = {k: v for k, v in params.items() if v is not None} if params else None
    p.prepare_url(url, query)
    p.prepare_headers(merged)
    jar = session.cookies
    p._cookies = jar  # type: ignore[attr-defined]  # what prepare_cookies keeps
    if "Cookie" not in p.headers:
        cookie = _cookie_header(session, jar, p)
        if cookie is not None:
            p.headers["Cookie"] = cookie
    p.prepare_body(data, None, None)
    if "@" in (p.url or ""):  # credentials in the URL: prepare_auth's own rule
        p.prepare_auth(None, p.url or "")
    p.hooks = {"response": list(session.hooks.get("response") or ())}

    adapter = session.get_adapter(url=p.url or url)
    kwargs: dict[str, Any] = {
        "stream": False, "timeout": timeout, "verify": session.verify,
        "cert": session.cert, "proxies": {},
    }
    start = time.perf_counter()
    r = adapter.send(p, **kwargs)
    r.elapsed = timedelta(seconds=time.perf_counter() - start)
    if p.hooks["response"]:
        r = dispatch_hook("response", p.hooks, r, **kwargs)  # type: ignore[no-untyped-call]
    if r.history:  # only a hook makes history here
        for old in r.history:
            extract_cookies_to_jar(jar, old.request, old.raw)  # type: ignore[no-untyped-call]
    if "set-cookie" in r.headers or r.history:
        extract_cookies_to_jar(jar, p, r.raw)  # type: ignore[no-untyped-call]
    _ = r.content
    return r


def _cookie_header(
    session: requests.Session, jar: Any, p: PreparedRequest
) -> str | None:
    """The jar's Cookie header for `p`, from the cache while the jar is unchanged."""
    state = _jar_state(jar)
    where = (p.url or "").partition("?")[0]
    cache: dict[Any, tuple[str | None, float]] | None = getattr(session, _CACHE_ATTR, None)
    if cache is None:
        cache = {}
        setattr(session, _CACHE_ATTR, cache)
    hit = cache.get((where, state))
    if hit is not None and time.time() < hit[1]:
        return hit[0]
    value: str | None = get_cookie_header(jar, p)  # type: ignore[no-untyped-call]
    if len(cache) > 64:  # a long session over many paths: start again
        cache.clear()
    expiries = [c.expires for c in jar if c.expires is not None]
    # The state after add_cookie_header, which drops expired cookies.
    state_after = _jar_state(jar)
    cache[(where, state_after)] = (value, min(expiries, default=_NO_EXPIRY))
    return value


def _jar_state(jar: Any) -> tuple[Any, ...]:
    """Every cookie's domain, path, name, value, expiry and flags: the cache key's jar part."""
    return tuple(
        (c.domain, c.path, c.name, c.value, c.expires, c.secure, c.port, c.version,
         c.discard, tuple(sorted(c._rest.items())))
        for c in jar
    )


class LeanSession:
    """Wraps a `requests.Session`; every attribute but `request` is the session's own."""

    def __init__(self, session: requests.Session) -> None:
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def request(self, method: str, url: str, **kw: Any) -> requests.Response:
        return lean_request(self._session, method, url, **kw)
