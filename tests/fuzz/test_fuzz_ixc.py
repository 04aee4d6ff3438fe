"""Fuzzing the IXC webservice client and the subscriber join on top of it, plus the CSV
inventory file reader.

The fake IXC answers in-process with the simulator's own listing/insert/update code (no
sockets) and replaces one answer with a hostile one.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from cpe.errors import CpeError
from cpe.models import Band
from inventory.csv_source import HEADER, CsvSource
from inventory.ixc import simulator as ixcsim
from inventory.ixc.client import IxcClient
from inventory.ixc.protocol import clean_message, parse_answer, rows_of, total_of
from inventory.ixc.sim_answers import answer_create, answer_listing, answer_put
from inventory.ixc.source import IxcSource
from inventory.ixc.tables import CLIENTS, CONTRACTS, LOGINS, ONUS
from inventory.models import WifiRecord
from tests.fuzz import bodies as b
from tests.fuzz.support import (
    Answer,
    FakeDevice,
    Fuzz,
    build_response,
    fuzz_settings,
    only_contract_errors,
    only_cpe_errors,
    session_for,
)

BASE = "http://127.0.0.1:9"
JSON = {"Content-Type": "application/json"}


def new_state() -> ixcsim.IxcSimState:
    state = ixcsim.IxcSimState()
    for n, login in enumerate(("ana.silva", "bruno.souza", "carla.lima"), 1):
        ixcsim.add_subscriber(
            state,
            login=login,
            password=f"ppp-{n:04d}",
            ip=f"127.0.1.{n}",
            model_text="ZTE F670L",
            ssid24=f"Casa {n}",
            psk24=f"wifi24-secret-{n:04d}",
            customer_name=f"Cliente {n}",
            cpf=f"{n:011d}",
            duplicate_onu_row=n == 2,
        )
    return state


def _answer(resp: Any) -> Answer:
    """An aiohttp Response built by the simulator, as the fake's answer."""
    body = resp.body if isinstance(resp.body, bytes) else b""
    return Answer(resp.status, body, {"Content-Type": resp.content_type})


class Ixc:
    def __init__(self) -> None:
        self.state = new_state()

    def route(self, request: requests.PreparedRequest) -> tuple[str, Answer]:
        parts = urlsplit(request.url or "").path.split("/")[3:]  # after /webservice/v1
        table = parts[0] if parts else ""
        raw = request.body or b"{}"
        body = json.loads(raw)
        if request.headers.get("ixcsoft") == "listar":
            return f"list:{table}", _answer(answer_listing(self.state, table, body))
        if request.method == "PUT":
            return f"put:{table}", _answer(answer_put(self.state, table, parts[1], body))
        if table in self.state.buttons:
            data = self.state.buttons[table](self.state, body)
            return f"button:{table}", Answer(200, json.dumps(data), JSON)
        return f"post:{table}", _answer(answer_create(self.state, table, body))


def source(fuzz: Fuzz | None) -> tuple[IxcSource, FakeDevice]:
    fake = Ixc()
    adapter = FakeDevice(fake.route, fuzz, max_calls=400)
    client = IxcClient(
        BASE,
        SecretStr(fake.state.token),
        session=session_for(adapter),
        retries=0,
        backoff_s=0.0,
        page_size=2,
    )
    return IxcSource(client, page_size=2, scan_page_size=2, max_range_queries=1), adapter


def test_the_fake_ixc_serves_subscribers() -> None:
    src, adapter = source(None)
    subs = list(src.iter_subscribers())
    assert [s.login for s in subs] == ["ana.silva", "bruno.souza", "carla.lima"]
    assert src.subscriber("bruno.souza").contract is not None
    src.update_wifi(
        "ana.silva",
        [WifiRecord(band=Band.GHZ_2_4, ssid="Nova", passphrase=SecretStr("senha-nova-1"))],
    )
    assert "put:" + LOGINS in adapter.calls


def _valid_listing(table: str) -> dict[str, Any]:
    resp = answer_listing(new_state(), table, {"qtype": f"{table}.id", "query": "0", "oper": ">"})
    listing: dict[str, Any] = json.loads(_answer(resp).raw())
    return listing


