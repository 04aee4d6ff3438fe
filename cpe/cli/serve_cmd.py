"""`cpe serve` (the agent service) and `cpe user` (its users and API tokens)."""

from __future__ import annotations

import ipaddress
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from cpe.cli.output import emit_json, err, fail, mark, out
from cpe.errors import CpeError, InputError
from cpe.settings import load_settings

if TYPE_CHECKING:
    from cpe.service.store import UserStore

user_app = typer.Typer(help="Usuários do serviço de atendimento (cpe serve) e tokens de API.")


def _store() -> UserStore:
    from cpe.service.store import UserStore

    return UserStore(load_settings().journal_file)


def _read_password(confirm: bool = True) -> str:
    """From a prompt (hidden, confirmed) on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        value: str = typer.prompt("Senha", hide_input=True, confirmation_prompt=confirm)
        return value
    return sys.stdin.readline().rstrip("\r\n")


def serve(
    host: Annotated[str, typer.Option("--host", help="Endereço de escuta.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8080,
) -> None:
    """Sobe a API e a página de atendimento (por padrão só em 127.0.0.1)."""
    from cpe.service.app import create_app
    from cpe.service.server import serve as run

    settings = load_settings()
    try:
        app = create_app(settings)
    except CpeError as exc:
        fail(exc)
    store = app.state.service.store
    if store.count_users() == 0:
        err.print(
            mark("[yellow]![/]"),
            "Nenhum usuário cadastrado: crie um com "
            "`cpe user add NOME --role admin` antes de entrar."
        )
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        err.print(
            mark("[yellow]![/]"),
            "Escutando fora do loopback: o serviço não tem TLS próprio; "
            "publique-o atrás de um proxy HTTPS e defina CPE_SECURE_COOKIES=1."
        )
    err.print(f"Atendimento em http://{host}:{port}/ (Ctrl+C para parar)")
    run(app, host=host, port=port)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Nome de usuário (minúsculas).")],
    role: Annotated[str, typer.Option("--role", help="agente, tecnico ou admin.")] = "agente",
) -> None:
    """Cria um usuário; a senha vem de um prompt (ou da primeira linha do stdin)."""
    from cpe.service.store import parse_role

    try:
        r = parse_role(role)
        user = _store().add_user(name, r, _read_password())
    except CpeError as exc:
        fail(exc)
    err.print(mark("[green]✓[/]"), f"Usuário {user.name} criado com perfil {user.role.value}.")


@user_app.command("passwd")
def user_passwd(name: Annotated[str, typer.Argument()]) -> None:
    """Troca a senha de um usuário (encerra as sessões abertas dele)."""
    try:
        _store().set_password(name, _read_password())
    except CpeError as exc:
        fail(exc)
    err.print(mark("[green]✓[/]"), f"Senha de {name} alterada.")


@user_app.command("role")
def user_role(
    name: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help="agente, tecnico ou admin.")],
) -> None:
    """Muda o perfil de um usuário."""
    from cpe.service.store import parse_role

    try:
        _store().set_role(name, parse_role(role))
    except CpeError as exc:
        fail(exc)
    err.print(mark("[green]✓[/]"), f"{name} agora é {role}.")


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument()]) -> None:
    """Desativa um usuário: sessões encerradas, tokens deixam de valer."""
    try:
        _store().set_disabled(name, True)
    except CpeError as exc:
        fail(exc)
    err.print(mark("[green]✓[/]"), f"{name} desativado.")


@user_app.command("enable")
def user_enable(name: Annotated[str, typer.Argument()]) -> None:
    """Reativa um usuário."""
    try:
        _store().set_disabled(name, False)
    except CpeError as exc:
        fail(exc)
    err.print(mark("[green]✓[/]"), f"{name} reativado.")


@user_app.command("list")
def user_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Lista usuários, perfis e quantos tokens ativos têm (nunca segredos)."""
    users = _store().users()
    if as_json:
        emit_json(users)
        return
    for u in users:
        state = " (desativado)" if u["disabled"] else ""
        out.print(f"{u['name']}\t{u['role']}\t{u['tokens']} token(s){state}")


@user_app.command("token")
def user_token(
    name: Annotated[str, typer.Argument()],
    label: Annotated[str | None, typer.Option("--label", help="Para que serve.")] = None,
) -> None:
    """Gera um token de API (Authorization: Bearer …) e o mostra uma única vez."""
    try:
        token_id, token = _store().new_token(name, label)
    except CpeError as exc:
        fail(exc)
    sys.stdout.write(token + "\n")
    err.print(f"Token {token_id} de {name}: guarde-o agora, ele não será mostrado de novo.")


@user_app.command("revoke")
def user_revoke(
    name: Annotated[str, typer.Argument()],
    token_id: Annotated[int, typer.Argument(help="Número do token (cpe user tokens NOME).")],
) -> None:
    """Revoga um token de API."""
    if not _store().revoke_token(name, token_id):
        fail(InputError(f"token {token_id} de {name} não encontrado", operation="usuário"))
    err.print(mark("[green]✓[/]"), f"Token {token_id} de {name} revogado.")


@user_app.command("tokens")
def user_tokens(name: Annotated[str, typer.Argument()]) -> None:
    """Lista os tokens de um usuário (número, rótulo, data; nunca o token)."""
    for t in _store().tokens(name):
        state = "revogado" if t["revoked"] else "ativo"
        out.print(f"{t['id']}\t{t['label'] or '-'}\t{t['created_at']}\t{state}")


def register(app: typer.Typer) -> None:
    """Add `serve` and `user` to the `cpe` command."""
    app.command("serve")(serve)
    app.add_typer(user_app, name="user")
