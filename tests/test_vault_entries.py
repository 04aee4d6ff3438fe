"""The vault's records and `cpe vault` (cpe/vault.py, cpe/cli/vault_cmd.py): round trip,
candidate lists (order, duplicates, cap), per-device overrides, missing models, and the CLI
(init, add, import, set-secret, list), which never shows or takes a password on argv.

The file format, keys and crash safety are in test_vault_file.py. All passwords here are
made up; the canary is planted to prove no output shows it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cpe.cli import vault_cmd
from cpe.errors import InputError, VaultError
from cpe.settings import Settings
from cpe.vault import MAX_CANDIDATES, Vault
from tests.vault_helpers import CANARY, ENV_KEY, plain, pw
from tests.vault_helpers import _clean_env as _clean_env
from tests.vault_helpers import filled as filled
from tests.vault_helpers import settings as settings

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
