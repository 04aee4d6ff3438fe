"""CsvSource: the inventory protocol over a spreadsheet export."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from cpe.errors import InputError, InventoryError, UnknownLogin
from cpe.models import Band
from inventory.base import InventorySource
from inventory.csv_source import HEADER, CsvSource
from inventory.models import InternetStatus, WifiRecord

HEAD = ";".join(HEADER)
ROWS = [
    "joao.silva;ppp-pw-1;100.64.0.10;;Mercusys AC12G;Casa;wifi-key-24;Casa 5G;wifi-key-5;A;N;"
    "João da Silva;123.456.789-09",
    "maria;ppp-pw-2;100.64.0.11;8080;zte-onu;Maria;wifi-key-m1;;;CM;;Maria Souza;98765432100",
    "empresa;ppp-pw-3;;;Huawei HG8245H;Loja;wifi-key-e1;;;A;R;Padaria Pão Quente;"
    "11.222.333/0001-81",
]


def _write(tmp_path: Path, lines: list[str], *, bom: bool = False, crlf: bool = False) -> Path:
    path = tmp_path / "assinantes.csv"
    nl = "\r\n" if crlf else "\n"
    data = ("\ufeff" if bom else "") + nl.join(lines) + nl
    path.write_bytes(data.encode("utf-8"))
    return path


def test_loads_a_spreadsheet_export(tmp_path: Path) -> None:
    path = _write(
        tmp_path, ["# exportado do IXC em 2024-05-01", HEAD, "", *ROWS], bom=True, crlf=True
    )
    src = CsvSource(path)
    assert isinstance(src, InventorySource)
    joao = src.subscriber("joao.silva")
    assert (joao.host, joao.port, joao.model) == ("100.64.0.10", 2389, "mercusys-ac12g")
    assert joao.customer_name == "João da Silva" and joao.model_source == "csv"
    assert joao.pppoe_password is not None and joao.pppoe_password.get_secret_value() == "ppp-pw-1"
    w5 = joao.wifi_for(Band.GHZ_5)
    assert w5 is not None and w5.ssid == "Casa 5G" and w5.passphrase is not None
    assert joao.contract is not None and not joao.contract.blocked
    maria = src.subscriber("maria")
    assert maria.port == 8080 and maria.model == "zte-onu" and maria.wifi_for(Band.GHZ_5) is None
    assert maria.contract is not None and maria.contract.blocked
    loja = src.subscriber("empresa")
    assert loja.host is None and loja.model is None and loja.model_text == "Huawei HG8245H"
    assert loja.contract is not None and loja.contract.speed_reduced


def test_header_in_any_order(tmp_path: Path) -> None:
    cols = list(reversed(HEADER))
    values = dict(zip(HEADER, ROWS[1].split(";"), strict=True))
    path = _write(tmp_path, [";".join(cols), ";".join(values[c] for c in cols)])
    assert CsvSource(path).subscriber("maria").model == "zte-onu"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([HEAD, ROWS[0], "so;tres;colunas"], "linha 3: esperadas 13 colunas"),
        ([HEAD, ROWS[0].replace("100.64.0.10", "100.64.0.999")], "linha 2: ip inválido"),
        ([HEAD, ROWS[1].replace(";8080;", ";porta;")], "linha 2: porta inválida"),
        ([HEAD, ROWS[1].replace(";CM;", ";XX;")], "linha 2: status_internet 'XX'"),
        ([HEAD, ROWS[2].replace(";A;R;", ";A;Q;")], "linha 2: status_velocidade 'Q'"),
        (
            [HEAD, ROWS[0], ROWS[1], ROWS[0]],
            "linha 4: login 'joao.silva' repetido (já está na linha 2)",
        ),
        ([HEAD, "joao silva" + ROWS[0][10:]], "linha 2: login inválido"),
        (
            [HEAD.replace(";cpf_cnpj", ""), ROWS[0]],
            "linha 1: cabeçalho inválido: faltam as colunas cpf_cnpj",
        ),
        ([HEAD.replace("ssid_5", "ssid5g"), ROWS[0]], "colunas desconhecidas 'ssid5g'"),
        ([HEAD.replace(";", ","), ROWS[0].replace(";", ",")], "o separador deve ser ';'"),
        (
            [HEAD, "maria;pw;;;;;wifi-key-orfa;;;A;N;M;1"],
            "linha 2: senha_wifi_24 preenchida mas ssid_24 vazia",
        ),
        (["# só comentário"], "arquivo vazio"),
    ],
)
def test_malformed_file_names_the_line(tmp_path: Path, lines: list[str], expected: str) -> None:
    path = _write(tmp_path, lines)
    with pytest.raises(InventoryError) as info:
        CsvSource(path)
    assert expected in str(info.value)
    assert "assinantes.csv" in info.value.pt()
    for secret in ("ppp-pw-1", "ppp-pw-2", "wifi-key-24", "wifi-key-orfa"):
        assert secret not in str(info.value)


def test_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "assinantes.csv"
    path.write_bytes((HEAD + "\n" + ROWS[0] + "\n").encode("cp1252"))
    with pytest.raises(InventoryError, match="UTF-8"):
        CsvSource(path)


def test_search_and_filters(tmp_path: Path) -> None:
    src = CsvSource(_write(tmp_path, [HEAD, *ROWS]))
    assert [s.login for s in src.search("JOAO.SILVA")] == ["joao.silva"]
    assert [s.login for s in src.search("pao quente")] == ["empresa"]
    assert [s.login for s in src.search("12345678909")] == ["joao.silva"]
    assert [s.login for s in src.search("987.654.321-00")] == ["maria"]
    assert [s.login for s in src.search("11222333000181")] == ["empresa"]
    assert src.search("ninguém") == []
    assert [s.login for s in src.iter_subscribers(model="zte-onu")] == ["maria"]
    assert [s.login for s in src.iter_subscribers(contract_status="A")] == ["joao.silva", "empresa"]
    assert [
        s.login for s in src.iter_subscribers(contract_status=[InternetStatus.MANUAL_BLOCK])
    ] == ["maria"]
    assert [s.login for s in src.iter_subscribers(login_glob="j*")] == ["joao.silva"]
    assert src.count_hint() == sum(1 for _ in src.iter_subscribers()) == 3
    with pytest.raises(UnknownLogin):
        src.subscriber("nao.existe")


def test_update_wifi_rewrites_only_that_line(tmp_path: Path) -> None:
    lines = ["# cabeçalho exportado", HEAD, *ROWS]
    path = _write(tmp_path, lines, bom=True, crlf=True)
    path.chmod(0o600)
    src = CsvSource(path)
    sub = src.update_wifi(
        "maria",
        [
            WifiRecord(band=Band.GHZ_2_4, ssid="Maria; nova", passphrase=SecretStr("nova-chave-1")),
        ],
    )
    w24 = sub.wifi_for(Band.GHZ_2_4)
    assert w24 is not None and w24.ssid == "Maria; nova" and w24.passphrase is not None
    assert w24.passphrase.get_secret_value() == "nova-chave-1"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == len(lines)
    new_lines = raw.decode("utf-8-sig").split("\r\n")
    assert new_lines[:3] == lines[:3] and new_lines[4] == lines[4]
    assert '"Maria; nova"' in new_lines[3] and "nova-chave-1" in new_lines[3]
    assert path.stat().st_mode & 0o777 == 0o600
    # Passphrase None keeps the registered key; a reload sees the same data.
    src.update_wifi("maria", [WifiRecord(band=Band.GHZ_2_4, ssid="Maria 2")])
    again = CsvSource(path).subscriber("maria").wifi_for(Band.GHZ_2_4)
    assert again is not None and again.ssid == "Maria 2" and again.passphrase is not None
    assert again.passphrase.get_secret_value() == "nova-chave-1"


def test_update_wifi_validates_first(tmp_path: Path) -> None:
    path = _write(tmp_path, [HEAD, *ROWS])
    before = path.read_bytes()
    src = CsvSource(path)
    with pytest.raises(InputError) as info:
        src.update_wifi(
            "maria", [WifiRecord(band=Band.GHZ_2_4, ssid="x", passphrase=SecretStr("curta"))]
        )
    assert "curta" not in str(info.value)
    assert path.read_bytes() == before


def test_no_service_orders_and_no_secret_in_reprs(tmp_path: Path) -> None:
    src = CsvSource(_write(tmp_path, [HEAD, *ROWS]))
    sub = src.subscriber("joao.silva")
    with pytest.raises(InventoryError, match=r"O\.S\."):
        src.open_service_order(sub, "msg", assunto_id="1", setor="1")
    for text in (repr(sub), str(sub), sub.model_dump_json(), repr(src)):
        for secret in ("ppp-pw-1", "wifi-key-24", "wifi-key-5"):
            assert secret not in text
