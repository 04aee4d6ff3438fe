"""Session keys a driver draws at random, pinned so a recording can be replayed.

TP-Link and Zyxel drivers pick a fresh AES key per login and the device encrypts its
answers with it, so recorded answers only decrypt under the key of the recorded session.
During a capture we wrap the family's key generator and write down what it returned;
during a replay the same name hands those keys back, in order. The keys are stored in
capture.json: everything they protected has been decrypted, scrubbed and re-encrypted,
so they unlock nothing secret.

The generator is swapped at module level for the duration of one capture or replay: not
for use while other threads run the same driver family (the service never captures).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cpe.capture.fixture import ReplayMismatch

__all__ = ["KeyPin", "recording", "replaying"]

# Re-entrant: nesting in one thread is harmless; other threads wait their turn.
_LOCK = threading.RLock()


@dataclass(frozen=True)
class KeyPin:
    #: Name in capture.json (`pins`).
    name: str
    #: "module:function" the driver calls for a fresh key.
    target: str
    #: Generator output → JSON value, and back.
    dump: Callable[[Any], Any]
    load: Callable[[Any], Any]


def _resolve(target: str) -> tuple[Any, str]:
    module_name, _, attr = target.partition(":")
    return importlib.import_module(module_name), attr


@contextmanager
def _patched(pins: Sequence[KeyPin], make: Callable[[KeyPin, Any], Any]) -> Iterator[None]:
    with _LOCK:
        saved = []
        try:
            for pin in pins:
                module, attr = _resolve(pin.target)
                original = getattr(module, attr)
                saved.append((module, attr, original))
                setattr(module, attr, make(pin, original))
            yield
        finally:
            for module, attr, original in reversed(saved):
                setattr(module, attr, original)


@contextmanager
def recording(pins: Sequence[KeyPin]) -> Iterator[dict[str, list[Any]]]:
    """Yields {pin name: [dumped values]}, filled as the driver draws keys."""
    seen: dict[str, list[Any]] = {p.name: [] for p in pins}

    def make(pin: KeyPin, original: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            value = original(*args, **kwargs)
            seen[pin.name].append(pin.dump(value))
            return value

        return wrapper

    with _patched(pins, make):
        yield seen


@contextmanager
def replaying(pins: Sequence[KeyPin], values: dict[str, list[Any]]) -> Iterator[None]:
    def make(pin: KeyPin, original: Any) -> Any:
        queue = list(values.get(pin.name, []))

        def feed(*args: Any, **kwargs: Any) -> Any:
            if not queue:
                raise ReplayMismatch(f"the driver drew more {pin.name} keys than recorded")
            return pin.load(queue.pop(0))

        return feed

    with _patched(pins, make):
        yield
