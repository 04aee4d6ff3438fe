"""One subscriber from its IXC rows: the login (radusuarios), its contract, its customer
and its ONU rows, mapped to inventory.models.Subscriber, with the choices IXC leaves to
us (which of duplicate ONU or login rows, where the model is written, which foreign
keys mean "no link"). No I/O: the rows come from inventory.ixc.join."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from pydantic import SecretStr

from cpe.models import Band
from inventory.ixc.fields import ONLINE, fold, internet_status, model_from_text
from inventory.ixc.protocol import Row
from inventory.ixc.tables import LOGINS, ONUS
from inventory.models import ContractState, Subscriber, WifiRecord

if TYPE_CHECKING:
    from inventory.ixc.source import IxcSource

#: radusuarios field pairs per band: (SSID, key).
WIFI_FIELDS: dict[Band, tuple[str, str]] = {
    Band.GHZ_2_4: ("ssid_router_wifi", "senha_rede_sem_fio"),
    Band.GHZ_5: ("ssid_router_wifi_5ghz", "senha_rede_sem_fio_5ghz"),
}


def assemble(
    source: IxcSource, login: Row, contract: Row | None, client: Row | None, onus: list[Row]
) -> Subscriber:
    onu = _pick_onu(onus, login.get("onu_mac", ""))
    model_text, model_source = _model_text(source.router_model_field, login, onu)
    return Subscriber(
        login=login.get("login", ""),
        login_id=login.get("id") or None,
        client_id=ref(login.get("id_cliente")),
        customer_name=(client or {}).get("razao") or (client or {}).get("fantasia") or None,
        cpf_cnpj=(client or {}).get("cnpj_cpf") or None,
        pppoe_password=_secret(login.get("senha")),
        host=_host(login.get("ip")),
        port=source.port,
        model=model_from_text(model_text),
        model_text=model_text,
        model_source=model_source,
        online=ONLINE.get(login.get("online", "").strip().upper()),
        equipment_owner=login.get("tipo_equipamento", "").strip().upper() or None,
        contract=_contract(login, contract),
        wifi=_wifi(login),
        onu_rows=len(onus),
        onu_serial=(onu or {}).get("mac") or None,
        onu_mode=((onu or {}).get("tipo_operacao") or "").strip().upper() or None,
        branch_id=ref(login.get("id_filial")),
    )


def _model_text(router_field: str, login: Row, onu: Row | None) -> tuple[str | None, str | None]:
    """[G] An ONU in router mode terminates PPPoE itself: its `onu_tipo` names the device
    at radusuarios.ip. Otherwise the device is the router in comodato, whose model is in
    the login's `router_field` (first line)."""
    if onu is not None and onu.get("tipo_operacao", "").strip().upper() == "R":
        text = onu.get("onu_tipo", "").strip()
        if text:
            return text[:64], f"{ONUS}.onu_tipo"
    lines = login.get(router_field, "").strip().splitlines()
    text = lines[0].strip()[:64] if lines else ""
    if text:
        return text, f"{LOGINS}.{router_field}"
    return None, None


def _pick_onu(rows: list[Row], onu_mac: str) -> Row | None:
    """Duplicate ONU rows (a swapped ONU leaves its old row): prefer the one whose serial
    the login points at, then the newest (highest id)."""
    if not rows:
        return None
    mac = fold(onu_mac.strip())
    return max(
        rows,
        key=lambda r: (
            bool(mac) and fold(r.get("mac", "").strip()) == mac,
            as_int(r.get("id", "")),
        ),
    )


def pick_login(rows: list[Row], login: str) -> Row | None:
    if not rows:
        return None
    # IXC's "=" ignores case: prefer the exact spelling, then active, then newest.
    return max(
        rows,
        key=lambda r: (
            r.get("login") == login,
            r.get("ativo", "S").upper() == "S",
            as_int(r.get("id", "")),
        ),
    )


def _contract(login: Row, row: Row | None) -> ContractState | None:
    if row is None:
        return None
    return ContractState(
        contract_id=row.get("id") or ref(login.get("id_contrato")),
        status=row.get("status", "").strip().upper() or "?",
        status_internet=internet_status(row.get("status_internet"), row.get("status_acesso")),
        speed_reduced=row.get("status_velocidade", "").strip().upper() == "R",
        plan=row.get("contrato") or None,
        paused=row.get("contrato_suspenso", "").strip().upper() == "S",
    )


def _wifi(login: Row) -> tuple[WifiRecord, ...]:
    out = []
    for band, (ssid_field, key_field) in WIFI_FIELDS.items():
        ssid = login.get(ssid_field, "")
        if ssid.strip():
            out.append(WifiRecord(band=band, ssid=ssid, passphrase=_secret(login.get(key_field))))
    return tuple(out)


def _host(value: str | None) -> str | None:
    text = (value or "").strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _secret(value: str | None) -> SecretStr | None:
    return SecretStr(value) if value else None


def ref(value: str | None) -> str | None:
    """An IXC foreign key, or None for the "no link" values ("" and "0")."""
    text = (value or "").strip()
    return None if text in ("", "0") else text


def as_int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
