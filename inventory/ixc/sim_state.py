"""The simulated IXC's database and knobs: its tables (with the known columns of each),
the fault and shape knobs the tests turn, the request counter, and the action routes
("botões"). Thread-safe; the HTTP front end is inventory.ixc.simulator."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

Row = dict[str, str]

#: Known columns per table (a subset of IXC's, from the notes): a filter or sort on an
#: unknown column is an error, as the SQL behind IXC would be. Tables without a schema
#: accept any column.
SCHEMAS: dict[str, frozenset[str]] = {
    "cliente": frozenset(
        "id razao fantasia tipo_pessoa cnpj_cpf ativo telefone_celular whatsapp fone email "
        "endereco numero bairro cidade uf hotsite_email senha alerta obs filial_id".split()
    ),
    "cliente_contrato": frozenset(
        "id id_cliente contrato id_vd_contrato status status_internet status_velocidade "
        "data_ativacao bloqueio_automatico desbloqueio_confianca contrato_suspenso tipo "
        "id_filial dt_ult_bloq_auto dt_ult_bloq_manual".split()
    ),
    "radusuarios": frozenset(
        "id id_cliente id_contrato id_filial id_grupo login senha senha_md5 autenticacao "
        "ativo online ultima_conexao_inicial ultima_conexao_final ip mac concentrador "
        "id_rad_dns onu_mac id_transmissor id_caixa_ftth ftth_porta tipo_equipamento "
        "ssid_router_wifi senha_rede_sem_fio ssid_router_wifi_5ghz senha_rede_sem_fio_5ghz "
        "usuario_router1 senha_router1 senha_router2 tipo_acesso porta_http porta_router2 "
        "endereco numero bairro cidade cep obs".split()
    ),
    "radpop_radio_cliente_fibra": frozenset(
        "id id_login id_contrato id_transmissor id_caixa_ftth porta_ftth id_perfil mac nome "
        "onu_tipo versao ponid slotno ponno onu_numero vlan vlan_pppoe tipo_operacao "
        "ip_gerencia login_onu_cliente senha_onu_cliente sinal_rx sinal_tx temperatura "
        "voltagem data_sinal causa_ultima_queda distancia_onu".split()
    ),
    "su_oss_chamado": frozenset(
        "id tipo id_cliente id_login id_contrato_kit id_assunto setor id_filial status "
        "prioridade origem_endereco mensagem data_abertura melhor_horario_agenda".split()
    ),
}

Button = Callable[["IxcSimState", dict[str, Any]], dict[str, Any]]


@dataclass
class IxcSimState:
    """The simulated IXC database plus the knobs. Safe to mutate from any thread."""

    #: The one accepted "user_id:token" (fresh per state; kept out of repr).
    token: str = field(default_factory=lambda: "8:" + secrets.token_hex(16), repr=False)
    tables: dict[str, dict[str, Row]] = field(default_factory=dict)
    #: Tables (and buttons) this token's profile may not use.
    forbidden: set[str] = field(default_factory=set)
    latency_ms: float = 0.0
    #: "html": every answer is the HTML error page; "not_json": plain text garbage.
    fault: str | None = None
    #: Shape knob: `registros` as a dict {"0": row, ...} instead of a list.
    registros_as_dict: bool = False
    #: Shape knob: put the rows under "rows" instead of "registros" (older endpoints).
    rows_key: str = "registros"
    #: Form bodies (urlencoded or multipart) accepted like JSON; False: the HTML error.
    form_bodies: bool = True
    #: (method, table, "listar"|"") for every authorised request: tests count requests.
    requests: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    buttons: dict[str, Button] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _next_id: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.buttons.setdefault("desconectar_clientes", _button_disconnect)
        for table in SCHEMAS:
            self.tables.setdefault(table, {})

    def insert(self, table: str, row: dict[str, Any]) -> str:
        """Add a row (values become strings); returns its id (assigned when absent)."""
        with self._lock:
            rows = self.tables.setdefault(table, {})
            given = str(row.get("id") or "")
            new_id = given or str(self._next_id.get(table, 1))
            if new_id in rows:
                raise ValueError(f"{table}: id {new_id} already exists")
            if new_id.isdigit():
                self._next_id[table] = max(self._next_id.get(table, 1), int(new_id) + 1)
            stored = {k: as_text(v) for k, v in row.items()}
            stored["id"] = new_id
            rows[new_id] = stored
            return new_id

    def rows(self, table: str) -> list[Row]:
        with self._lock:
            return [dict(r) for r in self.tables.get(table, {}).values()]

    def row(self, table: str, id_: str) -> Row | None:
        with self._lock:
            r = self.tables.get(table, {}).get(str(id_))
            return dict(r) if r is not None else None

    def update(self, table: str, id_: str, **changes: Any) -> None:
        """Plant drift directly (bypasses the API)."""
        with self._lock:
            self.tables[table][str(id_)].update({k: as_text(v) for k, v in changes.items()})

    def requests_total(self) -> int:
        return sum(self.requests.values())

    def columns(self, table: str) -> frozenset[str] | None:
        return SCHEMAS.get(table)


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return str(value)


def _button_disconnect(state: IxcSimState, body: dict[str, Any]) -> dict[str, Any]:
    row = state.row("radusuarios", str(body.get("id", "")))
    if row is None:
        return {"msg": [{"type": "error", "message": "Login n\u00e3o encontrado!"}]}
    state.update("radusuarios", row["id"], online="N")
    return {"msg": [{"type": "success", "message": "Cliente desconectado com sucesso!"}]}
