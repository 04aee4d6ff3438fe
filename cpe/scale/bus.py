"""Where workers put results and the caller takes them: a few Redis keys per run session.

A *session* is one `cpe audit` (or `--fix`) process working on a run; `--resume` opens a
new one. Under `cpe:run:<run>:<kind>:`
- `session`          the caller's session id, "<sid>:stop" once it stopped: a worker
                     skips a chunk whose session is not the live one (a stopped run, a
                     caller that died, a chunk left over from an earlier session);
- `<sid>:out`        a list of JSON messages (results of several devices, and the end
                     of a chunk), pushed by workers, popped by the caller;
- `<sid>:done`       the keys (logins) already reported in the session, pushed in the
                     same transaction as their results, so a chunk delivered again
                     after its worker died skips the devices it already reported.

Every key expires (`TTL_S`) so a caller that vanished leaves nothing behind for long.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import redis

TTL_S = 2 * 86400
#: Messages taken from the list per round trip.
POP_MAX = 256


@dataclass
class Message:
    """One push: results of a chunk's devices, and whether the chunk ended with it."""

    chunk: int
    rows: list[list[Any]] = field(default_factory=list)
    end: bool = False
    #: The chunk was not run (its session is not the live one).
    skipped: bool = False
    #: Why the chunk could not run at all (Portuguese, no secret): e.g. IXC failed.
    error: str | None = None
    worker: str = ""

    def dumps(self) -> str:
        return json.dumps(
            {
                "c": self.chunk,
                "r": self.rows,
                "e": self.end,
                "s": self.skipped,
                "x": self.error,
                "w": self.worker,
            },
            separators=(",", ":"),
        )

    @classmethod
    def loads(cls, raw: bytes | str) -> Message:
        d = json.loads(raw)
        return cls(
            chunk=int(d["c"]),
            rows=list(d.get("r") or []),
            end=bool(d.get("e")),
            skipped=bool(d.get("s")),
            error=d.get("x"),
            worker=str(d.get("w") or ""),
        )


def new_session() -> str:
    return uuid.uuid4().hex[:12]


class RunBus:
    def __init__(self, client: redis.Redis, run_id: str, kind: str, session: str) -> None:
        self.client = client
        self.session = session
        base = f"cpe:run:{run_id}:{kind}:"
        self.session_key = base + "session"
        self.out_key = f"{base}{session}:out"
        self.done_key = f"{base}{session}:done"

    # -- caller -----------------------------------------------------------------------------

    def open(self) -> None:
        self.client.set(self.session_key, self.session, ex=TTL_S)

    def stop(self) -> None:
        """Workers skip this session's chunks from now on (running ones finish)."""
        self.client.set(self.session_key, f"{self.session}:stop", ex=TTL_S)

    def close(self) -> None:
        self.client.delete(self.session_key, self.out_key, self.done_key)

    def alive(self) -> bool:
        """False when Redis lost the session (restarted without its data)."""
        return bool(self.client.exists(self.session_key))

    def pop(self, timeout_s: float) -> list[Message]:
        """What workers pushed, waiting up to `timeout_s` for the first message."""
        first = self.client.blpop([self.out_key], timeout=timeout_s)
        if first is None:
            return []
        raws: list[bytes | str] = [first[1]]
        more = self.client.lpop(self.out_key, POP_MAX)
        if isinstance(more, list):
            raws += more
        return [Message.loads(r) for r in raws]

    # -- worker -----------------------------------------------------------------------------

    def check(self, keys: list[str]) -> tuple[bool, list[bool]]:
        """Whether this session is live, and which of `keys` it already has results for."""
        pipe = self.client.pipeline(transaction=False)
        pipe.get(self.session_key)
        if keys:
            pipe.smismember(self.done_key, keys)
        got = pipe.execute()
        live = got[0] is not None and got[0].decode() == self.session
        done = [bool(x) for x in got[1]] if keys else []
        return live, done

    def push(self, message: Message, keys: list[str]) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.rpush(self.out_key, message.dumps())
        pipe.expire(self.out_key, TTL_S)
        if keys:
            pipe.sadd(self.done_key, *keys)
            pipe.expire(self.done_key, TTL_S)
        pipe.execute()
