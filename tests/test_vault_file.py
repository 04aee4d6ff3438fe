"""The vault file (cpe/vault.py, vault_format, vault_keys, vault_storage): encryption,
missing/wrong keys, tampered, corrupt and truncated files, key precedence and file
permissions, and atomic saves (failed replace, SIGKILL mid-write, concurrent writers).

Records, candidates and `cpe vault` are in test_vault_entries.py. All passwords here are
made up.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cpe import vault_format
from cpe.errors import VaultError
from cpe.settings import Settings
from cpe.vault import Vault
from tests.vault_helpers import _clean_env as _clean_env
from tests.vault_helpers import env_settings, plain, pw
from tests.vault_helpers import filled as filled
from tests.vault_helpers import settings as settings

# --- encryption ---------------------------------------------------------------------


def test_file_is_encrypted_and_repr_hides_secrets(settings: Settings, filled: Vault) -> None:
    blob = settings.vault_file.read_bytes()
    for raw in (b"zy-one", b"mc-two", b"token-de-teste", b"admin", b"zyxel"):
        assert raw not in blob
    text = repr(filled) + str(filled) + repr(filled.credential_for("zyxel"))
    text += repr(filled.entries())
    for secret in ("zy-one", "zy-two", "mc-one", "token-de-teste"):
        assert secret not in text
    assert "models=2" in repr(filled)


# --- errors: missing, wrong key, tampered -------------------------------------------


def test_missing_vault(settings: Settings) -> None:
    with pytest.raises(VaultError) as exc:
        Vault.open(settings)
    assert "cofre não encontrado" in exc.value.pt()
    assert "cpe vault init" in exc.value.pt()


def test_init_refuses_to_overwrite(settings: Settings, filled: Vault) -> None:
    key_before = settings.key_file.read_bytes()
    with pytest.raises(VaultError, match="--force"):
        Vault.init(settings)
    assert Vault.open(settings).credential_for("zyxel").username == "admin"
    Vault.init(settings, force=True)
    assert Vault.open(settings).entries() == []
    assert settings.key_file.read_bytes() == key_before  # the key is never replaced


def test_missing_key_file(settings: Settings, filled: Vault) -> None:
    settings.key_file.unlink()
    with pytest.raises(VaultError) as exc:
        Vault.open(settings)
    assert "chave do cofre não encontrada" in str(exc.value)
    assert "CPE_VAULT_KEY" in str(exc.value)


def test_wrong_key_file(settings: Settings, filled: Vault) -> None:
    settings.key_file.write_text("outra-chave-qualquer-de-teste\n")
    with pytest.raises(VaultError) as exc:
        Vault.open(settings)
    assert "chave incorreta" in str(exc.value)
    assert "outra-chave" not in str(exc.value)


def test_wrong_env_key(tmp_path: Path) -> None:
    v = Vault.init(env_settings(tmp_path))
    v.set_model("zyxel", "admin", pw("zy-one"))
    v.save()
    with pytest.raises(VaultError) as exc:
        Vault.open(env_settings(tmp_path, "uma-chave-errada-mas-comprida"))
    assert "chave incorreta" in str(exc.value)
    assert "CPE_VAULT_KEY" in str(exc.value)
    assert "errada" not in str(exc.value)
    assert plain(Vault.open(env_settings(tmp_path)).credential_for("zyxel").passwords) == ["zy-one"]


def test_short_env_key_refused_at_init(tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="curta demais"):
        Vault.init(env_settings(tmp_path, "curta"))


def test_every_flipped_byte_is_detected(settings: Settings, filled: Vault) -> None:
    original = settings.vault_file.read_bytes()
    for i in range(len(original)):
        bad = bytearray(original)
        bad[i] ^= 0x01
        settings.vault_file.write_bytes(bytes(bad))
        with pytest.raises(VaultError):
            Vault.open(settings)
    settings.vault_file.write_bytes(original)
    assert Vault.open(settings).credential_for("zyxel").username == "admin"


def test_tampered_ciphertext_with_fixed_checksum(settings: Settings, filled: Vault) -> None:
    """An attacker who also rewrites the SHA-256 trailer is still caught by GCM."""
    blob = bytearray(settings.vault_file.read_bytes())
    blob[-40] ^= 0xFF  # inside the ciphertext/tag
    body = bytes(blob[:-32])
    settings.vault_file.write_bytes(body + hashlib.sha256(body).digest())
    with pytest.raises(VaultError) as exc:
        Vault.open(settings)
    assert "adulterado" in str(exc.value)


def test_corrupt_and_truncated_files(settings: Settings, filled: Vault) -> None:
    blob = settings.vault_file.read_bytes()
    settings.vault_file.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(VaultError, match="corrompido"):
        Vault.open(settings)
    settings.vault_file.write_bytes(b"not a vault at all")
    with pytest.raises(VaultError, match="não é um cofre"):
        Vault.open(settings)


def test_unknown_version(settings: Settings, filled: Vault) -> None:
    body = bytearray(settings.vault_file.read_bytes()[:-32])
    body[len(vault_format.MAGIC)] = 9
    settings.vault_file.write_bytes(bytes(body) + hashlib.sha256(body).digest())
    with pytest.raises(VaultError, match="versão 9"):
        Vault.open(settings)


# --- keys and permissions ---------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_created_owner_only(settings: Settings) -> None:
    old = os.umask(0o022)
    try:
        settings.home.mkdir(mode=0o755)
        os.chmod(settings.home, 0o755)  # noqa: S103 - init must tighten an open home
        v = Vault.init(settings)
        assert mode(settings.home) == 0o700
        assert mode(settings.key_file) == 0o600
        assert mode(settings.vault_file) == 0o600
        v.set_model("zyxel", "admin", pw("zy-one"))
        v.save()  # os.replace'd file keeps 0600
        assert mode(settings.vault_file) == 0o600
        assert not list(settings.home.glob("*.tmp"))
    finally:
        os.umask(old)


def test_open_key_file_refused(settings: Settings, filled: Vault) -> None:
    os.chmod(settings.key_file, 0o644)
    with pytest.raises(VaultError, match="chmod 600"):
        Vault.open(settings)


def test_env_key_wins_over_key_file(tmp_path: Path, settings: Settings) -> None:
    # Made with the env key: no key file is created, and a stray one is ignored.
    v = Vault.init(env_settings(tmp_path))
    assert v.key_source == "env"
    assert not settings.key_file.exists()
    v.set_model("zyxel", "admin", pw("zy-one"))
    v.save()
    fd = os.open(settings.key_file, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"uma-chave-de-arquivo-que-nao-serve\n")
    os.close(fd)
    assert Vault.open(env_settings(tmp_path)).key_source == "env"
    with pytest.raises(VaultError, match="chave incorreta"):
        Vault.open(settings)  # without the env key, the (wrong) file is used


def test_env_key_overrides_a_good_key_file(tmp_path: Path, settings: Settings) -> None:
    Vault.init(settings)
    assert settings.key_file.exists()
    with pytest.raises(VaultError, match="CPE_VAULT_KEY"):
        Vault.open(env_settings(tmp_path, "uma-chave-de-ambiente-diferente"))
    # The key file's content works as CPE_VAULT_KEY (moving the key off the disk).
    exported = settings.key_file.read_text().strip()
    assert Vault.open(env_settings(tmp_path, exported)).key_source == "env"


def test_empty_env_key_counts_as_unset(tmp_path: Path, settings: Settings) -> None:
    Vault.init(settings)
    assert Vault.open(env_settings(tmp_path, "  ")).key_source == "file"


# --- atomic save ------------------------------------------------------------------------


def test_failed_replace_keeps_old_vault(
    settings: Settings, filled: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    filled.set_model("zyxel", "new-user", pw("new-one"))

    def boom(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        filled.save()
    monkeypatch.undo()
    old = Vault.open(settings).credential_for("zyxel")
    assert (old.username, plain(old.passwords)) == ("admin", ["zy-one", "zy-two"])
    assert not list(settings.home.glob(".vault.bin.*"))  # temp file cleaned up


def test_kill_mid_write_keeps_old_vault(settings: Settings, filled: Vault) -> None:
    """A real crash: the child process is SIGKILLed halfway through writing the new file."""
    script = textwrap.dedent(
        """
        import os, signal, sys
        from pathlib import Path
        from pydantic import SecretStr
        from cpe import vault as vm, vault_storage
        from cpe.settings import Settings

        v = vm.Vault.open(Settings(home=Path(sys.argv[1]), vault_key=None))
        v.set_model("zyxel", "new-user", [SecretStr("new-one")])
        real_write = os.write

        def half_then_die(fd, data):
            real_write(fd, bytes(data[: len(data) // 2]))
            os.kill(os.getpid(), signal.SIGKILL)

        vault_storage.os.write = half_then_die
        v.save()
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("CPE_VAULT_KEY", None)
    proc = subprocess.run(
        [sys.executable, "-c", script, str(settings.home)], env=env, timeout=60, check=False
    )
    assert proc.returncode == -9
    assert list(settings.home.glob(".vault.bin.*.tmp"))  # the half-written temp file
    v = Vault.open(settings)
    old = v.credential_for("zyxel")
    assert (old.username, plain(old.passwords)) == ("admin", ["zy-one", "zy-two"])
    v.set_model("zyxel", "admin", pw("zy-three"))
    v.save()  # a leftover temp file does not get in the way
    assert plain(Vault.open(settings).credential_for("zyxel").passwords) == ["zy-three"]


def test_concurrent_change_is_not_lost(settings: Settings, filled: Vault) -> None:
    a = Vault.open(settings)
    b = Vault.open(settings)
    a.set_model("zte-onu", "admin", pw("zte-one"))
    a.save()
    b.set_model("tplink-onu", "admin", pw("tp-one"))
    with pytest.raises(VaultError, match="outro processo"):
        b.save()
    assert Vault.open(settings).credential_for("zte-onu").username == "admin"
