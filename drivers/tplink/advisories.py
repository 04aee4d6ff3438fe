"""Public advisories for the TP-Link ONUs we manage (XC220-G3v, XZ000-G3), by firmware
version only.

None is known. Searched (2026): the NVD / OpenCVE / CVE-logic pages for "XC220-G3v",
"XC220", "XZ000-G3" and "XZ000"; GitHub issues and advisories (hack-gpon's XZ000-G3 page
lists crash bugs under PPPoE, not a security advisory; routersploit's GPON entries are
Dasan/other vendors); TP-Link's public security bulletins as mirrored by those pages (the
2026 TP-Link entries name Archer BE230 and Tapo cameras, not these ONUs). Add a row here,
with its advisory id and source, when one is published.
"""

from __future__ import annotations

from drivers.advisories import Advisory

ADVISORIES: tuple[Advisory, ...] = ()
