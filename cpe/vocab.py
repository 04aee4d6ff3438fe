"""Portuguese words for the codes a person reads (pages, history, messages).

JSON keeps the codes (design.md); whatever shows them to a person goes through these maps,
so "rolled_back" or "no_signal" never reaches an agent's screen.
"""

from __future__ import annotations

__all__ = [
    "ACTION_PT",
    "CHANGE_PT",
    "CONTRACT_STATE_PT",
    "OUTCOME_PT",
    "WAN_ERROR_PT",
    "join_pt",
    "words_pt",
]

#: Drift / change names (cpe.drift) as an agent says them.
CHANGE_PT = {
    "dns": "DNS",
    "ssid": "nome do Wi-Fi (SSID)",
    "wifi_key": "senha do Wi-Fi",
    "pppoe": "PPPoE",
    "optical": "sinal óptico",
}

#: Journal action names (`actions.action`).
ACTION_PT = {
    "reconfigure": "Reaplicar configuração",
    "alterar_wifi_ixc": "Wi-Fi gravado no IXC",
    "mostrar_senha": "Senha exibida",
    "abrir_os_n3": "O.S. N3 aberta",
    "abrir_os_outras_demandas": "O.S. de Outras Demandas aberta",
}

#: Journal outcomes (`actions.outcome`).
OUTCOME_PT = {
    "verified": "feito e conferido",
    "dry_run": "simulação (nada alterado)",
    "rolled_back": "não confirmado; alterações desfeitas",
    "changed_unverified": "alterado, mas não conferido",
    "error": "falhou",
    "interrupted": "interrompido",
    "unverified": "não confirmado",
    "shown": "exibida",
    "opened": "aberta",
    "saved": "gravado",
}

#: cpe.policy.ContractCheck.state
CONTRACT_STATE_PT = {
    "ok": "ativo",
    "late": "em atraso",
    "reduced": "com velocidade reduzida",
    "blocked": "bloqueado",
    "disabled": "desativado",
    "paused": "pausado",
    "unknown": "não encontrado",
}

#: cpe.models.WanError values.
WAN_ERROR_PT = {
    "pppoe_auth_failed": "erro de autenticação: o provedor recusou usuário/senha do PPPoE",
    "pppoe_no_server": "o concentrador PPPoE não respondeu",
    "link_down": "sem link na porta WAN/PON",
    "connecting": "ainda conectando",
    "other": "motivo não informado pelo equipamento",
}


def join_pt(items: list[str]) -> str:
    """ "a", "a e b", "a, b e c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " e " + items[-1]


def words_pt(codes: list[str], table: dict[str, str]) -> str:
    """Codes in Portuguese, joined as a person says them (unknown codes pass through)."""
    return join_pt([table.get(c, c) for c in codes])
