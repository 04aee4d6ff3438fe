"""Public advisories on the Mercusys models of the fleet, matched by firmware version only.

AC12G v1: fifteen CVEs (CVE-2026-36602..36618) published by the researcher who dumped and
tested the firmware (Tymbark7372/MERCUSYS-AC12G). Every advisory lists the same tested
builds, AC12G(EU)_V1_200909 and AC12G(EU)_V1_210128, and says the model is end-of-life
with no fix planned. The unit reports its build date in softVer ("... Build 210128 ..."),
so a row matches those two builds. The rows kept here are the ones that matter for a
router managed remotely (login, UPnP exposure, backups, DoS); the README lists the rest.

MR30G v1: the unauthenticated read of ids 23, 68, 85 (2u1fuk4r/mercusys-mr30g-auth-bypass)
has no CVE yet ("CVE pending") and names no firmware version, so there is nothing to match
by version: no row, rather than a guessed one. The simulator still models the vulnerable
firmware (profile "mr30g-v1-open-read") and the driver never relies on the leak.
"""

from __future__ import annotations

from drivers.advisories import Advisory

__all__ = ["ADVISORIES", "AFFECTED_AC12G_BUILDS"]

#: softVer of the tested AC12G v1 builds (any version digits, the build date decides).
AFFECTED_AC12G_BUILDS = (r".*\bBuild (200909|210128)\b.*",)
_REPO = "Tymbark7372/MERCUSYS-AC12G"
_AFFECTED = f"affected: 'Tested Firmware' AC12G(EU)_V1_200909, _210128 in {_REPO}:README.md"


def _ac12g(cve: str, severity: str, summary_pt: str) -> Advisory:
    return Advisory(
        advisory_id=cve,
        models=("mercusys-ac12g",),
        firmware_patterns=AFFECTED_AC12G_BUILDS,
        summary_pt=summary_pt,
        source=f"{_REPO}:advisories/{cve}.md ({_AFFECTED})",
        severity=severity,
    )


ADVISORIES: tuple[Advisory, ...] = (
    _ac12g(
        "CVE-2026-36607", "critical",
        "A troca de senha (code=10) não limita tentativas: a senha do administrador pode "
        "ser descoberta por força bruta a partir da rede local.",
    ),
    _ac12g(
        "CVE-2026-36608", "critical",
        "O UPnP aceita redirecionar portas para o próprio roteador: o painel de "
        "administração pode ficar exposto na internet.",
    ),
    _ac12g(
        "CVE-2026-36603", "high",
        "Ações UPnP sem autenticação, inclusive redirecionamento de portas.",
    ),
    _ac12g(
        "CVE-2026-36605", "high",
        "Requisições HTTP lentas derrubam a página de administração de forma persistente.",
    ),
    _ac12g(
        "CVE-2026-36609", "high",
        "O código de login (nonce) é fixo: quem captura um login descobre a senha do "
        "administrador.",
    ),
    _ac12g(
        "CVE-2026-36606", "high",
        "O backup de configuração usa chave fixa: ele revela as senhas de administrador, "
        "Wi-Fi e PPPoE.",
    ),
    _ac12g(
        "CVE-2026-36604", "medium",
        "Sem validação do cabeçalho Host (DNS rebinding): um site aberto na rede do "
        "cliente consegue acessar a administração do roteador.",
    ),
    _ac12g(
        "CVE-2026-36612", "medium",
        "WPS ligado de fábrica com bloqueio fraco contra tentativas de PIN.",
    ),
)
