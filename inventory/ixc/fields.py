"""IXC field knowledge in one place: enum codes, per-table projections, model mapping,
and the shapes of the listing request, each with its evidence in `LEDGER` at the end.

Status marks follow docs/protocols/ixc-api.md: [C] confirmed by public clients, [G] our
guess. Every guess the toolkit depends on is in this module, so a site whose IXC differs
changes one file.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from drivers.evidence import Fact, Grade
from inventory.models import InternetStatus

__all__ = [
    "CONTRACT_STATUS",
    "LEDGER",
    "LISTING_BODY_ENCODINGS",
    "LISTING_OPERATORS",
    "MODEL_KEYS",
    "MODEL_PATTERNS",
    "ONLINE",
    "ROUTER_MODEL_FIELD",
    "SECRET_FIELDS",
    "STATUS_INTERNET",
    "STATUS_VELOCIDADE",
    "TABLE_FIELDS",
    "TIPO_EQUIPAMENTO",
    "TIPO_OPERACAO",
    "TRAILING_SLASH_ROUTES",
    "digits",
    "fold",
    "internet_status",
    "looks_like_cpf_cnpj",
    "mask_cpf_cnpj",
    "model_from_text",
]

# --- enum codes (§4) [C] ---------------------------------------------------------------

#: `cliente_contrato.status_internet`.
STATUS_INTERNET: Final[dict[str, str]] = {
    "A": "ativo",
    "D": "desativado",
    "CM": "bloqueio manual",
    "CA": "bloqueio automático",
    "FA": "financeiro em atraso",
    "AA": "aguardando assinatura",
}
#: `cliente_contrato.status_velocidade`.
STATUS_VELOCIDADE: Final[dict[str, str]] = {"N": "normal", "R": "reduzida"}
#: `cliente_contrato.status`.
CONTRACT_STATUS: Final[dict[str, str]] = {
    "P": "pré-contrato",
    "A": "ativo",
    "I": "inativo",
    "N": "negativado",
    "D": "desistiu",
}
#: `radusuarios.tipo_equipamento`: who owns the router.
TIPO_EQUIPAMENTO: Final[dict[str, str]] = {"C": "comodato", "P": "próprio"}
#: `radpop_radio_cliente_fibra.tipo_operacao`: how the ONU runs.
TIPO_OPERACAO: Final[dict[str, str]] = {"B": "bridge", "R": "router"}
#: `radusuarios.online` (SS = sem status).
ONLINE: Final[dict[str, bool | None]] = {"S": True, "N": False, "SS": None}


def internet_status(code: str | None, fallback: str | None = None) -> InternetStatus:
    """`status_internet`, or `status_acesso` on installs that lack it (version drift).

    Unknown codes become UNKNOWN, never an error (ixc-api.md §8.3)."""
    for raw in (code, fallback):
        value = (raw or "").strip().upper()
        if value:
            try:
                return InternetStatus(value)
            except ValueError:
                return InternetStatus.UNKNOWN
    return InternetStatus.UNKNOWN


# --- projection: the only fields that leave the client (§2: rows come back whole) ------

#: [G] Where the customer's router model is written when the ONU does not terminate
#: PPPoE. IXC has no documented "router model" column on `radusuarios`; we read the
#: login's free-text `obs` ("Observação") and expect the model name on its first line,
#: e.g. "Mercusys AC12G". Change here (or pass `router_model_field=` to IxcSource) if
#: the ISP keeps it elsewhere.
ROUTER_MODEL_FIELD: Final = "obs"

TABLE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "radusuarios": (
        "id",
        "id_cliente",
        "id_contrato",
        "id_filial",
        "login",
        "senha",  # PPPoE password: needed to re-push PPPoE; SecretStr past this point
        "ativo",
        "online",
        "ip",
        "mac",
        "onu_mac",
        "tipo_equipamento",
        "ssid_router_wifi",
        "senha_rede_sem_fio",
        "ssid_router_wifi_5ghz",
        "senha_rede_sem_fio_5ghz",
        ROUTER_MODEL_FIELD,
    ),
    "cliente_contrato": (
        "id",
        "id_cliente",
        "contrato",
        "status",
        "status_internet",
        "status_acesso",
        "status_velocidade",
        "id_filial",
        # S = paused ("suspensão temporária"), N = not [C1: IXC's own contract form script
        # shows "remover_suspensao" when it is S; a generated schema lists S/N/T].
        "contrato_suspenso",
    ),
    # `senha` (customer-portal password) deliberately absent.
    "cliente": ("id", "razao", "fantasia", "tipo_pessoa", "cnpj_cpf", "ativo", "filial_id"),
    # `senha_onu_cliente` deliberately absent.
    "radpop_radio_cliente_fibra": (
        "id",
        "id_login",
        "id_contrato",
        "mac",
        "onu_tipo",
        "tipo_operacao",
        "versao",
        "sinal_rx",
        "sinal_tx",
        "data_sinal",
    ),
    "su_oss_chamado": (
        "id",
        "tipo",
        "id_cliente",
        "id_login",
        "id_contrato_kit",
        "id_assunto",
        "setor",
        "id_filial",
        "status",
        "prioridade",
        "mensagem",
        "data_abertura",
    ),
}

#: Clear-text secrets IXC rows carry. Never logged, never in an error message.
SECRET_FIELDS: Final = frozenset(
    {
        "senha",
        "senha_rede_sem_fio",
        "senha_rede_sem_fio_5ghz",
        "senha_onu_cliente",
        "senha_router1",
        "senha_router2",
        "senha_wpa2aes",
    }
)

# --- device model text -> registry key --------------------------------------------------

#: Registry keys the inventory may return (mirrors drivers/registry.py; inventory must
#: not import drivers).
MODEL_KEYS: Final[tuple[str, ...]] = (
    "zyxel",
    "mercusys-ac12g",
    "mercusys-mr30g",
    "zte-onu",
    "fiberhome-onu",
    "tplink-onu",
    "tplink-xz000-g3",
)

#: First match wins, so finer patterns come first. Matched case-insensitively anywhere
#: in the text ("ONU ZTE F670L V9" -> zte-onu).
MODEL_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern, re.IGNORECASE), key)
    for pattern, key in (
        (r"xz000", "tplink-xz000-g3"),
        (r"xc220", "tplink-onu"),
        (r"ac12g", "mercusys-ac12g"),
        (r"mr30", "mercusys-mr30g"),
        (r"zyxel", "zyxel"),
        (r"zte|f670|f6600", "zte-onu"),
        (r"fiberhome|hg6145|an5506", "fiberhome-onu"),
    )
)


def model_from_text(text: str | None) -> str | None:
    """Registry key for IXC's model text; None when unknown ("modelo não cadastrado")."""
    if not text:
        return None
    for pattern, key in MODEL_PATTERNS:
        if pattern.search(text):
            return key
    return None


