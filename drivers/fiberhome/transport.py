"""The `/cgi-bin/ajax` transport: GET reads, POST writes, each POST with an unused
sessionid.

Reads are `GET /cgi-bin/ajax?ajaxmethod=<m>&_=<random>`; writes are form-urlencoded
`POST /cgi-bin/ajax` with `ajaxmethod`, `sessionid`, `_` and the fields. Every answer
carries a `sessionid`; the firmware's own `XHR.post` fetches a fresh one
(`get_refresh_sessionid`) before every POST [C], while public clients post with the one
the last answer carried (the HG6145D2 adapter logs in with `get_acs_random`'s, the exporter
with `get_login_user`'s). `post()` does the latter when the last answer's sessionid was
not used yet, which saves a round trip per POST, and falls back to a fresh one when there
is none or the unit refuses it (a refused sessionid is not a processed request). Bodies
are never logged: they carry fhencrypted secrets, as good as the secrets themselves.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from cpe.errors import CpeError, DeviceRejected, ParseError
from drivers.fiberhome import guessed
from drivers.fiberhome.protocol import AJAX_PATH, M_REFRESH_SID
from drivers.http import HttpChannel

log = logging.getLogger("cpe.drivers.fiberhome")

#: Builds an error with the driver's device/model context: fail(cls, message, operation).
Fail = Callable[[type[CpeError], str, str], CpeError]

# Some firmware leaks the CGI header into the body ([P] PHP client strips it).
_CGI_HEADER = "content-type: application/json"


def cache_buster() -> str:
    """The `_` parameter the page JS adds (Math.random())."""
    return f"0.{secrets.randbelow(10**16):016d}"


def parse_json(text: str) -> dict[str, Any] | None:
    """The answer's JSON object, or None when the body is not one."""
    body = text.lstrip()
    if body[: len(_CGI_HEADER)].lower() == _CGI_HEADER:
        body = body[len(_CGI_HEADER) :].lstrip()
    if not body.startswith("{"):
        return None
    try:
        obj = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nesting too deep
        return None
    return obj if isinstance(obj, dict) else None


def session_valid(data: Mapping[str, Any]) -> bool | None:
    """`session_valid` as a bool; None when the answer does not carry it."""
    if "session_valid" not in data:
        return None
    return str(data["session_valid"]).strip() == "1"


@dataclass(frozen=True)
class Reply:
    status: int
    text: str
    data: dict[str, Any] | None


class AjaxClient:
    def __init__(self, channel: HttpChannel, fail: Fail) -> None:
        self.channel = channel
        self.fail = fail
        #: POSTs sent (tests compare counts).
        self.posts = 0
        #: The sessionid the latest answer carried, until a POST uses it.
        self._spare_sid: str | None = None

    def _headers(self, page: str) -> dict[str, str]:
        return {
            "X-Requested-With": "XMLHttpRequest",
            "Referer": self.channel.url(page),
            "Origin": self.channel.base_url,
        }

    def get(
        self, path: str, params: Mapping[str, str] | None, *, operation: str, page: str
    ) -> requests.Response:
        return self.channel.request(
            "GET", path, operation=operation, params=dict(params or {}),
            headers=self._headers(page),
        )

    def get_method(
        self, method: str, *, operation: str, page: str = guessed.REFERER_PAGE
    ) -> Reply:
        resp = self.get(
            AJAX_PATH, {"ajaxmethod": method, "_": cache_buster()}, operation=operation,
            page=page,
        )
        text = resp.text
        data = parse_json(text) if resp.ok else None
        self._keep_sid(data)
        return Reply(resp.status_code, text, data)

    def _keep_sid(self, data: Mapping[str, Any] | None) -> None:
        sid = (data or {}).get("sessionid")
        if isinstance(sid, str) and sid:
            self._spare_sid = sid

    def get_json(self, method: str, *, operation: str) -> dict[str, Any]:
        reply = self.get_method(method, operation=operation)
        if reply.status != 200:
            raise self.fail(ParseError, f"{method}: HTTP {reply.status}", operation)
        if reply.data is None:
            raise self.fail(ParseError, f"{method}: answer is not JSON", operation)
        return reply.data

    def fresh_sessionid(self, *, operation: str, page: str) -> str:
        reply = self.get_method(M_REFRESH_SID, operation=operation, page=page)
        sid = (reply.data or {}).get("sessionid")
        if reply.status != 200 or not isinstance(sid, str) or not sid:
            raise self.fail(ParseError, "get_refresh_sessionid gave no sessionid", operation)
        self._spare_sid = None
        return sid

    def post(
        self,
        method: str,
        fields: Mapping[str, str],
        *,
        operation: str,
        page: str = guessed.REFERER_PAGE,
    ) -> Reply:
        """One write, with the last answer's unused sessionid or a fresh one."""
        spare, self._spare_sid = self._spare_sid, None
        if not guessed.POST_WITH_LAST_ANSWER_SID:
            spare = None
        resp = self._send(method, fields, spare, operation=operation, page=page)
        if spare is not None and resp.status_code == guessed.STALE_SESSIONID_STATUS:
            # That sessionid was no longer the unit's latest: nothing was processed.
            resp = self._send(method, fields, None, operation=operation, page=page)
        if resp.status_code == guessed.STALE_SESSIONID_STATUS:
            raise self.fail(
                DeviceRejected,
                "a ONU recusou o pedido (sessionid ou token de página inválido)",
                operation,
            )
        if resp.status_code != 200:
            raise self.fail(ParseError, f"{method}: HTTP {resp.status_code}", operation)
        data = parse_json(resp.text)
        self._keep_sid(data)
        return Reply(resp.status_code, resp.text, data)

    def _send(
        self, method: str, fields: Mapping[str, str], sid: str | None, *, operation: str,
        page: str,
    ) -> requests.Response:
        if sid is None:
            sid = self.fresh_sessionid(operation=operation, page=page)
        form = {"ajaxmethod": method, "sessionid": sid, "_": cache_buster(), **fields}
        resp = self.channel.request(
            "POST", AJAX_PATH, operation=operation, data=form, headers=self._headers(page)
        )
        self.posts += 1
        log.debug("%s: POST %s -> HTTP %d", self.channel.target.name, method, resp.status_code)
        return resp
