"""The encrypted credential vault (cpe/vault.py) and `cpe vault` (cpe/cli/vault_cmd.py).

All passwords here are made up; the canary is planted to prove no output shows it.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import typer
from pydantic import SecretStr
from typer.testing import CliRunner

from cpe import vault_format, vault_keys
from cpe.cli import vault_cmd
from cpe.errors import InputError, VaultError
from cpe.settings import Settings
from cpe.vault import MAX_CANDIDATES, Vault

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


# --- round trip ---------------------------------------------------------------------


def test_round_trip(settings: Settings, filled: Vault) -> None:
    again = Vault.open(settings)
    z = again.credential_for("zyxel")
    assert z.username == "admin"
    assert plain(z.passwords) == ["zy-one", "zy-two"]  # order is the try order
    m = again.credential_for("Mercusys-AC12G ")  # keys are normalised
    assert m.username is None
    assert plain(m.passwords) == ["mc-one", "mc-two"]
    token = again.secret("ixc_token")
    assert token is not None and token.get_secret_value() == "42:token-de-teste"
    assert again.secret("missing") is None
    assert [(e.kind, e.name, e.username, e.candidates) for e in again.entries()] == [
        ("model", "mercusys-ac12g", None, 2),
        ("model", "zyxel", "admin", 2),
    ]
    assert again.secret_names() == ["ixc_token"]


def test_file_is_encrypted_and_repr_hides_secrets(settings: Settings, filled: Vault) -> None:
    blob = settings.vault_file.read_bytes()
    for raw in (b"zy-one", b"mc-two", b"token-de-teste", b"admin", b"zyxel"):
        assert raw not in blob
    text = repr(filled) + str(filled) + repr(filled.credential_for("zyxel"))
    text += repr(filled.entries())
    for secret in ("zy-one", "zy-two", "mc-one", "token-de-teste"):
        assert secret not in text
    assert "models=2" in repr(filled)


def test_duplicates_dropped_and_candidates_capped(settings: Settings) -> None:
    v = Vault.init(settings)
    v.set_model("zyxel", "admin", pw("a-1", "b-2", "a-1"))
    assert plain(v.credential_for("zyxel").passwords) == ["a-1", "b-2"]
    with pytest.raises(InputError, match="no máximo"):
        v.set_model("zyxel", "admin", pw(*(f"p{i}" for i in range(MAX_CANDIDATES + 1))))
    with pytest.raises(InputError):
        v.set_model("zyxel", "admin", [])
    with pytest.raises(InputError):
        v.set_model("zyxel", "admin", pw(""))
    with pytest.raises(InputError) as exc:
        v.set_model("looks like " + CANARY, None, pw("x"))
    assert CANARY not in str(exc.value)  # a bad key is not echoed: it may be a password


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


def test_missing_model_is_clear(filled: Vault) -> None:
    with pytest.raises(VaultError) as exc:
        filled.credential_for("zte-onu", "cliente.x")
    assert "zte-onu" in str(exc.value)
    assert "cpe vault add zte-onu" in str(exc.value)
    assert exc.value.model == "zte-onu"


# --- per-device overrides -------------------------------------------------------------


def test_device_override_precedence(settings: Settings, filled: Vault) -> None:
    filled.set_device("cliente.maria", "root", pw("dev-one"), model="zyxel")
    filled.set_device("10.0.0.9", None, pw("any-model"))
    filled.save()
    v = Vault.open(settings)
    own = v.credential_for("zyxel", "cliente.maria")
    assert (own.username, plain(own.passwords)) == ("root", ["dev-one"])
    # Another device of the same model gets the model's credentials.
    assert plain(v.credential_for("zyxel", "cliente.jose").passwords) == ["zy-one", "zy-two"]
    assert plain(v.credential_for("zyxel").passwords) == ["zy-one", "zy-two"]
    # The router was swapped for another model: the old unit's password is not tried.
    swapped = v.credential_for("mercusys-ac12g", "cliente.maria")
    assert plain(swapped.passwords) == ["mc-one", "mc-two"]
    # An override without a model applies whatever the model.
    assert plain(v.credential_for("mercusys-ac12g", "10.0.0.9").passwords) == ["any-model"]
    # Even for a model the vault does not know.
    assert plain(v.credential_for("zte-onu", "10.0.0.9").passwords) == ["any-model"]
    kinds = {(e.kind, e.name, e.model) for e in v.entries()}
    assert ("device", "cliente.maria", "zyxel") in kinds
    assert ("device", "10.0.0.9", None) in kinds


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


# --- CLI ---------------------------------------------------------------------------------

runner = CliRunner()


def cli_app() -> typer.Typer:
    root = typer.Typer()
    root.add_typer(vault_cmd.app, name="vault")

    @root.callback()
    def _root() -> None:
        """Test root."""

    return root


def cli(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli_app(), ["vault", *args], input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_cli_flow_and_list_never_shows_passwords(tmp_path: Path) -> None:
    code, _, err = cli("list")
    assert code == 2 and "cpe vault init" in err
    code, _, err = cli("init")
    assert code == 0 and "vault.key" in err
    code, _, err = cli("add", "zyxel", "--user", "admin", input=f"{CANARY}\nzy-two\n")
    assert code == 0, err
    assert "2 senha(s)" in err
    code, _, err = cli("add", "mercusys-ac12g", input=f"{CANARY}\n")
    assert code == 0, err
    code, _, err = cli("add", "zyxel", "--device", "cliente.ana", input=f"{CANARY}\n")
    assert code == 0, err
    code, _, err = cli("set-secret", "ixc_token", input=f"{CANARY}\n")
    assert code == 0, err

    seen = ""
    for args in (("list",), ("list", "--json")):
        code, stdout, stderr = cli(*args)
        assert code == 0
        seen += stdout + stderr
    assert CANARY not in seen
    assert "zyxel" in seen and "mercusys-ac12g" in seen and "cliente.ana" in seen
    _, stdout, _ = cli("list", "--json")
    doc = json.loads(stdout)
    assert doc["secrets"] == ["ixc_token"]
    by_name = {e["name"]: e for e in doc["entries"]}
    assert by_name["zyxel"] == {
        "kind": "model",
        "name": "zyxel",
        "username": "admin",
        "candidates": 2,
        "model": None,
    }
    assert by_name["mercusys-ac12g"]["username"] is None
    assert by_name["cliente.ana"]["model"] == "zyxel"
    assert CANARY.encode() not in (tmp_path / "home" / "vault.bin").read_bytes()

    v = Vault.open(Settings(home=tmp_path / "home", vault_key=None))
    assert plain(v.credential_for("zyxel").passwords) == [CANARY, "zy-two"]
    token = v.secret("ixc_token")
    assert token is not None and token.get_secret_value() == CANARY


def test_cli_add_takes_passwords_from_stdin_never_argv(tmp_path: Path) -> None:
    assert cli("init")[0] == 0
    # A password on the command line is a usage error, and nothing is stored.
    code, _, _ = cli("add", "zyxel", CANARY, input="zy-one\n")
    assert code == 2
    code, _, _ = cli("add", "zyxel", "--password", CANARY)
    assert code == 2
    settings = Settings(home=tmp_path / "home", vault_key=None)
    assert Vault.open(settings).entries() == []
    # Spaces inside a password are kept; blank lines are skipped; CRLF is handled.
    code, _, err = cli("add", "zyxel", "-u", "admin", input=" with space \r\n\nzy-two\n")
    assert code == 0, err
    got = plain(Vault.open(settings).credential_for("zyxel").passwords)
    assert got == [" with space ", "zy-two"]
    code, _, err = cli("add", "zyxel", input="")
    assert code == 2 and "nenhuma senha" in err


def test_cli_add_hidden_prompt_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["zy-one", "zy-one", "zy-two", "typo", "zy-two", "zy-two", ""])
    prompts: list[tuple[str, bool]] = []

    def fake_prompt(text: str, **kw: object) -> str:
        prompts.append((text, bool(kw.get("hide_input"))))
        return next(answers)

    monkeypatch.setattr(vault_cmd, "_stdin_is_tty", lambda: True)
    monkeypatch.setattr(typer, "prompt", fake_prompt)
    assert plain(tuple(vault_cmd.read_passwords())) == ["zy-one", "zy-two"]
    assert all(hidden for _, hidden in prompts)


def test_cli_errors_exit_2_on_stderr(tmp_path: Path) -> None:
    assert cli("init")[0] == 0
    code, stdout, stderr = cli("init")
    assert code == 2 and "--force" in stderr and stdout == ""
    (tmp_path / "home" / "vault.key").write_text("chave-trocada-de-teste\n")
    code, stdout, stderr = cli("list")
    assert code == 2 and "chave incorreta" in stderr and stdout == ""


def test_cli_import_csv(tmp_path: Path) -> None:
    assert cli("init")[0] == 0
    src = tmp_path / "creds.csv"
    src.write_text(
        "modelo;usuario;senha1;senha2\n"
        "# comentário\n"
        f"zyxel;admin;{CANARY};zy-two\n"
        "mercusys-ac12g;;mc-one;mc-two\n"
        '"mercusys-mr30g";;"semi;colon";\n',
        encoding="utf-8",
    )
    code, stdout, stderr = cli("import", str(src))
    assert code == 0, stderr
    assert "Apague o arquivo" in stderr and str(src) in stderr
    assert CANARY not in stdout + stderr
    v = Vault.open(Settings(home=tmp_path / "home", vault_key=None))
    assert plain(v.credential_for("zyxel").passwords) == [CANARY, "zy-two"]
    assert v.credential_for("mercusys-ac12g").username is None
    assert plain(v.credential_for("mercusys-mr30g").passwords) == ["semi;colon"]


def test_cli_import_json_with_device(tmp_path: Path) -> None:
    assert cli("init")[0] == 0
    src = tmp_path / "creds.json"
    src.write_text(
        json.dumps(
            [
                {"model": "zyxel", "user": "admin", "passwords": ["zy-one", "zy-two"]},
                {"model": "zyxel", "device": "cliente.bia", "passwords": ["dev-one"]},
            ]
        )
    )
    code, _, stderr = cli("import", str(src))
    assert code == 0, stderr
    v = Vault.open(Settings(home=tmp_path / "home", vault_key=None))
    assert plain(v.credential_for("zyxel", "cliente.bia").passwords) == ["dev-one"]


def test_cli_import_is_all_or_nothing_and_quiet_about_content(tmp_path: Path) -> None:
    assert cli("init")[0] == 0
    src = tmp_path / "creds.csv"
    # Third line: columns swapped, a password where the model key goes.
    src.write_text(f"zyxel;admin;zy-one\nmercusys-ac12g;;mc-one\n{CANARY} x;admin;zyxel\n")
    code, stdout, stderr = cli("import", str(src))
    assert code == 2
    assert "linha 3" in stderr
    assert CANARY not in stdout + stderr
    assert Vault.open(Settings(home=tmp_path / "home", vault_key=None)).entries() == []
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('[{"model": "zyxel", "passwords": ["' + CANARY + '"')
    code, stdout, stderr = cli("import", str(bad_json))
    assert code == 2 and "JSON inválido" in stderr and CANARY not in stdout + stderr


def test_cli_set_secret_needs_one_line(tmp_path: Path) -> None:
    assert cli("init")[0] == 0
    code, _, stderr = cli("set-secret", "ixc_token", input="a\nb\n")
    assert code == 2 and "exatamente uma linha" in stderr


def test_cli_init_with_env_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPE_VAULT_KEY", ENV_KEY)
    code, _, stderr = cli("init")
    assert code == 0 and "CPE_VAULT_KEY" in stderr
    assert not (tmp_path / "home" / "vault.key").exists()
    assert ENV_KEY not in stderr