# --- listing request shapes (what a tenant accepts; the simulator honours them) ----------

#: `oper` values: the Flexigrid set, plus `LIKE` and `IN` (a comma list) public clients send.
LISTING_OPERATORS: Final = frozenset({"=", "!=", ">", ">=", "<", "<=", "L", "LIKE", "IN"})
#: Listing bodies a tenant reads: JSON (the manual, the n8n node), and form fields (IXC's own
#: PHP WebserviceClient posts them as multipart; an older client urlencoded).
LISTING_BODY_ENCODINGS: Final = ("json", "form-urlencoded", "multipart")
#: `/webservice/v1/<table>/` (and `/<table>/<id>/`) route like the slash-less paths.
TRAILING_SLASH_ROUTES: Final = True


# --- text helpers -----------------------------------------------------------------------


def fold(text: str) -> str:
    """Case- and accent-insensitive form ("João" -> "joao"), like IXC's MySQL collation."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


_DOC_CHARS = re.compile(r"^[\d.\-/\s]+$")


def looks_like_cpf_cnpj(text: str) -> bool:
    """11 (CPF) or 14 (CNPJ) digits, masked or not."""
    return bool(_DOC_CHARS.match(text.strip())) and len(digits(text)) in (11, 14)


def mask_cpf_cnpj(text: str) -> str:
    """IXC stores documents masked: 000.000.000-00 / 00.000.000/0000-00 [C]."""
    d = digits(text)
    if len(d) == 11:
        return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}"
    if len(d) == 14:
        return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"
    return text.strip()


# --- the evidence ledger ---------------------------------------------------------------------

_ORM = "caioramos42/IXC_ORM_Project:ORM_IXC"
_PHP = "IXCsoft WebserviceClient.php (IXC's PHP SDK, copies in ISP repositories)"
_N8N = "IXC-Soft/n8n-nodes-ixcprovedor:nodes/IxcProvedor/GenericFunctions.ts"
_C, _P, _G = Grade.CONFIRMED, Grade.CORROBORATED, Grade.GUESSED

LEDGER: tuple[Fact, ...] = (
    Fact("STATUS_INTERNET", _P, "cliente_contrato.status_internet codes",
         (f"{_ORM}/enums/contratoDoCliente.py",),
         "the ORM's enums are generated from IXC's doc pages"),
    Fact("STATUS_VELOCIDADE", _P, "cliente_contrato.status_velocidade codes",
         (f"{_ORM}/enums/contratoDoCliente.py",)),
    Fact("CONTRACT_STATUS", _P, "cliente_contrato.status codes",
         (f"{_ORM}/enums/contratoDoCliente.py", "LZRBBNET/lzr-hub:docs/integrations/"
          "ixc-data-mapping.md")),
    Fact("TIPO_EQUIPAMENTO", _P, "radusuarios.tipo_equipamento C/P",
         (f"{_ORM}/enums/login.py",)),
    Fact("TIPO_OPERACAO", _P, "radpop_radio_cliente_fibra.tipo_operacao B/R",
         (f"{_ORM}/models/tableModels/clienteFibraModel.py",)),
    Fact("ONLINE", _P, "radusuarios.online S/N/SS", (f"{_ORM}/models/tableModels/loginModel.py",)),
    Fact("ROUTER_MODEL_FIELD", _G, "the router model is on the first line of radusuarios.obs",
         (), "IXC documents no router-model column; the ISP may keep it elsewhere"),
    Fact("TABLE_FIELDS", _P, "the columns read per table",
         (f"{_ORM}/models/tableModels/loginModel.py",
          f"{_ORM}/models/tableModels/clienteFibraModel.py",
          "IXC's radusuarios insert/edit examples (the official doc's JS samples)"),
         "status_acesso is version drift seen by one app"),
    Fact("SECRET_FIELDS", _P, "clear-text secret columns IXC rows carry",
         (f"{_ORM}/models/tableModels/loginModel.py",
          "IXC's radusuarios insert/edit examples (the official doc's JS samples)"),
         "senha_wpa2aes is our precaution"),
    Fact("MODEL_KEYS", _G, "registry keys the inventory may return", (),
         "our own keys (drivers/registry.py), not an IXC fact"),
    Fact("MODEL_PATTERNS", _G, "model text -> registry key", (),
         "onu_tipo / obs are free text typed by the ISP"),
    Fact("LISTING_OPERATORS", _P, "oper values a tenant accepts, LIKE and IN included",
         (f"{_ORM}/enums/operators.py", "cesarbgf/ixc-utils:ixc_utils/api.py (PyPI ixc-utils)"),
         "tests/test_ixc_interop.py drives the simulator with ixc-utils"),
    Fact("LISTING_BODY_ENCODINGS", _P, "listing bodies: JSON or form fields",
         (_PHP, "vazcaino/ixc_api_python:core_api_ixc/client.py", _N8N),
         "lzr-hub saw a tenant answer forms with the HTML error: knob form_bodies=False"),
    Fact("TRAILING_SLASH_ROUTES", _P, "/webservice/v1/<table>/ routes like /<table>",
         (_PHP, "vazcaino/ixc_api_python:core_api_ixc/client.py",
          "DotNet.IXC.ORM Api/RequestEmitter.cs (Felipe S. Carmo; repository not identified)")),
)
