"""TP-Link ONUs (`/cgi_gdpr?9`): every act and every answer AES-encrypted under a key and
IV the driver draws per login; the login `sign` is raw RSA over md5(user + password).

Replay: the drawn ciphers are pinned (recorded, then handed back in order), so recorded
answers decrypt in the replayed driver. Each body is decrypted, scrubbed and encrypted
again under the same cipher; `sign` (password-derived, deterministic RSA) is replaced by
a placeholder, so request bodies are kept for reading, not for comparison.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from cpe.capture.fixture import HttpExchange, HttpMessage
from cpe.capture.pins import KeyPin
from cpe.capture.profiles.base import HttpProfile, TextRule, split_target
from cpe.capture.scrub import Scrubber
from drivers.tplink import guessed as g
from drivers.tplink import protocol as p
from drivers.tplink.crypto import CipherError, CipherMode, SessionCipher

PIN = "tplink.session_cipher"


def _dump(c: SessionCipher) -> dict[str, str]:
    return {"mode": c.mode, "key": c.key.hex(), "iv": c.iv.hex()}


def _load(d: Mapping[str, str]) -> SessionCipher:
    mode: CipherMode = "gcm" if d["mode"] == "gcm" else "cbc"
    return SessionCipher(mode, bytes.fromhex(d["key"]), bytes.fromhex(d["iv"]))


_OPEN_ACTS = frozenset({p.LOGIN_OID, p.LOGOUT_OID})
_READ_PATHS = frozenset({p.PARM_PATH, p.BUSY_PATH, "/", g.TPENCRYPT_JS_PATH, g.LIB_JS_PATH})


def _act_of(cipher: SessionCipher, body: str) -> dict[str, Any] | None:
    fields = p.parse_body(body)
    try:
        act = json.loads(cipher.decrypt(fields.get("data", ""), fields.get("tag")))
    except (CipherError, ValueError):
        return None
    return act if isinstance(act, dict) else None


class TplinkProfile(HttpProfile):
    family = "tplink"
    pins = (KeyPin(PIN, "drivers.tplink.driver:new_session_cipher", _dump, _load),)
    text_rules = (TextRule(re.compile(r'var\s+token\s*=\s*"(?P<value>[^"]*)"'), kind="token"),)
    # Secret fields of the DEV2_ objects (guessed.py names them for driver and simulator).
    extra_fields = {  # noqa: RUF012 - read-only table
        g.WIFI_PSK_FIELD: "wifi_key",
        g.WIFI_GUEST_PSK_FIELD: "wifi_key",
        g.PPPOE_PASSWORD_FIELD: "password",
    }
    notes = (
        "chave e IV AES de cada login fixados (gravados na captura e devolvidos ao driver na "
        "reprodução): as respostas gravadas decifram como no equipamento",
        "corpos decifrados, limpos e cifrados de novo com a mesma chave; `sign` (RSA sobre "
        "md5(usuário+senha)) trocado por marcador: pedidos não são comparados",
    )

    def reset(self) -> None:
        self.cipher: SessionCipher | None = None
        self.logins = 0

    def guard(self, request: HttpMessage, pins: Mapping[str, list[Any]]) -> str | None:
        method, path, _ = split_target(request)
        if path in _READ_PATHS and method in ("GET", "POST"):
            return None
        drawn = pins.get(PIN) or []
        if method == "POST" and path == p.GDPR_PATH and drawn:
            act = _act_of(_load(drawn[-1]), request.body)
            if act is not None:
                op, oid = act.get("operation"), act.get("oid")
                if op in p.READ_OPS or (op == p.OP_CGI and oid in _OPEN_ACTS):
                    return None
                return f"ato {op} {oid} não é leitura"
        return f"{method} {path} não é leitura (ou não decifra)"

    def _advance(self, ex: HttpExchange, pins: Mapping[str, list[Any]]) -> None:
        # Every login attempt starts with a key exchange and draws one cipher.
        if split_target(ex.request)[1] == p.PARM_PATH:
            drawn = pins.get(PIN) or []
            if self.logins < len(drawn):
                self.cipher = _load(drawn[self.logins])
            self.logins += 1

    def scrub_exchange(
        self, ex: HttpExchange, s: Scrubber, pins: Mapping[str, list[Any]]
    ) -> None:
        self._advance(ex, pins)
        path = split_target(ex.request)[1]
        self.scrub_headers(ex.request, s)
        self.scrub_headers(ex.response, s)
        if path == p.GDPR_PATH and self.cipher is not None:
            ex.request.body = self._request(ex.request.body, s, self.cipher)
            ex.response.body = self._answer(ex.response.body, s, self.cipher)
            ex.notes.append("corpos decifrados, limpos e cifrados de novo (chave fixada)")
        else:
            self.scrub_body(ex.request, s)
            self.scrub_body(ex.response, s)

    def _request(self, body: str, s: Scrubber, cipher: SessionCipher) -> str:
        fields = p.parse_body(body)
        try:
            plain = cipher.decrypt(fields.get("data", ""), fields.get("tag"))
        except CipherError:
            return s.text(body)
        data, tag = cipher.encrypt(self.scrub_text(plain, s, form=False))
        sign = s.register(fields.get("sign", ""), "token")
        return p.format_body(sign, data, tag)

    def _answer(self, body: str, s: Scrubber, cipher: SessionCipher) -> str:
        try:
            plain = cipher.decrypt(body.strip())
        except CipherError:
            return s.text(body)  # a plain `$.ret=N;` refusal
        data, tag = cipher.encrypt(self.scrub_text(plain, s, form=False))
        return data + (tag or "")

    def plaintexts(
        self, exchanges: list[HttpExchange], pins: Mapping[str, list[Any]]
    ) -> list[str]:
        self.reset()
        out = []
        for ex in exchanges:
            self._advance(ex, pins)
            out += [ex.request.body, ex.response.body]
            if self.cipher is not None and split_target(ex.request)[1] == p.GDPR_PATH:
                fields = p.parse_body(ex.request.body)
                for data, tag in ((fields.get("data", ""), fields.get("tag")),
                                  (ex.response.body.strip(), None)):
                    try:
                        out.append(self.cipher.decrypt(data, tag))
                    except CipherError:
                        out.append("<não decifra>")
        return out
