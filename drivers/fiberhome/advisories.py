"""Fiberhome ONU firmware that public advisories list as vulnerable (version match only).

Fiberhome numbers releases RPxxxx across its ONU line; an advisory's range is applied to
every unit of the `fiberhome-onu` key, whose models (HG61xx, AN5506-04-x) share that
numbering, and never to the HG6145F-only key. The simulated fixed-key profile (RP2613)
falls in CVE-2021-4464's range; the acsRandom profile (RP4552) in none.
"""

from __future__ import annotations

from drivers.advisories import Advisory

_CVE_LIST = "CVEProject/cvelistV5:cves"

#: RP0000 to RP2631 inclusive.
_UP_TO_RP2631 = r"RP(?:[01]\d{3}|2[0-5]\d{2}|26[0-2]\d|263[01])"

ADVISORIES: tuple[Advisory, ...] = (
    Advisory(
        advisory_id="CVE-2021-4464",
        models=("fiberhome-onu",),
        firmware_patterns=(_UP_TO_RP2631,),
        summary_pt=(
            "firmware na faixa que o CVE-2021-4464 lista como vulnerável "
            "(AN5506-04-FA até RP2631; HG6245D antes de RP2602): atualizar o firmware"
        ),
        source=f"{_CVE_LIST}/2021/4xxx/CVE-2021-4464.json (VulnCheck; finder Pierre Barre)",
    ),
    Advisory(
        advisory_id="CVE-2021-42912",
        models=("fiberhome-onu",),
        firmware_patterns=(r"RP2617",),
        summary_pt=(
            "AN5506-04-F RP2617: injeção de comandos pelo diagnóstico de ping (após login): "
            "atualizar o firmware"
        ),
        source=f"{_CVE_LIST}/2021/42xxx/CVE-2021-42912.json",
    ),
    Advisory(
        advisory_id="CVE-2025-1616",
        models=("fiberhome-onu",),
        firmware_patterns=(r"RP2511",),
        summary_pt=(
            "AN5506-01A RP2511: injeção de comandos pelo diagnóstico (endereço de destino): "
            "atualizar o firmware"
        ),
        source=f"{_CVE_LIST}/2025/1xxx/CVE-2025-1616.json (VulDB)",
        severity="critical",
    ),
)
