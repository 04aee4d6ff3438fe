"""A request body limit enforced before the body is read and before authentication.

A pure ASGI middleware, outside routing (and so outside every authentication
dependency): a declared Content-Length over the limit is answered 413 without reading a
byte of the body; a body without a declared length (chunked) is read up to the limit
and refused as soon as it passes it, so no request can make the service hold more than
the limit in memory, whoever sends it.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE_PT = "Requisição grande demais: o limite é de {mib} MiB."
BAD_LENGTH_PT = "Cabeçalho Content-Length inválido."


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await _refuse(send, 400, "bad_input", BAD_LENGTH_PT)
                return
            if length < 0:
                await _refuse(send, 400, "bad_input", BAD_LENGTH_PT)
                return
            if length > self.max_bytes:
                await _refuse(send, 413, "too_large", self._too_large())
                return
            # The server stops the body at the declared length: nothing more to watch.
            await self.app(scope, receive, send)
            return
        if b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)  # no body
            return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body: bytes = message.get("body", b"")
            total += len(body)
            if total > self.max_bytes:
                await _refuse(send, 413, "too_large", self._too_large())
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> str:
        mib = self.max_bytes / (1024 * 1024)
        return TOO_LARGE_PT.format(mib=f"{mib:g}".replace(".", ","))


async def _refuse(send: Send, status: int, kind: str, mensagem: str) -> None:
    payload: dict[str, Any] = {
        "erro": {
            "tipo": kind,
            "mensagem": mensagem,
            "proximo_passo": "Envie menos dados por requisição.",
        }
    }
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                # The unread body is still on the wire: this connection is done.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
