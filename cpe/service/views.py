"""What the page shows: a device report and an IXC record in plain Portuguese.

Each line is {"rotulo", "texto", "nivel"} with nivel ok | alerta | erro | info, so the
page only picks colours. Nothing secret goes in: keys are shown as "cadastrada" or not.
"""

from __future__ import annotations

from typing import Any

from cpe.actions import StatusReport
from cpe.vocab import WAN_ERROR_PT
from inventory.models import Subscriber

MASK = "••••••••"

OPTICAL_LINE = {
    "ok": ("ok", "Sinal óptico bom (verde)"),
    "warning": ("alerta", "Sinal óptico fraco (amarelo): atenção"),
    "critical": ("erro", "Sinal óptico crítico (vermelho)"),
    "no_signal": ("erro", "Sem sinal óptico (vermelho): possível fibra rompida"),
    "unknown": ("info", "Sinal óptico não informado pelo equipamento"),
}

WAN_ERRORS_PT = WAN_ERROR_PT


def _line(rotulo: str, texto: str, nivel: str) -> dict[str, str]:
    return {"rotulo": rotulo, "texto": texto, "nivel": nivel}


def status_lines(report: StatusReport) -> list[dict[str, str]]:
    if not report.reachable or report.wan is None:
        err = report.error or {}
        texto = str(err.get("mensagem") or "O equipamento não respondeu.")
        kind = err.get("kind")
        if kind == "busy":
            first = _line("Equipamento", texto, "alerta")
        elif report.error and kind not in ("unreachable", None):
            first = _line("Equipamento", texto, "erro")
        else:
            first = _line("Equipamento", f"Offline: {texto}", "erro")
        step = err.get("proximo_passo")
        return [first, _line("Próximo passo", str(step), "info")] if step else [first]
    lines = [_line("Equipamento", "Online: respondeu na porta de gerência.", "ok")]
    wan = report.wan
    extra = report.model_extra or {}
    if extra.get("bridge_mode"):
        lines.append(
            _line("Internet (PPPoE)", "ONU em modo bridge: o PPPoE fica no roteador.", "info")
        )
    elif wan.get("up"):
        lines.append(
            _line(
                "Internet (PPPoE)",
                f"Conectado como {wan.get('pppoe_username')} (IP {wan.get('ip')}).",
                "ok",
            )
        )
    else:
        reason = WAN_ERRORS_PT.get(str(wan.get("error")), WAN_ERRORS_PT["other"])
        lines.append(_line("Internet (PPPoE)", f"NÃO conectado: {reason}.", "erro"))
    if report.dns:
        shown = " / ".join(report.dns[:2])
        if "dns" in report.drifts:
            lines.append(
                _line("DNS", f"{shown}: FORA do padrão (deve ser 1.1.1.1 / 1.0.0.1).", "alerta")
            )
        else:
            lines.append(_line("DNS", f"{shown}: no padrão.", "ok"))
    for net in report.wifi:
        lines.append(_line(f"Wi-Fi {net.get('band')}", str(net.get("ssid")), "info"))
    wifi_drift = [d for d in ("ssid", "wifi_key") if d in report.drifts]
    if wifi_drift:
        what = " e ".join({"ssid": "Nome (SSID)", "wifi_key": "senha"}[d] for d in wifi_drift)
        # Agreement: "Nome (SSID) e senha diferentes", "Senha diferente".
        what = what[0].upper() + what[1:]
        differ = "diferentes" if len(wifi_drift) > 1 else "diferente"
        lines.append(_line("Wi-Fi", f"{what} {differ} do cadastro no IXC.", "alerta"))
    if "pppoe" in report.drifts:
        lines.append(
            _line("Cadastro", "O usuário PPPoE no equipamento difere do login no IXC.", "alerta")
        )
    if report.optical is not None:
        verdict = report.optical_verdict or "unknown"
        nivel, texto = OPTICAL_LINE.get(verdict, OPTICAL_LINE["unknown"])
        rx = report.optical.get("rx_dbm")
        lines.append(_line("Sinal óptico", f"{texto} — RX {rx} dBm.", nivel))
    return lines


def subscriber_view(sub: Subscriber) -> dict[str, Any]:
    """The IXC record for the page: secrets replaced by whether they exist."""
    return {
        "login": sub.login,
        "nome": sub.customer_name,
        "cpf_cnpj": sub.cpf_cnpj,
        "modelo": sub.model,
        "modelo_ixc": sub.model_text,
        "online_ixc": sub.online,
        "equipamento_proprio": sub.equipment_owner == "P",
        "plano": sub.contract.plan if sub.contract else None,
        "status_internet": sub.contract.status_internet.value if sub.contract else None,
        "senha_pppoe": MASK if sub.pppoe_password else None,
        "wifi": [
            {
                "band": w.band.value,
                "ssid": w.ssid,
                "senha": MASK if w.passphrase else None,
            }
            for w in sub.wifi
        ],
    }


def search_item(sub: Subscriber) -> dict[str, Any]:
    return {
        "login": sub.login,
        "nome": sub.customer_name,
        "cpf_cnpj": sub.cpf_cnpj,
        "modelo": sub.model_text or sub.model,
        "status_internet": sub.contract.status_internet.value if sub.contract else None,
        "bloqueado": bool(sub.contract and sub.contract.blocked),
    }
