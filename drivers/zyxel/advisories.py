"""Public Zyxel advisories for the ISP's model (EX3301-T0, project code ABVY), by version.

A row matches the firmware string the unit reports (getBasicInformation / DeviceInfo
SoftwareVersion, `sys atsh` over ZySH), e.g. "V5.50(ABVY.7.2)C0". The affected ranges are
Zyxel's own ("through 5.50(ABVY.8.3)C0"); operator builds of the same release (the "Y0",
"Y1" suffixes of ISP firmware such as "V5.50(ABVY.5.5)b6_Y0") carry the same code and
are matched with it. Nothing here touches a device.
"""

from __future__ import annotations

from drivers.advisories import Advisory

__all__ = ["ADVISORIES"]

#: "V5.50(ABVY.<major>.<minor>)<build>", the leading V optional.
_ABVY = r"V?5\.50\(ABVY\.{release}\)\S*"
#: Every ABVY release up to and including 8.3.
_THROUGH_8_3 = _ABVY.format(release=r"(?:[0-7]\.\d+|8\.[0-3])")

ADVISORIES: tuple[Advisory, ...] = (
    Advisory(
        advisory_id="CVE-2026-79614",
        models=("zyxel",),
        firmware_patterns=(_THROUGH_8_3,),
        summary_pt=(
            "estouro de memória na libclinkc.so permite a quem alcança a interface web, "
            "sem senha, executar comandos no roteador (acesso pela WAN vem desligado)"
        ),
        source=(
            "Zyxel CNA, CVE record CVE-2026-79614: DX3301-T0/EX3301-T0 firmware "
            "<= 5.50(ABVY.8.3)C0 (cvelistV5 cves/2026/79xxx/CVE-2026-79614.json)"
        ),
        severity="critical",
    ),
    Advisory(
        advisory_id="CVE-2026-6952",
        models=("zyxel",),
        # Only the release a public write-up verified is listed: the Zyxel advisory's
        # own range was not available to us, and a guessed range would flag wrongly.
        firmware_patterns=(_ABVY.format(release=r"7\.2"),),
        summary_pt=(
            "injeção de configuração no servidor de log (LogServer) dá acesso root a quem "
            "já tem senha de administrador"
        ),
        source=(
            "Zyxel advisory for CVE-2026-6952, as reported for V5.50(ABVY.7.2)C0 by "
            "stevejiang0509/ex3301-t0-root-ssh-research"
        ),
        severity="high",
    ),
)
