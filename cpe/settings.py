"""Settings: environment first (CPE_*), then `CPE_HOME/settings.json` (written by the lab)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_home() -> Path:
    return Path(os.environ.get("CPE_HOME") or Path.home() / ".cpe")


#: Host-wide device locks and failure ledger: outside every CPE_HOME, so two homes on one
#: machine share them; /var/tmp survives a reboot (a device's failure history must).
DEFAULT_LOCK_DIR = Path("/var/tmp/cpe-toolkit")  # noqa: S108 - checked in cpe.coord.lockdir


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CPE_", extra="ignore")

    home: Path = Field(default_factory=default_home)
    ixc_url: str | None = None
    #: "user_id:token"; in the lab it lives in the vault instead of the environment.
    ixc_token: SecretStr | None = None
    vault_key: SecretStr | None = None
    #: CSV inventory for sites without IXC API access.
    inventory_csv: Path | None = None
    dns_primary: str = "1.1.1.1"
    dns_secondary: str = "1.0.0.1"
    #: Optical RX thresholds (dBm). GPON class B+ receivers lose margin near -27 dBm.
    optical_warn_dbm: float = -25.0
    optical_crit_dbm: float = -27.0
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 15.0
    wan_restart_timeout_s: float = 90.0
    #: Pause after a PPPoE write before polling the port (it may answer briefly).
    wan_settle_s: float = 2.0
    #: After the port is back, how long to keep re-reading until the WAN is up.
    wan_up_wait_s: float = 30.0
    #: CLI ports used when a model's web UI does not answer (Zyxel ZySH).
    ssh_port: int = 22
    telnet_port: int = 23
    audit_concurrency: int = 32
    #: Worker processes of `cpe audit` (cpe.shards): two cores, two GILs.
    audit_processes: int = Field(default_factory=lambda: min(2, os.cpu_count() or 1))
    fix_concurrency: int = 8
    #: The provider's time zone: report, page and
    #: `cpe schedule` cron times are in it (IANA name).
    timezone: str = "America/Sao_Paulo"
    #: Seconds after which a task held by a worker that vanished goes to another worker
    #: (Redis visibility timeout). Longer than a chunk ever takes; see docs/deploy.md.
    broker_visibility_s: float = 900.0
    #: Who is acting, recorded in the journal (the service sets the logged-in user; the
    #: CLI records the operating-system user and host, e.g. "maria@atendimento-3").
    operator: str | None = None
    #: Device locks and the local failure ledger, shared by every home on this host.
    lock_dir: Path = DEFAULT_LOCK_DIR
    #: Redis (redis://host:6379/0) for Celery workers, device locks, the failure ledger
    #: and rate limits across hosts; unset: everything in process, no server (`make demo`).
    broker_url: str | None = None
    #: With a broker: a holder that dies frees its device within this many seconds (it
    #: renews its hold every third of it). Shorter than the audit's 20 s wait for a busy
    #: device, so a chunk redelivered after a worker's crash finds its devices free.
    lock_ttl_s: float = 15.0
    #: How long a read (status, the agent page) waits for the device's one session.
    read_wait_s: float = 30.0
    #: How long a write waits for a read in progress (a second write is refused at once).
    write_wait_s: float = 60.0

    @property
    def settings_file(self) -> Path:
        return self.home / "settings.json"

    @property
    def vault_file(self) -> Path:
        return self.home / "vault.bin"

    @property
    def key_file(self) -> Path:
        return self.home / "vault.key"

    @property
    def journal_file(self) -> Path:
        return self.home / "journal.sqlite3"

    @property
    def lab_file(self) -> Path:
        return self.home / "lab.json"


def load_settings(**overrides: Any) -> Settings:
    """Environment wins; values the lab wrote to settings.json fill the gaps."""
    settings = Settings(**overrides)
    path = settings.settings_file
    if path.exists():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        env_set = {k.removeprefix("CPE_").lower() for k in os.environ if k.startswith("CPE_")}
        fill = {
            k: v
            for k, v in stored.items()
            if k in Settings.model_fields and k not in env_set and k not in overrides
        }
        if fill:
            settings = Settings(**{**fill, **overrides})
    return settings


def write_settings(home: Path, values: dict[str, Any]) -> None:
    """Merge non-secret values into settings.json (owner-only permissions)."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = home / "settings.json"
    current: dict[str, Any] = {}
    if path.exists():
        try:
            current = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            current = {}
    current.update(values)
    current = {k: v for k, v in current.items() if v is not None}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(current, fh, indent=2)
    os.replace(tmp, path)


def clear_settings(home: Path, keys: list[str]) -> None:
    path = home / "settings.json"
    if not path.exists():
        return
    current = json.loads(path.read_text(encoding="utf-8"))
    for k in keys:
        current.pop(k, None)
    if current:
        write_settings(home, current)
    else:
        path.unlink()
