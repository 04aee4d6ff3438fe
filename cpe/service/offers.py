"""Which device actions the agent page offers, and what each confirmation says.

Only actions that can work are offered: a blocked, paused or TV-only contract gets none;
a bridged ONU has no PPPoE or Wi-Fi; an unreachable device, one we cannot log in to, or
an ONU without optical signal gets the N3 service order instead; a fix is offered only
for what differs from IXC. The confirmation says what will change and, for PPPoE, that
the customer goes offline for up to the restart time, with words to tell them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from cpe import drift as drift_mod
from cpe.actions import StatusReport
from cpe.settings import Settings
from cpe.vocab import join_pt
from inventory.models import Subscriber

#: Error kinds that mean "no remote access" (the runbook: message the provider's group).
NO_ACCESS_KINDS = frozenset({"auth_failed", "locked"})


@dataclass(frozen=True)
class Task:
    """A device action the page can start: what reconfigure does for it."""

    pppoe: bool = False
    dns: bool = False
    wifi: bool = False


#: Page action id -> what it writes.
TASKS = {
    "corrigir_dns": Task(dns=True),
    "reaplicar_pppoe": Task(pppoe=True, dns=True),
    "aplicar_wifi_ixc": Task(wifi=True),
}


def device_state(report: StatusReport | None) -> str:
    """ok | unreachable | no_access | no_signal | bridge | busy | error | none."""
    if report is None:
        return "none"
    if not report.reachable or report.wan is None:
        kind = (report.error or {}).get("kind")
        if kind in NO_ACCESS_KINDS:
            return "no_access"
        if kind == "busy":
            return "busy"
        if kind in ("unreachable", None):
            return "unreachable"
        return "error"
    if report.optical_verdict == "no_signal":
        return "no_signal"
    if (report.model_extra or {}).get("bridge_mode"):
        return "bridge"
    return "ok"


def outage_minutes(settings: Settings) -> int:
    """The longest the customer stays offline after a PPPoE write: the tool's own bounds
    for the port to come back and the WAN to come up (usually much less)."""
    total = settings.wan_settle_s + settings.wan_restart_timeout_s + settings.wan_up_wait_s
    return max(1, math.ceil(total / 60))


def _confirm(titulo: str, texto: str, dizer: str, botao: str) -> dict[str, str]:
    return {"titulo": titulo, "texto": texto, "dizer_ao_cliente": dizer, "botao": botao}


def _dns_words(report: StatusReport, settings: Settings) -> str:
    now = " / ".join(report.dns[:2]) or "nenhum"
    return f"o DNS passa de {now} para {settings.dns_primary} / {settings.dns_secondary}"


def _wifi_words(sub: Subscriber, report: StatusReport) -> list[str]:
    out = []
    on_device = {w.get("band"): w.get("ssid") for w in report.wifi}
    for rec in sub.wifi:
        if "ssid" in report.drifts and on_device.get(rec.band.value) not in (None, rec.ssid):
            out.append(
                f"o nome da rede {rec.band.value} passa de “{on_device[rec.band.value]}” "
                f"para “{rec.ssid}”"
            )
    if "wifi_key" in report.drifts:
        out.append("a senha do Wi-Fi passa a ser a cadastrada no IXC")
    return out


def offers(
    sub: Subscriber,
    report: StatusReport | None,
    settings: Settings,
    *,
    allowed: bool,
    tv_only: bool,
) -> list[dict[str, Any]]:
    """The device actions for this page, each with its confirmation."""
    if not allowed or tv_only:
        return []
    if sub.equipment_owner == "P":
        return [
            {
                "id": "dados_pppoe",
                "rotulo": "Mostrar os dados do PPPoE para o cliente",
                "tipo": "dados",
            }
        ]
    if report is None or device_state(report) != "ok":
        return []
    drifts = set(report.drifts)
    out: list[dict[str, Any]] = []
    minutes = outage_minutes(settings)
    if drift_mod.PPPOE in drifts:
        what = ["o PPPoE é regravado com o login do IXC e a conexão é reiniciada"]
        if drift_mod.DNS in drifts:
            what.insert(0, _dns_words(report, settings))
        out.append(
            {
                "id": "reaplicar_pppoe",
                "rotulo": "Reaplicar PPPoE"
                + (" e corrigir DNS" if drift_mod.DNS in drifts else ""),
                "tipo": "tarefa",
                "derruba_conexao": True,
                "confirmacao": _confirm(
                    "Reaplicar o PPPoE: a internet do cliente vai cair",
                    f"O que muda: {join_pt(what)}. O cliente fica sem internet por até "
                    f"{minutes} minutos, o tempo de o equipamento refazer a conexão "
                    "(normalmente menos de 1 minuto).",
                    "Vou reaplicar a configuração da sua internet agora. A conexão vai cair e "
                    f"voltar sozinha em até {minutes} minutos; por favor, não desligue o "
                    "equipamento nesse tempo.",
                    "Reaplicar e derrubar a conexão",
                ),
            }
        )
    elif drift_mod.DNS in drifts:
        out.append(
            {
                "id": "corrigir_dns",
                "rotulo": "Corrigir DNS",
                "tipo": "tarefa",
                "derruba_conexao": False,
                "confirmacao": _confirm(
                    "Corrigir o DNS",
                    f"O que muda: {_dns_words(report, settings)} (padrão do provedor). Só o "
                    "DNS muda: a internet do cliente não cai.",
                    "Vou corrigir uma configuração do seu equipamento; a internet não cai.",
                    "Corrigir DNS",
                ),
            }
        )
    if report.wifi:
        if drifts & {drift_mod.SSID, drift_mod.WIFI_KEY}:
            out.append(
                {
                    "id": "aplicar_wifi_ixc",
                    "rotulo": "Aplicar o Wi-Fi do IXC",
                    "tipo": "tarefa",
                    "derruba_conexao": False,
                    "confirmacao": _confirm(
                        "Aplicar o Wi-Fi do IXC",
                        f"O que muda: {join_pt(_wifi_words(sub, report))}. Todos os aparelhos "
                        "conectados ao Wi-Fi vão desconectar e precisam se conectar de novo "
                        "com o nome e a senha do cadastro.",
                        "Vou aplicar o nome e a senha do Wi-Fi do seu cadastro. Seus aparelhos "
                        "vão desconectar do Wi-Fi e precisarão ser conectados de novo com a "
                        "senha cadastrada.",
                        "Aplicar o Wi-Fi",
                    ),
                }
            )
        out.append(
            {
                "id": "alterar_wifi",
                "rotulo": "Alterar Wi-Fi",
                "tipo": "formulario",
                "derruba_conexao": False,
                "confirmacao": _confirm(
                    "Alterar o Wi-Fi",
                    "O novo nome e a nova senha são gravados no cadastro do IXC e depois no "
                    "equipamento. Todos os aparelhos conectados ao Wi-Fi vão desconectar e "
                    "precisam se conectar de novo com a nova senha.",
                    "Vou trocar o nome e a senha do seu Wi-Fi. Todos os seus aparelhos vão "
                    "desconectar e precisarão ser conectados de novo com a nova senha.",
                    "Gravar e aplicar",
                ),
            }
        )
    return out
