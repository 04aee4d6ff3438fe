"""ZTE ONU firmware that public advisories list as vulnerable (version match only).

Only advisories that name our models with version strings are here. None found lists
ThinkLua F670L V9 / F6600(P) / F6640 firmware versions (the searches and what turned up
are in the family README); CVE-2026-34473 names H288A/H388X "before 2022" without
versions, so it cannot be matched by version and is left out.
"""

from __future__ import annotations

from drivers.advisories import Advisory

ADVISORIES: tuple[Advisory, ...] = (
    Advisory(
        advisory_id="CVE-2020-6879",
        models=("zte-onu", "zte-f670l"),
        firmware_patterns=(r"V1\.1\.10P1N2E",),
        summary_pt=(
            "firmware do F670L com falha de validação na página de rotas estáticas "
            "(corrigida no V1.1.10P2N2): atualizar o firmware"
        ),
        source=(
            "ZTE PSIRT LoopholeInfoDetail newsId=1013922; CVEProject/cvelistV5:"
            "cves/2020/6xxx/CVE-2020-6879.json (affects ZXHN F670L V1.1.10P1N2E)"
        ),
        severity="medium",
    ),
)