LISTINGS = {t: _valid_listing(t) for t in (LOGINS, CONTRACTS, CLIENTS, ONUS)}


@st.composite
def listing_bodies(draw: st.DrawFn, table: str) -> str:
    """The table's listing with hostile rows: ids like "²", wrong types, huge numbers..."""
    # A copy: the rows are edited in place below, and LISTINGS must stay as it was.
    shaped = copy.deepcopy(draw(b.mutated_json(LISTINGS[table])))
    if isinstance(shaped, dict) and draw(st.booleans()):
        rows = shaped.get("registros")
        if isinstance(rows, list):
            for row in rows:
                if isinstance(row, dict):
                    for key in ("id", "id_cliente", "id_contrato", "id_login"):
                        if key in row and draw(st.booleans()):
                            row[key] = draw(st.sampled_from(b.VALUES[:40]) | b.json_scalars)
    return b.dump_json(shaped)


# --- (a) pure readers ------------------------------------------------------------------------


@fuzz_settings()
@given(
    body=b.bodies_like(json.dumps(LISTINGS[LOGINS]), listing_bodies(LOGINS)),
    status=st.sampled_from((200, 200, 401, 404, 500)),
    ctype=st.sampled_from(b.CONTENT_TYPES),
)
def test_listing_parse(body: str | bytes, status: int, ctype: str | None) -> None:
    answer = Answer(status, body, {"Content-Type": ctype} if ctype else {})
    resp = build_response(requests.Request("GET", BASE).prepare(), answer)

    def read() -> None:
        data = parse_answer(resp, "127.0.0.1:9", "listar radusuarios", ())
        total_of(data, "127.0.0.1:9", LOGINS)
        rows_of(data, "127.0.0.1:9", LOGINS)

    only_cpe_errors("ixc.protocol.parse_answer/total_of/rows_of", read)


@fuzz_settings()
@given(
    message=b.json_values | b.oversized() | st.sampled_from(b.HTML_PAGES),
    secret=st.text(max_size=8),
)
def test_error_message_cleaning(message: Any, secret: str) -> None:
    def clean() -> None:
        text = clean_message(message, (secret,))
        assert len(text) <= 300

    only_contract_errors("ixc.protocol.clean_message", clean, ())


# --- (b) client and source end to end ------------------------------------------------------------

CALLS = [f"list:{t}" for t in LISTINGS]


@st.composite
def ixc_fuzz(draw: st.DrawFn) -> Fuzz:
    call = draw(st.sampled_from(CALLS))
    table = call.split(":")[1]
    body = b.bodies_like(json.dumps(LISTINGS[table]), listing_bodies(table))
    # Only the first answer: a listing that keeps answering "more rows" on every page is
    # a server that ignores `page`, not a parsing problem.
    return Fuzz(call, draw(b.answers(body, content_type="application/json")))


@fuzz_settings()
@given(fuzz=ixc_fuzz(), action=st.sampled_from(("iter", "subscriber", "search", "update_wifi")))
def test_source(fuzz: Fuzz, action: str) -> None:
    def run() -> None:
        src, _ = source(fuzz)
        if action == "iter":
            list(src.iter_subscribers())
        elif action == "subscriber":
            src.subscriber("bruno.souza")
        elif action == "search":
            src.search("Cliente")
        else:
            src.update_wifi(
                "ana.silva", [WifiRecord(band=Band.GHZ_2_4, ssid="Nova", passphrase=None)]
            )

    # UnknownLogin names the login as its "device"; every IXC error names the host.
    only_cpe_errors("ixc.source.iter/subscriber/search/update_wifi", run)


@st.composite
def write_fuzz(draw: st.DrawFn) -> tuple[Fuzz, str]:
    action = draw(st.sampled_from(("update_full", "create", "call")))
    call, valid = {
        "update_full": (f"put:{LOGINS}", {"type": "success", "message": "ok", "id": "1"}),
        "create": ("post:su_oss_chamado", {"type": "success", "message": "ok", "id": "7"}),
        "call": ("button:desconectar_clientes", {"type": "success", "msg": [{"type": "success"}]}),
    }[action]
    return Fuzz(
        call, draw(b.answers(b.json_bodies(valid), content_type="application/json"))
    ), action


