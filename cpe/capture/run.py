"""Capture one device's `get_status()` into a fixture folder, and replay such folders.

    record()  drive the real driver through recording seams (read-only guard on)
    save()    scrub twice (discover, then replace), write, replay to check the result
              equals the live status, and grep the folder for every secret: any failure
              removes the folder
    replay()  the driver again, on recorded answers only
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from cpe.capture import pins as pin_mod
from cpe.capture.fixture import (
    CaptureMeta,
    Fixture,
    ReadOnlyViolation,
    ReplayMismatch,
)
from cpe.capture.profiles import CliProfile, HttpProfile, profile_for
from cpe.capture.recorder import RecordingAdapter, RecordingChannelFactory
from cpe.capture.replay import ReplayAdapter, ReplayChannelFactory
from cpe.capture.scrub import MIN_VALUE_LEN, Scrubber, variants
from cpe.coord.base import FailureLedger
from cpe.errors import CpeError
from cpe.models import Credential, DeviceStatus, Target, Timeouts, Transport
from drivers.base import Driver
from drivers.http import make_session
from drivers.registry import driver_class

__all__ = [
    "CaptureResult", "Seam", "record", "recording_driver", "replay", "replay_folder", "save",
]

#: Any password will do on replay: the recorded answers already said "logged in".
REPLAY_PASSWORD = "scrubbedReplay0"  # noqa: S105 - not a secret
#: RFC 5737 documentation address: replay never opens a socket, this only fills URLs.
REPLAY_HOST = "192.0.2.1"
_WRITES = ("set_pppoe", "set_dns", "set_wifi")


class LeakFound(CpeError):
    kind = "capture_leak"
    pt_template = "A captura ainda continha um segredo ({message}); a pasta foi apagada."
    next_step_pt = "Avise o desenvolvedor da família: falta uma regra de limpeza."


@dataclass
class CaptureResult:
    fixture: Fixture
    status: DeviceStatus
    #: The secret values scrubbed, kept in memory for the leak check only.
    secrets: list[str] = field(repr=False, default_factory=list)


def _refuse(name: str) -> Callable[..., None]:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ReadOnlyViolation(f"{name} numa captura", operation="capture")

    return refuse


@dataclass
class Seam:
    """The recording seam around one driver: its exchanges and drawn keys so far."""

    driver: Driver
    profile: HttpProfile | CliProfile
    pins: dict[str, list[Any]]
    adapter: RecordingAdapter | None = None
    factory: RecordingChannelFactory | None = None

    @property
    def exchanges(self) -> list[Any]:
        if self.adapter is not None:
            return list(self.adapter.exchanges)
        return list(self.factory.exchanges) if self.factory is not None else []


@contextmanager
def recording_driver(
    target: Target,
    credential: Credential,
    *,
    timeouts: Timeouts | None = None,
    cli_factory: Callable[..., Any] | None = None,
    ledger: FailureLedger | None = None,
) -> Iterator[Seam]:
    """A driver whose every request goes through the family's read-only guard and is
    recorded. Its write methods refuse outright (the guard also refuses on the wire)."""
    cls = driver_class(target.model, target.transport)
    profile = profile_for(cls, target.transport is not Transport.HTTP)
    key_pins = profile.pins if isinstance(profile, HttpProfile) else ()
    with pin_mod.recording(key_pins) as drawn:
        if isinstance(profile, HttpProfile):
            session = make_session()
            http_profile = profile
            adapter = RecordingAdapter(lambda msg: http_profile.guard(msg, drawn))
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            seam = Seam(cls(target, credential, timeouts=timeouts, session=session), profile,
                        drawn, adapter=adapter)
        else:
            factory = RecordingChannelFactory(cli_factory or profile.connect, profile.guard)
            seam = Seam(cls(target, credential, timeouts=timeouts, session=factory), profile,
                        drawn, factory=factory)
        for name in _WRITES:
            setattr(seam.driver, name, _refuse(name))
        seam.driver.ledger = ledger  # a capture's login counts like any other
        yield seam


def record(
    target: Target,
    credential: Credential,
    *,
    known_secrets: Sequence[tuple[str, str]] = (),
    source: str = "device",
    timeouts: Timeouts | None = None,
    cli_factory: Callable[..., Any] | None = None,
    ledger: FailureLedger | None = None,
) -> CaptureResult:
    """Open, read the status, close: nothing else reaches the device."""
    with recording_driver(
        target, credential, timeouts=timeouts, cli_factory=cli_factory, ledger=ledger
    ) as seam, seam.driver as drv:
        status = drv.get_status()
    s = Scrubber()
    s.register_all((p.get_secret_value(), "password") for p in credential.passwords)
    s.register_all(known_secrets)
    drawn = {k: list(v) for k, v in seam.pins.items()}
    profile = seam.profile
    if isinstance(profile, HttpProfile):
        profile.scrub(seam.exchanges, s, drawn)  # pass 1: learn every secret
        exchanges: list[Any] = profile.scrub(seam.exchanges, s, drawn)
    else:
        profile.scrub(seam.exchanges, s)
        exchanges = profile.scrub(seam.exchanges, s)
    meta = CaptureMeta(
        model=target.model,
        transport=str(target.transport),
        family=profile.family,
        source=source,
        captured_at=datetime.now(UTC).isoformat(timespec="seconds"),
        username=credential.username,
        pins=drawn,
        scrubbed=s.kinds_summary(),
        notes=list(profile.notes),
    )
    fixture = Fixture(meta, exchanges, status.model_dump(mode="json"))
    return CaptureResult(fixture, status, s.values)


def replay(fixture: Fixture) -> DeviceStatus:
    meta = fixture.meta
    transport = Transport(meta.transport)
    cls = driver_class(meta.model, transport)
    profile = profile_for(cls, transport is not Transport.HTTP)
    target = Target(
        host=REPLAY_HOST, model=meta.model, transport=transport,
        cli_port=None if transport is Transport.HTTP else 22,
    )
    cred = Credential(username=meta.username, passwords=(SecretStr(REPLAY_PASSWORD),))
    fast = Timeouts(connect_s=1.0, read_s=1.0, wan_restart_s=1.0, wan_settle_s=0.0)
    pins = profile.pins if isinstance(profile, HttpProfile) else ()
    with pin_mod.replaying(pins, meta.pins):
        feed: ReplayAdapter | ReplayChannelFactory
        if isinstance(profile, HttpProfile):
            session = make_session()
            feed = ReplayAdapter(fixture.http(), profile.volatile_params)
            session.mount("http://", feed)
            session.mount("https://", feed)
            drv: Driver = cls(target, cred, timeouts=fast, session=session)
        else:
            feed = ReplayChannelFactory(fixture.cli())
            drv = cls(target, cred, timeouts=fast, session=feed)
        with drv:
            status = drv.get_status()
        feed.assert_exhausted()
    return status


def replay_folder(folder: Path) -> tuple[DeviceStatus, dict[str, Any]]:
    """(status parsed from the replay, expected_status.json)."""
    fixture = Fixture.read(folder)
    return replay(fixture), fixture.expected


def leaks(folder: Path, fixture: Fixture, secrets: Sequence[str]) -> list[str]:
    """Files (or decrypted bodies) still holding a secret, named by kind only."""
    profile = profile_for(
        driver_class(fixture.meta.model, Transport(fixture.meta.transport)),
        fixture.meta.transport != "http",
    )
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}
    if isinstance(profile, HttpProfile):
        plain = profile.plaintexts(fixture.http(), fixture.meta.pins)
        texts["corpos decifrados"] = "\n".join(plain)
    found = []
    for name, text in texts.items():
        for value in secrets:
            if len(value) >= MIN_VALUE_LEN and any(v in text for v, _ in variants(value, "")):
                found.append(name)
                break
    return found


def save(result: CaptureResult, out_root: Path, case: str) -> Path:
    """Write the fixture, then prove it: replay equals the live status, no secret left."""
    fixture = result.fixture
    folder = out_root / fixture.meta.model / case
    if folder.exists():
        raise FileExistsError(folder)
    fixture.write(folder)
    try:
        found = leaks(folder, fixture, result.secrets)
        if found:
            raise LeakFound(", ".join(found), operation="capture")
        replayed = replay(Fixture.read(folder)).model_dump(mode="json")
        if replayed != fixture.expected:
            diff = sorted(k for k in replayed if replayed[k] != fixture.expected.get(k))
            raise ReplayMismatch(
                f"replayed status differs in {', '.join(diff)}", operation="capture"
            )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder

