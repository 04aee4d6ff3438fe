"""Shared set-up for the vault tests (test_vault_file.py, test_vault_entries.py).

A clean environment (no CPE_VAULT_KEY, CPE_HOME in tmp_path, cheap scrypt), settings, a
filled vault, and made-up passwords; the canary is planted to prove no output shows it.

Test modules import the fixtures as `from tests.vault_helpers import settings as settings`:
pytest finds them in the module, and the redundant alias marks a deliberate re-export, so
ruff does not report the fixture arguments as redefinitions (F811).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from cpe import vault_keys
from cpe.settings import Settings
from cpe.vault import Vault

CANARY = "canary-Xq7!pw-0042"
ENV_KEY = "uma-chave-de-teste-bem-comprida"


def pw(*values: str) -> list[SecretStr]:
    return [SecretStr(v) for v in values]


def plain(cred_passwords: tuple[SecretStr, ...]) -> list[str]:
    return [p.get_secret_value() for p in cred_passwords]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CPE_VAULT_KEY", raising=False)
    monkeypatch.setenv("CPE_HOME", str(tmp_path / "home"))
    # Cheaper scrypt for the tests that use CPE_VAULT_KEY; the format records the cost.
    monkeypatch.setattr(vault_keys, "SCRYPT_N", 2**12)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", vault_key=None)


def env_settings(tmp_path: Path, key: str = ENV_KEY) -> Settings:
    return Settings(home=tmp_path / "home", vault_key=SecretStr(key))


@pytest.fixture
def filled(settings: Settings) -> Vault:
    v = Vault.init(settings)
    v.set_model("zyxel", "admin", pw("zy-one", "zy-two"))
    v.set_model("mercusys-ac12g", None, pw("mc-one", "mc-two"))
    v.set_secret("ixc_token", SecretStr("42:token-de-teste"))
    v.save()
    return v
