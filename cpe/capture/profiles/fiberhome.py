"""Fiberhome `/cgi-bin/ajax`: JSON answers whose SSID, Wi-Fi key and PPPoE password are
`fhencrypt`ed (AES, key = IV) under a key the unit hands out unauthenticated
(`get_acs_random`) or the firmware's fixed key.

The client draws nothing secret at random, so the replay is exact; the codec decrypts
every hex value that decrypts under the unit's key, scrubs the plaintext and encrypts it
back (fhencrypt is deterministic: values that held no secret come back byte-identical).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from cpe.capture.fixture import HttpExchange, HttpMessage
from cpe.capture.profiles.base import HttpProfile, form_of, query_of, split_target
from cpe.capture.scrub import Leaf, Scrubber
from drivers.fiberhome import guessed
from drivers.fiberhome.crypto import FIXED_KEY, fhdecrypt, fhencrypt, key_from_acs_random
from drivers.fiberhome.protocol import M_ACS_RANDOM, M_LOGIN

_HEX = re.compile(r"[0-9A-Fa-f]{32,}")
_POST_ALLOWED = frozenset({M_LOGIN, guessed.LOGOUT_METHOD})


class FiberhomeProfile(HttpProfile):
    family = "fiberhome"
    volatile_params = frozenset({"_"})
    notes = (
        "exato: nenhum valor aleatório do cliente; o parâmetro `_` (anti-cache) não é "
        "comparado na reprodução",
        "SSID, senha do Wi-Fi e senha PPPoE cifrados (fhencrypt) foram decifrados, limpos "
        "e cifrados de novo com a mesma chave da ONU",
    )

    def reset(self) -> None:
        self.key: bytes = FIXED_KEY

    def guard(self, request: HttpMessage, pins: Mapping[str, list[Any]]) -> str | None:
        method, _, _ = split_target(request)
        if method == "GET":
            return None
        name = form_of(request).get("ajaxmethod", "?")
        if method == "POST" and name in _POST_ALLOWED:
            return None
        return f"{method} ajaxmethod={name} não é leitura"

    def leaf(self, s: Scrubber) -> Leaf:
        def fix(name: str, value: str) -> str:
            plain = self._decrypt(value)
            if plain is None:
                return s.field(name, value)
            return fhencrypt(s.field(name, plain), self.key)

        return fix

    def _decrypt(self, value: str) -> str | None:
        if not _HEX.fullmatch(value) or len(value) % 32:
            return None
        try:
            return fhdecrypt(value, self.key)
        except ValueError:
            return None

    def scrub_exchange(
        self, ex: HttpExchange, s: Scrubber, pins: Mapping[str, list[Any]]
    ) -> None:
        self._learn_key(ex)
        self.scrub_request(ex.request, s, self.leaf(s))
        self.scrub_response(ex, s, self.leaf(s))

    def _learn_key(self, ex: HttpExchange) -> None:
        if query_of(ex.request).get("ajaxmethod") != M_ACS_RANDOM or ex.status != 200:
            return
        try:
            acs = json.loads(ex.response.body).get("acsRandom")
            self.key = key_from_acs_random(acs) if isinstance(acs, str) and acs else FIXED_KEY
        except (ValueError, AttributeError):
            return

    def plaintexts(
        self, exchanges: list[HttpExchange], pins: Mapping[str, list[Any]]
    ) -> list[str]:
        self.reset()
        out: list[str] = []
        for ex in exchanges:
            self._learn_key(ex)
            for msg in (ex.request, ex.response):
                out.append(msg.body)
                out.extend(p for p in map(self._decrypt, _HEX.findall(msg.body)) if p)
        return out
