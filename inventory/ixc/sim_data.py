"""Consistent rows for the IXC simulator: one subscriber across cliente, cliente_contrato,
radusuarios and radpop_radio_cliente_fibra, with IXC's own field names (tests and the lab).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from inventory.ixc.fields import ROUTER_MODEL_FIELD, digits, mask_cpf_cnpj

if TYPE_CHECKING:
    from inventory.ixc.sim_state import IxcSimState

__all__ = ["add_subscriber"]


def _stable_secret(*parts: str) -> str:
    """A deterministic throwaway secret for fields the toolkit must never show."""
    return hashlib.sha256("|".join(("ixcsim", *parts)).encode()).hexdigest()[:12]


def add_subscriber(
    state: IxcSimState,
    *,
    login: str,
    password: str,
    ip: str,
    model_text: str,
    ssid24: str,
    psk24: str,
    ssid5: str = "",
    psk5: str = "",
    customer_name: str,
    cpf: str,
    status_internet: str = "A",
    status_velocidade: str = "N",
    contract_status: str = "A",
    onu_mode: str = "R",
    onu_model_text: str | None = None,
    duplicate_onu_row: bool = False,
    with_onu_row: bool = True,
    onu_serial: str | None = None,
    online: str = "S",
    equipment_owner: str = "C",
    plan: str = "600 Mega",
    contract_paused: bool = False,
    rx_dbm: float = -19.5,
    tx_dbm: float = 2.1,
    client_id: str | None = None,
    branch_id: str = "1",
) -> dict[str, str]:
    """Rows for one subscriber across cliente, cliente_contrato, radusuarios and
    radpop_radio_cliente_fibra, using IXC's field names. Returns the ids by table
    (plus "radpop_radio_cliente_fibra_old" with `duplicate_onu_row`).

    `model_text` names the device that answers at `ip`:2389. With `onu_mode="R"` the ONU
    terminates PPPoE, so it goes to the ONU row's `onu_tipo` (`onu_model_text`, if
    given, must agree). With `onu_mode="B"` it goes to the login's router-model field
    (fields.ROUTER_MODEL_FIELD, a guess) and the ONU row gets `onu_model_text`.
    `duplicate_onu_row` leaves an older, stale ONU row for the same login behind (a
    swapped ONU), with an unrecognisable model and a different serial.
    `client_id` attaches the login to an existing customer (second contract).
    """
    if onu_mode not in ("R", "B"):
        raise ValueError("onu_mode must be 'R' (router) or 'B' (bridge)")
    if onu_mode == "R" and onu_model_text not in (None, model_text):
        raise ValueError("with onu_mode='R' the ONU is the device: pass model_text only")
    now = datetime(2024, 5, 1, 8, 0, 0)
    serial = onu_serial or ("SF" + hashlib.sha256(login.encode()).hexdigest()[:10].upper())
    ids: dict[str, str] = {}
    if client_id is None:
        doc = digits(cpf)
        client_id = state.insert(
            "cliente",
            {
                "razao": customer_name,
                "fantasia": customer_name,
                "tipo_pessoa": "J" if len(doc) == 14 else "F",
                "cnpj_cpf": mask_cpf_cnpj(cpf),
                "ativo": "S",
                "telefone_celular": "(12) 99999-" + doc[-4:].rjust(4, "0"),
                "email": f"{login}@cliente.invalid",
                "hotsite_email": f"{login}@cliente.invalid",
                "senha": _stable_secret("portal", login),
                "cidade": "3555",
                "filial_id": branch_id,
            },
        )
    ids["cliente"] = client_id
    contract_id = state.insert(
        "cliente_contrato",
        {
            "id_cliente": client_id,
            "contrato": plan,
            "status": contract_status,
            "status_internet": status_internet,
            "status_velocidade": status_velocidade,
            "tipo": "I",
            "id_filial": branch_id,
            "data_ativacao": "2023-01-10",
            "bloqueio_automatico": "S",
            "desbloqueio_confianca": "N",
            "contrato_suspenso": "S" if contract_paused else "N",
        },
    )
    ids["cliente_contrato"] = contract_id
    login_row = {
        "id_cliente": client_id,
        "id_contrato": contract_id,
        "id_filial": branch_id,
        "id_grupo": "1",
        "login": login,
        "senha": password,
        "senha_md5": "N",
        "autenticacao": "L",
        "ativo": "S",
        "online": online,
        "ultima_conexao_inicial": (now - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S"),
        "ip": ip,
        "mac": "",
        "onu_mac": serial if with_onu_row else "",
        "tipo_equipamento": equipment_owner,
        "ssid_router_wifi": ssid24,
        "senha_rede_sem_fio": psk24,
        "ssid_router_wifi_5ghz": ssid5,
        "senha_rede_sem_fio_5ghz": psk5,
        "usuario_router1": "",
        "senha_router1": _stable_secret("router", login),
        "tipo_acesso": "http",
        "porta_http": "2389",
        ROUTER_MODEL_FIELD: model_text if onu_mode == "B" or not with_onu_row else "",
    }
    ids["radusuarios"] = login_id = state.insert("radusuarios", login_row)
    if not with_onu_row:
        return ids

    def onu_row(mac: str, tipo: str, when: datetime, rx: float) -> dict[str, str]:
        return {
            "id_login": login_id,
            "id_contrato": contract_id,
            "id_transmissor": "1",
            "mac": mac,
            "nome": login,
            "onu_tipo": tipo,
            "tipo_operacao": onu_mode,
            "versao": "V1.0",
            "ponno": "1",
            "onu_numero": str(int(login_id) % 128),
            "login_onu_cliente": "admin",
            "senha_onu_cliente": _stable_secret("onu", login, mac),
            "sinal_rx": f"{rx:.2f}",
            "sinal_tx": f"{tx_dbm:.2f}",
            "data_sinal": when.strftime("%Y-%m-%d %H:%M:%S"),
        }

    if duplicate_onu_row:
        # Inserted first, so it has the lower id: the stale row of the swapped ONU.
        ids["radpop_radio_cliente_fibra_old"] = state.insert(
            "radpop_radio_cliente_fibra",
            onu_row(
                "OLD" + serial[3:], "ONU GEN\u00c9RICA ANTIGA", now - timedelta(days=400), -27.9
            ),
        )
    onu_text = model_text if onu_mode == "R" else (onu_model_text or "")
    ids["radpop_radio_cliente_fibra"] = state.insert(
        "radpop_radio_cliente_fibra", onu_row(serial, onu_text, now, rx_dbm)
    )
    return ids
