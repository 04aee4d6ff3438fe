"""IXC field knowledge in one place: enum codes, per-table projections, model mapping.

Status marks follow docs/protocols/ixc-api.md: [C] confirmed by public clients, [G] our
guess. Every guess the toolkit depends on is in this module, so a site whose IXC differs
changes one file.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from inventory.models import InternetStatus

__all__ = [
    "CONTRACT_STATUS",
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