@fuzz_settings()
@given(case=write_fuzz())
def test_client_writes(case: tuple[Fuzz, str]) -> None:
    fuzz, action = case

    def run() -> None:
        src, _ = source(fuzz)
        client = src.client
        if action == "update_full":
            client.update_full(LOGINS, "1", {"ssid_router_wifi": "Nova"})
        elif action == "create":
            client.create(
                "su_oss_chamado",
                {"id_cliente": "1", "mensagem": "x", "id_assunto": "1", "setor": "1"},
            )
        else:
            client.call("desconectar_clientes", {"id": "1"})

    only_cpe_errors("ixc.client.writes", run)


IXC_REGRESSIONS = [
    (f"list:{LOGINS}", '{"a":' * 100_000 + "1" + "}" * 100_000),  # RecursionError in json
    (
        f"list:{LOGINS}",
        json.dumps({"type": "error", "message": "<" * 100_000}),
    ),  # clean_message: quadratic
    (
        f"list:{LOGINS}",
        json.dumps(
            {"total": "1", "registros": [{**LISTINGS[LOGINS]["registros"][0], "id_contrato": "²"}]}
        ),
    ),
]


@pytest.mark.parametrize(("call", "body"), IXC_REGRESSIONS)
def test_regressions(call: str, body: str) -> None:
    def run() -> None:
        src, _ = source(Fuzz(call, Answer(200, body, JSON)))
        list(src.iter_subscribers())

    only_cpe_errors("ixc.regressions", run)


# --- the CSV inventory file --------------------------------------------------------------------

CSV_VALID = (
    ";".join(HEADER)
    + "\n"
    + ";".join(
        (
            "joao.silva",
            "pw",
            "100.64.1.10",
            "",
            "Mercusys AC12G",
            "Casa",
            "chave-24g-1",
            "Casa-5G",
            "chave-5g-12",
            "A",
            "N",
            "João",
            "12345678909",
        )
    )
    + "\n"
)


@st.composite
def csv_like(draw: st.DrawFn) -> str:
    cells = CSV_VALID.split("\n")[1].split(";")
    for i in range(len(cells)):
        if draw(st.integers(0, 3)) == 0:
            cells[i] = draw(st.sampled_from(b.VALUES) | st.text(max_size=10))
    quote = draw(st.sampled_from(("", '"', "'")))
    return CSV_VALID.split("\n")[0] + "\n" + ";".join(quote + c for c in cells) + "\n"


@fuzz_settings()
@given(text=b.bodies_like(CSV_VALID, csv_like()))
def test_csv_file(text: str | bytes) -> None:
    """Only InventoryError naming the file (it has no device: the file is the source)."""
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "assinantes.csv"
        path.write_bytes(raw)

        def load() -> None:
            try:
                CsvSource(path)
            except CpeError as exc:
                assert "assinantes.csv" in exc.message
                raise

        only_cpe_errors("inventory.csv_source", load, device_required=False)


CSV_REGRESSIONS = [
    CSV_VALID.replace(";;Mercusys", ";²;Mercusys"),  # isdigit() but not int()
    CSV_VALID.replace(";;Mercusys", ";" + "1" * 5000 + ";Mercusys"),  # int() digit limit
    CSV_VALID.replace(";pw;", ";" + "x" * 200_000 + ";"),  # csv: field larger than field limit
    "a;" * 100_000 + "\n",  # header check: names.count() per column, quadratic (~1 min)
]


@pytest.mark.parametrize(
    "text", CSV_REGRESSIONS, ids=["unicode-digit", "5000-digits", "big-field", "wide-header"]
)
def test_csv_regressions(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "assinantes.csv"
        path.write_text(text, encoding="utf-8")
        only_cpe_errors("inventory.csv_regressions", lambda: CsvSource(path), device_required=False)
