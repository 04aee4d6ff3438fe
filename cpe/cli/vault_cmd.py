"""`cpe vault`: create the credential vault, add and list device logins, import, secrets.

Secrets never come from argv (it shows in `ps` and in shell history): passwords and
tokens are read from a hidden prompt, or from stdin, one per line, when stdin is not a
terminal (`printf '%s\\n' "$PW1" "$PW2" | cpe vault add zyxel --user admin`).
`import FILE` takes a path on argv; the secrets are inside the file.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import SecretStr
from rich.table import Table

from cpe.cli.output import emit_json, fail, info, out
from cpe.errors import CpeError, InputError
from cpe.settings import load_settings
from cpe.vault import MAX_CANDIDATES, Vault

app = typer.Typer(
    name="vault",
    help="Cofre de senhas dos equipamentos (criptografado em CPE_HOME).",
    no_args_is_help=True,
)


@contextmanager
def _cli_errors() -> Iterator[None]:
    """Every toolkit error becomes its Portuguese message on stderr and its exit code."""
    try:
        yield
    except CpeError as exc:
        fail(exc)


def _stdin_is_tty() -> bool:
    isatty = getattr(sys.stdin, "isatty", None)
    return bool(isatty and isatty())


def _stdin_lines() -> list[str]:
    # Only the line break is removed: spaces (and any other character) may be part of a
    # password, so no str.splitlines(), which also splits on \f, \v, \x1c, U+2028…
    return [line.removesuffix("\r") for line in sys.stdin.read().split("\n")]


def read_passwords() -> list[SecretStr]:
    """Candidate passwords, in order: hidden prompt on a terminal, else stdin lines."""
    if not _stdin_is_tty():
        found = [SecretStr(line) for line in _stdin_lines() if line]
        if not found:
            raise InputError(
                "nenhuma senha recebida na entrada padrão (uma por linha)",
                operation="vault add",
            )
        return found
    info(f"Digite as senhas candidatas na ordem de tentativa (até {MAX_CANDIDATES}).")
    found = []
    while len(found) < MAX_CANDIDATES:
        n = len(found) + 1
        first: str = typer.prompt(
            f"Senha candidata {n} (Enter vazio para terminar)",
            default="",
            show_default=False,
            hide_input=True,
        )
        if not first:
            if found:
                break
            info("Informe ao menos uma senha.")
            continue
        again: str = typer.prompt(f"Repita a senha {n}", hide_input=True)
        if again != first:
            info("As senhas não conferem; digite de novo.")
            continue
        found.append(SecretStr(first))
    return found


def read_secret(name: str) -> SecretStr:
    if _stdin_is_tty():
        value: str = typer.prompt(
            f"Valor de {name}", hide_input=True, confirmation_prompt="Repita o valor"
        )
    else:
        lines = [line for line in _stdin_lines() if line]
        if len(lines) != 1:
            raise InputError(
                "envie o valor do segredo em exatamente uma linha na entrada padrão",
                operation="vault set-secret",
            )
        value = lines[0]
    if not value:
        raise InputError("o segredo não pode ser vazio", operation="vault set-secret")
    return SecretStr(value)


# --- commands ------------------------------------------------------------------------


@app.command("init")
def init(
    force: Annotated[
        bool,
        typer.Option("--force", help="Substitui um cofre existente (as senhas dele se perdem)."),
    ] = False,
) -> None:
    """Cria um cofre vazio (e a chave em CPE_HOME/vault.key, se CPE_VAULT_KEY não existir)."""
    settings = load_settings()
    key_existed = settings.key_file.exists()
    with _cli_errors():
        vault = Vault.init(settings, force=force)
    info(f"Cofre criado em {vault.path} (permissão 0600).")
    if vault.key_source == "env":
        info("Chave: variável CPE_VAULT_KEY (nenhum arquivo de chave criado).")
    elif key_existed:
        info(f"Chave: o arquivo existente {settings.key_file} foi mantido.")
    else:
        info(
            f"Chave nova gravada em {settings.key_file} (permissão 0600). "
            "Guarde uma cópia em lugar seguro: sem ela o cofre não abre."
        )


@app.command("add")
def add(
    model: Annotated[str, typer.Argument(help="Chave do modelo, ex.: zyxel, mercusys-ac12g.")],
    user: Annotated[
        str | None,
        typer.Option("--user", "-u", help="Usuário admin (omita se o modelo não tem usuário)."),
    ] = None,
    device: Annotated[
        str | None,
        typer.Option("--device", "-d", help="Exceção para um equipamento (login PPPoE ou host)."),
    ] = None,
) -> None:
    """Grava as senhas candidatas de um modelo (ou de um equipamento, com --device).

    Senhas: prompt oculto ou entrada padrão (uma por linha); nunca na linha de comando.
    """
    settings = load_settings()
    with _cli_errors():
        vault = Vault.open(settings)  # before the prompt: fail fast on a missing vault
        passwords = read_passwords()
        if device is None:
            vault.set_model(model, user, passwords)
        else:
            vault.set_device(device, user, passwords, model=model)
        vault.save()
        count = len(vault.credential_for(model, device).passwords)
    where = f"Equipamento {device.strip()}" if device is not None else f"Modelo {model.strip()}"
    info(f"{where}: {count} senha(s) candidata(s) gravada(s) no cofre.")


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Um documento JSON no stdout.")] = False,
) -> None:
    """Lista modelos, exceções por equipamento e nomes de segredos (nunca as senhas)."""
    settings = load_settings()
    with _cli_errors():
        vault = Vault.open(settings)
    entries = vault.entries()
    names = vault.secret_names()
    if as_json:
        emit_json(
            {
                "entries": [e.model_dump(mode="json") for e in entries],
                "secrets": names,
            }
        )
        return
    if not entries and not names:
        info("O cofre está vazio: cadastre com `cpe vault add MODELO` ou `cpe vault import`.")
        return
    table = Table(title="Cofre de senhas")
    table.add_column("Tipo")
    table.add_column("Nome")
    table.add_column("Usuário")
    table.add_column("Senhas candidatas", justify="right")
    table.add_column("Modelo")
    for e in entries:
        table.add_row(
            "modelo" if e.kind == "model" else "equipamento",
            e.name,
            e.username or "(sem usuário)",
            str(e.candidates),
            e.model or "",
        )
    for name in names:
        table.add_row("segredo", name, "", "", "")
    out.print(table)


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV (modelo;usuário;senha1;senha2…) ou JSON com as credenciais.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
) -> None:
    """Importa credenciais de um arquivo CSV ou JSON (tudo ou nada)."""
    settings = load_settings()
    with _cli_errors():
        vault = Vault.open(settings)
        rows = parse_import(file)
        for row in rows:
            try:
                if row.device is None:
                    vault.set_model(row.model, row.username, row.passwords)
                else:
                    vault.set_device(row.device, row.username, row.passwords, model=row.model)
            except InputError as exc:
                raise _bad(file, row.where, exc.message) from None
        vault.save()  # only after every row passed: an import is all or nothing
    models = sum(1 for r in rows if r.device is None)
    devices = len(rows) - models
    info(f"Importado(s): {models} modelo(s), {devices} equipamento(s).")
    info(f"Apague o arquivo {file} agora: ele tem senhas em texto puro (ex.: shred -u {file}).")


@app.command("set-secret")
def set_secret(
    name: Annotated[str, typer.Argument(help="Nome do segredo, ex.: ixc_token.")],
) -> None:
    """Grava um segredo de serviço (valor pelo prompt oculto ou pela entrada padrão)."""
    settings = load_settings()
    with _cli_errors():
        vault = Vault.open(settings)
        vault.set_secret(name, read_secret(name))
        vault.save()
    info(f"Segredo {name.strip().lower()} gravado no cofre.")


# --- import file parsing ---------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    where: str  # "linha 3" or "item 2", for error messages
    model: str
    username: str | None
    passwords: list[SecretStr]
    device: str | None = None

    def __repr__(self) -> str:
        return f"ImportRow(where={self.where!r}, model={self.model!r}, passwords=<hidden>)"


_HEADER_WORDS = {"model", "modelo", "equipamento"}


def parse_import(path: Path) -> list[ImportRow]:
    """Rows of a CSV (`;`, `,` or tab) or JSON file; errors name the line, never its content.

    CSV: `model;user;password1;password2…`, an optional header row, `#` comments; an
    empty user means the model has none. JSON: a list of
    `{"model", "user", "passwords": [...], "device"?}` objects.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: o arquivo não está em UTF-8", operation="vault import") from None
    except OSError as exc:
        raise InputError(
            f"não foi possível ler {path}: {exc.strerror}", operation="vault import"
        ) from None
    if text.lstrip().startswith(("[", "{")):
        rows = _parse_json(text, path)
    else:
        rows = _parse_csv(text, path)
    if not rows:
        raise InputError(f"{path}: nenhuma credencial encontrada", operation="vault import")
    return rows


def _bad(path: Path, line: int | str, what: str) -> InputError:
    return InputError(f"{path}, {line}: {what}", operation="vault import")


def _parse_csv(text: str, path: Path) -> list[ImportRow]:
    first = next(
        (ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), ""
    )
    delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
    rows: list[ImportRow] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for cells in reader:
            n = reader.line_num
            cells = [c.strip() for c in cells]
            if not any(cells) or cells[0].startswith("#"):
                continue
            if not rows and cells[0].lower() in _HEADER_WORDS:
                continue
            if len(cells) < 3:
                raise _bad(path, f"linha {n}", "esperado modelo;usuário;senha1[;senha2…]")
            # Passwords keep their inner spaces; csv already split on the delimiter only.
            pwds = [SecretStr(p) for p in cells[2:] if p]
            if not pwds:
                raise _bad(path, f"linha {n}", "nenhuma senha na linha")
            rows.append(ImportRow(f"linha {n}", cells[0], cells[1] or None, pwds))
    except csv.Error:
        raise _bad(path, f"linha {reader.line_num}", "CSV mal formado") from None
    return rows


def _parse_json(text: str, path: Path) -> list[ImportRow]:
    try:
        doc: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        # The decoder error keeps the whole document (secrets): keep only the position.
        raise _bad(path, f"linha {exc.lineno}", "JSON inválido") from None
    if not isinstance(doc, list):
        raise _bad(path, "início", "esperada uma lista de objetos {model, user, passwords}")
    rows: list[ImportRow] = []
    for i, item in enumerate(doc, start=1):
        where = f"item {i}"
        if not isinstance(item, dict):
            raise _bad(path, where, "esperado um objeto {model, user, passwords}")
        model = item.get("model")
        user = item.get("user", item.get("username"))
        pwds = item.get("passwords")
        device = item.get("device")
        if not isinstance(model, str) or not model.strip():
            raise _bad(path, where, "campo model ausente")
        if user is not None and not isinstance(user, str):
            raise _bad(path, where, "campo user deve ser texto ou null")
        if device is not None and not isinstance(device, str):
            raise _bad(path, where, "campo device deve ser texto")
        if not isinstance(pwds, list) or not pwds or not all(isinstance(p, str) for p in pwds):
            raise _bad(path, where, "campo passwords deve ser uma lista de textos")
        rows.append(ImportRow(where, model, user or None, [SecretStr(p) for p in pwds], device))
    return rows
