"""`cpe user …` and `cpe serve --help`: users and tokens from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cpe.cli import app
from cpe.service.store import Role, UserStore
from cpe.settings import load_settings


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CPE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_user_add_token_list(home: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(
        app, ["user", "add", "Carla", "--role", "tecnico"], input="senha-da-carla\n"
    )
    assert added.exit_code == 0, added.output
    store = UserStore(load_settings().journal_file)
    assert store.authenticate("carla", "senha-da-carla") is not None
    user = store.user("carla")
    assert user is not None and user.role is Role.TECNICO
    token = runner.invoke(app, ["user", "token", "carla", "--label", "relatórios"])
    assert token.exit_code == 0
    printed = token.stdout.strip().splitlines()[0]
    assert printed.startswith("cpe_")
    assert store.user_for_token(printed) is not None
    listed = runner.invoke(app, ["user", "list"])
    assert "carla" in listed.stdout and "tecnico" in listed.stdout
    assert printed not in listed.stdout
    assert "senha-da-carla" not in listed.stdout + added.output


def test_user_add_refuses_bad_role_and_short_password(home: Path) -> None:
    runner = CliRunner()
    bad_role = runner.invoke(
        app, ["user", "add", "zeca", "--role", "chefe"], input="senha-longa-1\n"
    )
    assert bad_role.exit_code == 2
    short = runner.invoke(app, ["user", "add", "zeca"], input="curta\n")
    assert short.exit_code == 2
    assert "10 caracteres" in short.output


def test_serve_help_shows_host_and_port() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output
    assert "127.0.0.1" in result.output and "8080" in result.output
