"""The lab's configuration, apart from the daemon so that `cpe lab up` (and every other
`cpe` command, through the CLI's imports) does not load aiohttp and the simulators."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, SecretStr


class LabConfig(BaseModel):
    home: Path
    size: int = 16
    seed: int = 2389
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    admin_password: SecretStr | None = None
    wan_restart_s: float = 3.0
    ssh_port: int = 22
    telnet_port: int = 23
    #: Restrict the fleet to these model keys (None: every available family). Benchmarks
    #: use it to measure one protocol at a time.
    models: list[str] | None = None
