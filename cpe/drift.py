"""Compare what a device holds with what IXC (and the runbook) say it should hold.

Shared by `cpe reconfigure` (what to change) and `cpe audit` (what to report). Wi-Fi keys
are compared here, in-process, and only the fact match/mismatch leaves this module.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from ipaddress import IPv4Address

from cpe.models import Band, Capability, DeviceStatus, WanError
from cpe.policy import OPTICAL_TEXT_PT, OpticalVerdict, optical_verdict
from cpe.settings import Settings
from inventory.models import Subscriber

#: Drift names, as design.md fixes them.
PPPOE, DNS, SSID, WIFI_KEY, OPTICAL = "pppoe", "dns", "ssid", "wifi_key", "optical"
ORDER = (DNS, SSID, WIFI_KEY, PPPOE, OPTICAL)


@dataclass(frozen=True)
class Drift:
    name: str
    band: Band | None = None
    #: Plain description without secrets (Portuguese, for agents and reports).
    detail_pt: str = ""


def standard_dns(settings: Settings) -> tuple[IPv4Address, IPv4Address]:
    return IPv4Address(settings.dns_primary), IPv4Address(settings.dns_secondary)


def secrets_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def find_drifts(
    status: DeviceStatus,
    sub: Subscriber,
    capabilities: frozenset[Capability],
    settings: Settings,
    *,
    include_optical: bool = True,
) -> list[Drift]:
    out: list[Drift] = []
    if Capability.DNS in capabilities:
        want = standard_dns(settings)
        if tuple(status.dns[:2]) != want:
            shown = ", ".join(str(d) for d in status.dns) or "nenhum"
            out.append(Drift(DNS, detail_pt=f"DNS atual {shown}; padrão {want[0]} / {want[1]}"))
    if Capability.WIFI in capabilities and not status.bridge_mode:
        for record in sub.wifi:
            net = status.wifi_for(record.band)
            if net is None:
                continue
            if record.ssid and net.ssid != record.ssid:
                out.append(
                    Drift(
                        SSID,
                        record.band,
                        f"SSID {record.band}: equipamento '{net.ssid}', IXC '{record.ssid}'",
                    )
                )
            if record.passphrase is not None and net.passphrase is not None:
                if not secrets_equal(
                    record.passphrase.get_secret_value(), net.passphrase.get_secret_value()
                ):
                    out.append(
                        Drift(WIFI_KEY, record.band, f"senha do Wi-Fi {record.band} difere do IXC")
                    )
    if Capability.PPPOE in capabilities and not status.bridge_mode:
        user = status.wan.pppoe_username
        if user != sub.login:
            out.append(
                Drift(PPPOE, detail_pt=f"usuário PPPoE no equipamento '{user}', IXC '{sub.login}'")
            )
        elif status.wan.error is WanError.PPPOE_AUTH:
            out.append(
                Drift(PPPOE, detail_pt="PPPoE recusado pelo provedor (erro de autenticação)")
            )
    if include_optical and Capability.OPTICAL in capabilities:
        verdict = optical_verdict(
            status.optical, settings.optical_warn_dbm, settings.optical_crit_dbm
        )
        if verdict in (OpticalVerdict.WARNING, OpticalVerdict.CRITICAL, OpticalVerdict.NO_SIGNAL):
            rx = status.optical.rx_dbm if status.optical else None
            out.append(Drift(OPTICAL, detail_pt=f"{OPTICAL_TEXT_PT[verdict]} (RX {rx} dBm)"))
    return out


def drift_names(drifts: list[Drift]) -> list[str]:
    names = {d.name for d in drifts}
    return [n for n in ORDER if n in names]
