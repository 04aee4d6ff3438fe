"""Zyxel: the DAL web API (JSON bodies sealed under a per-login AES key on newer firmware)
and the ZySH CLI (plain `key : value` text over SSH or telnet).

Web replay pins the AES key each login draws (`crypto.new_key`): sealed answers are opened,
scrubbed and sealed again under the same key and IV. The IVs of requests are drawn fresh
on replay, which is fine: request bodies are not compared. The CLI is text: recorded and
replayed command by command, secret values replaced.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from cpe.capture.fixture import HttpExchange, HttpMessage
from cpe.capture.pins import KeyPin
from cpe.capture.profiles.base import CliProfile, HttpProfile, TextRule, split_target
from cpe.capture.scrub import Scrubber
from drivers.zyxel import crypto, guessed

__all__ = ["ZyxelCliProfile", "ZyxelWebProfile"]

PIN = "zyxel.aes_key"
_LOGIN, _LOGOUT = "/UserLogin", "/cgi-bin/UserLogout"
_CLI_READ = re.compile(r"^(sys atsh|cfg [A-Za-z0-9_]+ get)$")


class ZyxelWebProfile(HttpProfile):
    family = "zyxel"
    pins = (KeyPin(PIN, "drivers.zyxel.crypto:new_key", bytes.hex, bytes.fromhex),)
    notes = (
        "chave AES de cada login fixada (gravada e devolvida ao driver na reprodução); "
        "respostas cifradas abertas, limpas e cifradas de novo com a mesma chave e IV",
        "pedidos cifrados guardados limpos para leitura, não comparados",
    )

    def reset(self) -> None:
        self.key: bytes | None = None
        self.logins = 0

    def guard(self, request: HttpMessage, pins: Mapping[str, list[Any]]) -> str | None:
        method, path, _ = split_target(request)
        if method == "GET" and "Wireless" not in path:
            return None
        if method == "POST" and path in (_LOGIN, _LOGOUT):
            return None
        return f"{method} {path} não é leitura"

    def scrub_exchange(
        self, ex: HttpExchange, s: Scrubber, pins: Mapping[str, list[Any]]
    ) -> None:
        method, path, _ = split_target(ex.request)
        if method == "POST" and path == _LOGIN:  # each attempt draws a fresh key
            drawn = pins.get(PIN) or []
            self.key = bytes.fromhex(drawn[self.logins]) if self.logins < len(drawn) else None
            self.logins += 1
        opened = self._opener(s, ex)
        self.scrub_request(ex.request, s)
        ex.request.body = opened(ex.request.body)
        self.scrub_headers(ex.response, s)
        ex.response.body = opened(ex.response.body)

    def _opener(self, s: Scrubber, ex: HttpExchange) -> Callable[[str], str]:
        key = self.key

        def fix(body: str) -> str:
            try:
                doc = json.loads(body)
            except ValueError:
                return s.text(self.apply_rules(body, s))
            if key is None or not crypto.is_sealed(doc):
                return s.json_text(body, None, self.extra_fields) or body
            try:
                inner = crypto.open_sealed(key, doc)
            except crypto.CryptoError:
                return s.json_text(body, None, self.extra_fields) or body
            clean = json.loads(s.json_text(json.dumps(inner, ensure_ascii=False)) or "null")
            iv = base64.b64decode(str(doc["iv"]))
            resealed = {**doc, **crypto.seal(key, clean, iv)}
            if "key" in resealed:  # the RSA-wrapped session key of a login body
                resealed["key"] = s.register(str(resealed["key"]), "token")
            note = "corpo aberto, limpo e cifrado de novo (chave fixada)"
            if note not in ex.notes:
                ex.notes.append(note)
            return json.dumps(resealed, separators=(",", ":"))

        return fix

    def plaintexts(
        self, exchanges: list[HttpExchange], pins: Mapping[str, list[Any]]
    ) -> list[str]:
        self.reset()
        out = []
        for ex in exchanges:
            method, path, _ = split_target(ex.request)
            if method == "POST" and path == _LOGIN:
                drawn = pins.get(PIN) or []
                self.key = bytes.fromhex(drawn[self.logins]) if self.logins < len(drawn) else None
                self.logins += 1
            for msg in (ex.request, ex.response):
                out.append(msg.body)
                try:
                    doc = json.loads(msg.body)
                    if self.key is not None and crypto.is_sealed(doc):
                        out.append(json.dumps(crypto.open_sealed(self.key, doc)))
                except (ValueError, crypto.CryptoError):
                    continue
        return out


def _leaf_name(path: str) -> str:
    """`WanLanInfo[0].pppPassword` → `pppPassword`."""
    return re.split(r"[.\]]", path.strip())[-1]


class ZyxelCliProfile(CliProfile):
    family = "zyxel"
    line_rule = TextRule(
        re.compile(rf"^(?P<name>[^:]+?){re.escape(guessed.KV_SEPARATOR)}(?P<value>.*)$"),
        field_of=_leaf_name,
    )
    notes = (
        "exato: texto puro, comando a comando; só os valores secretos foram trocados por "
        "marcadores (o login não é gravado: a reprodução abre a sessão direto)",
    )

    def connect(self, params: Any, password: Any) -> Any:
        from drivers.zyxel import zysh

        return zysh.connect(params, password)

    def guard(self, command: str) -> str | None:
        if _CLI_READ.match(command.strip()):
            return None
        return f"comando `{' '.join(command.split()[:3])}` não é leitura"
