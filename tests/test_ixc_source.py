"""IxcSource (the inventory protocol over IXC) against the simulator on loopback."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest
from pydantic import SecretStr

from cpe.errors import InputError, IxcError, UnknownLogin
from cpe.models import Band
from inventory.base import InventorySource
from inventory.ixc.simulator import IxcSimState
from inventory.ixc.source import IxcSource
from inventory.models import InternetStatus, WifiRecord
from tests.ixc_helpers import client_for, ixc_server, seed


@pytest.fixture()
def state() -> IxcSimState:
    return IxcSimState()


@pytest.fixture()
def url(state: IxcSimState) -> Iterator[str]:
    with ixc_server(state) as base:
        yield base


def _source(state: IxcSimState, url: str, **kwargs: object) -> IxcSource:
    return IxcSource(client_for(state, url), **kwargs)  # type: ignore[arg-type]


def _all_secrets(state: IxcSimState) -> set[str]:
    keys = {
        "senha",
        "senha_rede_sem_fio",
        "senha_rede_sem_fio_5ghz",
        "senha_onu_cliente",
        "senha_router1",
    }
    out = {state.token}
    for rows in state.tables.values():
        for row in rows.values():
            out |= {v for k, v in row.items() if k in keys and v}
    return out


def test_is_an_inventory_source(state: IxcSimState, url: str) -> None:
    assert isinstance(_source(state, url), InventorySource)


def test_subscriber_joins_the_four_tables(state: IxcSimState, url: str) -> None:
    ids = seed(
        state,
        "joao.silva",
        7,
        customer_name="João da Conceição",
        cpf="12345678909",
        status_velocidade="R",
        plan="800 Mega",
    )
    sub = _source(state, url).subscriber("joao.silva")
    assert sub.login == "joao.silva" and sub.login_id == ids["radusuarios"]
    assert sub.client_id == ids["cliente"] and sub.customer_name == "João da Conceição"
    assert sub.cpf_cnpj == "123.456.789-09"
    assert sub.host == "127.0.1.8" and sub.port == 2389
    assert sub.model == "zte-onu" and sub.model_text == "ZTE F670L"
    assert sub.model_source == "radpop_radio_cliente_fibra.onu_tipo"
    assert sub.pppoe_password is not None
    assert sub.pppoe_password.get_secret_value() == "ppp-secret-0007"
    w24, w5 = sub.wifi_for(Band.GHZ_2_4), sub.wifi_for(Band.GHZ_5)
    assert w24 is not None and w24.ssid == "Casa 7" and w24.passphrase is not None
    assert w24.passphrase.get_secret_value() == "wifi24-secret-0007"
    assert w5 is not None and w5.ssid == "Casa 7 5G"
    assert sub.contract is not None and sub.contract.contract_id == ids["cliente_contrato"]
    assert sub.contract.status_internet is InternetStatus.ACTIVE
    assert sub.contract.speed_reduced and sub.contract.plan == "800 Mega"
    assert sub.online is True and sub.equipment_owner == "C"
    assert sub.onu_rows == 1 and sub.onu_mode == "R" and sub.branch_id == "1"
    # One listing per table: no request per field, no retries.
    assert state.requests_total() == 4


def test_bridge_onu_takes_the_router_model_from_the_login(state: IxcSimState, url: str) -> None:
    seed(
        state,
        "maria",
        1,
        model_text="Mercusys AC12G",
        onu_mode="B",
        onu_model_text="Fiberhome AN5506-01-A",
    )
    seed(state, "zeca", 2, model_text="ZYXEL EX3301-T0", with_onu_row=False)
    src = _source(state, url)
    maria = src.subscriber("maria")
    assert maria.model == "mercusys-ac12g" and maria.onu_mode == "B"
    assert maria.model_source == "radusuarios.obs"
    zeca = src.subscriber("zeca")
    assert zeca.model == "zyxel" and zeca.onu_rows == 0 and zeca.onu_serial is None


def test_unknown_model_text_gives_no_model(state: IxcSimState, url: str) -> None:
    seed(state, "rui", 1, model_text="Huawei HG8245H")
    sub = _source(state, url).subscriber("rui")
    assert sub.model is None and sub.model_text == "Huawei HG8245H"


def test_duplicate_onu_rows_keep_the_current_one(state: IxcSimState, url: str) -> None:
    ids = seed(state, "lia", 3, duplicate_onu_row=True, onu_serial="FHTT00000003")
    sub = _source(state, url).subscriber("lia")
    assert sub.onu_rows == 2
    assert sub.onu_serial == "FHTT00000003" and sub.model == "zte-onu"
    # A stale row with a *higher* id still loses to the serial the login points at.
    state.insert(
        "radpop_radio_cliente_fibra",
        {
            "id_login": ids["radusuarios"],
            "mac": "STALE0001",
            "onu_tipo": "ONU X",
            "tipo_operacao": "R",
        },
    )
    sub = _source(state, url).subscriber("lia")
    assert sub.onu_rows == 3 and sub.onu_serial == "FHTT00000003"
    # Without a serial on the login, the newest row wins.
    state.update("radusuarios", ids["radusuarios"], onu_mac="")
    sub = _source(state, url).subscriber("lia")
    assert sub.onu_serial == "STALE0001" and sub.model is None


def test_onu_row_tied_only_to_the_contract(state: IxcSimState, url: str) -> None:
    ids = seed(state, "teo", 4, with_onu_row=False, model_text="")
    state.insert(
        "radpop_radio_cliente_fibra",
        {
            "id_login": "0",
            "id_contrato": ids["cliente_contrato"],
            "mac": "ZTEG0004",
            "onu_tipo": "ZTE F6600",
            "tipo_operacao": "R",
        },
    )
    sub = _source(state, url).subscriber("teo")
    assert sub.onu_rows == 1 and sub.model == "zte-onu"


def test_unknown_login(state: IxcSimState, url: str) -> None:
    seed(state, "ana", 1)
    with pytest.raises(UnknownLogin) as info:
        _source(state, url).subscriber("nao.existe")
    assert info.value.exit_code == 2 and "nao.existe" in info.value.pt()


def test_contract_states(state: IxcSimState, url: str) -> None:
    seed(state, "bloq", 1, status_internet="CM")
    ids = seed(state, "antigo", 2)
    seed(state, "estranho", 3, status_internet="ZZ")
    state.update(
        "cliente_contrato", ids["cliente_contrato"], status_internet="", status_acesso="FA"
    )
    src = _source(state, url)
    bloq = src.subscriber("bloq").contract
    assert bloq is not None and bloq.blocked
    old = src.subscriber("antigo").contract
    assert old is not None and old.late
    odd = src.subscriber("estranho").contract
    assert odd is not None and odd.status_internet is InternetStatus.UNKNOWN


def test_search_by_name_login_and_document(state: IxcSimState, url: str) -> None:
    seed(state, "joao.silva", 1, customer_name="João da Silva", cpf="111.444.777-35")
    seed(state, "joaozinho", 2, customer_name="Pedro Alves", cpf="22233344405")
    seed(state, "empresa", 3, customer_name="Padaria Pão Quente", cpf="11222333000181")
    src = _source(state, url)
    assert [s.login for s in src.search("joao.silva")] == ["joao.silva"]
    assert {s.login for s in src.search("joao")} == {"joao.silva", "joaozinho"}
    assert [s.login for s in src.search("pao quente")] == ["empresa"]
    assert [s.login for s in src.search("11144477735")] == ["joao.silva"]
    assert [s.login for s in src.search("111.444.777-35")] == ["joao.silva"]
    assert [s.login for s in src.search("11.222.333/0001-81")] == ["empresa"]
    assert src.search("ninguem") == [] and src.search("  ") == []


def test_search_finds_unmasked_documents_and_every_login_of_a_customer(
    state: IxcSimState, url: str
) -> None:
    ids = seed(state, "casa", 1, cpf="52998224725")
    state.update("cliente", ids["cliente"], cnpj_cpf="52998224725")  # imported bare
    seed(state, "casa.praia", 2, client_id=ids["cliente"], customer_name="x", cpf="x")
    found = _source(state, url).search("529.982.247-25")
    assert [s.login for s in found] == ["casa", "casa.praia"]
    # Logins that are the customer's CPF (common practice) come first.
    seed(state, "11144477735", 3, customer_name="Outro", cpf="22233344405")
    assert [s.login for s in _source(state, url).search("11144477735")] == ["11144477735"]


def test_iter_subscribers_batches_requests(state: IxcSimState, url: str) -> None:
    models = ["ZTE F670L", "Fiberhome HG6145F", "TP-Link XC220-G3v"]
    for n in range(60):
        seed(
            state,
            f"cli{n:03d}",
            n,
            model_text=models[n % 3],
            duplicate_onu_row=(n % 10 == 0),
            status_internet="CA" if n % 7 == 0 else "A",
        )
    src = _source(state, url, page_size=10)
    subs = list(src.iter_subscribers())
    assert [s.login for s in subs] == [f"cli{n:03d}" for n in range(60)]
    assert all(s.customer_name == f"Cliente Número {n}" for n, s in enumerate(subs))
    assert all(s.contract is not None for s in subs)
    assert [s.onu_rows for s in subs[:11]] == [2] + [1] * 9 + [2]
    # 6 login pages, each joined with one range query per table: 24 requests, where a
    # per-login join would need 1 + 3 * 60.
    assert state.requests_total() == 6 * 4
    assert [s.login for s in src.iter_subscribers(model="fiberhome-onu", login_glob="cli00*")] == [
        "cli001",
        "cli004",
        "cli007",
    ]
    blocked = list(src.iter_subscribers(contract_status=["CA"]))
    assert [s.login for s in blocked] == [f"cli{n:03d}" for n in range(0, 60, 7)]
    assert [s.login for s in src.iter_subscribers(login_glob="cli042")] == ["cli042"]


def test_count_hint_is_one_request_of_one_row(state: IxcSimState, url: str) -> None:
    for n in range(25):
        seed(state, f"c{n:02d}", n)
    src = _source(state, url, page_size=10)
    before = state.requests_total()
    assert src.count_hint() == 25
    assert state.requests_total() == before + 1
    assert sum(1 for _ in src.iter_subscribers()) == 25


def test_iter_subscribers_with_scattered_ids_reads_tables_once(
    state: IxcSimState, url: str
) -> None:
    for n in range(12):
        seed(state, f"s{n:02d}", n)
        for _ in range(300):  # other customers' contracts in between
            state.insert("cliente_contrato", {"id_cliente": "0", "status_internet": "A"})
    src = _source(state, url, page_size=50, max_range_queries=4)
    subs = list(src.iter_subscribers())
    assert len(subs) == 12 and all(s.contract and s.contract.plan == "600 Mega" for s in subs)
    # Read whole once (3612 rows in pages of 1000), not once per scattered id.
    assert state.requests[("GET", "cliente_contrato", "listar")] == 4


def test_update_wifi_is_read_merge_put(state: IxcSimState, url: str) -> None:
    ids = seed(state, "rita", 5)
    before = state.row("radusuarios", ids["radusuarios"])
    src = _source(state, url)
    sub = src.update_wifi(
        "rita",
        [
            WifiRecord(band=Band.GHZ_2_4, ssid="Rita Casa", passphrase=SecretStr("nova-chave-24")),
            WifiRecord(band=Band.GHZ_5, ssid="Rita Casa 5G", passphrase=None),
        ],
    )
    after = state.row("radusuarios", ids["radusuarios"])
    assert before is not None and after is not None
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"ssid_router_wifi", "senha_rede_sem_fio", "ssid_router_wifi_5ghz"}
    assert after["senha_rede_sem_fio"] == "nova-chave-24"
    assert after["senha_rede_sem_fio_5ghz"] == before["senha_rede_sem_fio_5ghz"]
    w24 = sub.wifi_for(Band.GHZ_2_4)
    assert w24 is not None and w24.ssid == "Rita Casa"
    assert state.requests[("PUT", "radusuarios", "")] == 1


def test_update_wifi_refuses_bad_input_before_writing(state: IxcSimState, url: str) -> None:
    seed(state, "rui", 6)
    src = _source(state, url)
    with pytest.raises(InputError) as info:
        src.update_wifi(
            "rui", [WifiRecord(band=Band.GHZ_2_4, ssid="ok", passphrase=SecretStr("curta"))]
        )
    assert "curta" not in str(info.value)
    with pytest.raises(UnknownLogin):
        src.update_wifi("ninguem", [WifiRecord(band=Band.GHZ_2_4, ssid="ok")])
    assert state.requests[("PUT", "radusuarios", "")] == 0


def test_open_service_order(state: IxcSimState, url: str) -> None:
    ids = seed(state, "os.cliente", 8)
    src = _source(state, url)
    sub = src.subscriber("os.cliente")
    os_id = src.open_service_order(
        sub,
        "Sem acesso remoto ao roteador; verificar no local.",
        assunto_id="12",
        setor="3",
        prioridade="A",
        now=datetime(2024, 6, 1, 14, 30, 0),
    )
    row = state.row("su_oss_chamado", os_id)
    assert row is not None
    assert row["id_cliente"] == ids["cliente"] and row["id_login"] == ids["radusuarios"]
    assert row["id_contrato_kit"] == ids["cliente_contrato"]
    assert (row["id_assunto"], row["setor"], row["id_filial"]) == ("12", "3", "1")
    assert (row["status"], row["prioridade"], row["tipo"]) == ("A", "A", "C")
    assert row["data_abertura"] == "2024-06-01 14:30:00"
    assert row["mensagem"].startswith("Sem acesso remoto")
    with pytest.raises(InputError):
        src.open_service_order(sub, "x", assunto_id="12", setor="3", prioridade="urgente")
    state.forbidden.add("su_oss_chamado")
    with pytest.raises(IxcError, match="não está disponível"):
        src.open_service_order(sub, "x", assunto_id="12", setor="3")


def test_forbidden_joined_table_fails_loudly(state: IxcSimState, url: str) -> None:
    seed(state, "ana", 1)
    state.forbidden.add("radpop_radio_cliente_fibra")
    with pytest.raises(IxcError, match="radpop_radio_cliente_fibra"):
        _source(state, url).subscriber("ana")


def test_no_secret_leaks(state: IxcSimState, url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seed(state, "segredo", 9, duplicate_onu_row=True)
    secrets = _all_secrets(state)
    assert len(secrets) >= 8
    src = _source(state, url)
    sub = src.subscriber("segredo")
    src.update_wifi(
        "segredo",
        [WifiRecord(band=Band.GHZ_2_4, ssid="Nova", passphrase=SecretStr("chave-nova-123"))],
    )
    secrets.add("chave-nova-123")
    texts = [
        repr(sub),
        str(sub),
        sub.model_dump_json(),
        json.dumps(sub.model_dump(mode="json")),
        repr(src),
        caplog.text,
    ]
    state.fault = "html"
    with pytest.raises(IxcError) as html:
        src.subscriber("segredo")
    state.fault = None
    state.forbidden.add("cliente")
    with pytest.raises(IxcError) as forbidden:
        src.search("segredo")
    state.forbidden.clear()
    for err in (html.value, forbidden.value):
        texts += [str(err), repr(err), err.pt(), json.dumps(err.as_dict())]
    with pytest.raises(UnknownLogin) as unknown:
        src.subscriber("x")
    texts.append(str(unknown.value))
    for text in texts:
        for secret in secrets:
            assert secret not in text
