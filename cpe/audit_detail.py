"""What an audit report shows of one device: the `detail` stored with its verdict (host,
contract, WAN, DNS, Wi-Fi per band, optical power, the error in pt-BR). Built from the
device's status and the drifts cpe.drift found, never a second comparison, and never a
secret: a Wi-Fi key is reported only as match/mismatch."""

from __future__ import annotations

from typing import Any

from cpe import drift as drift_mod
from cpe.context import Context
from cpe.errors import CpeError
from cpe.models import Capability, DeviceStatus, WanError
from cpe.policy import ContractCheck, check_contract, optical_verdict
from drivers import advisories
from inventory.models import Subscriber


def _contract_detail(sub: Subscriber, check: ContractCheck) -> dict[str, Any]:
    c = sub.contract
    return {
        "state": check.state,
        "allowed": check.allowed,
        "status_internet": c.status_internet.value if c else None,
        "speed_reduced": bool(c and c.speed_reduced),
        "blocked": bool(c and c.blocked),
    }


def base_detail(sub: Subscriber) -> dict[str, Any]:
    contract = check_contract(sub)
    detail: dict[str, Any] = {
        "host": f"{sub.host}:{sub.port}" if sub.host else None,
        "model_text": sub.model_text,
        "contract": _contract_detail(sub, contract),
        "reachable": None,
    }
    if sub.onu_rows > 1:
        detail["notes"] = [f"{sub.onu_rows} linhas de ONU no IXC para este login (duplicadas)"]
    return detail


def error_detail(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, CpeError):
        # Built from non-secret fields only (cpe.errors' rule).
        out: dict[str, Any] = {
            "kind": exc.kind,
            "operation": exc.operation,
            "message": exc.message,
            "mensagem": exc.pt(),
            "proximo_passo": exc.next_step_pt,
        }
        if exc.attempts_now is not None:
            out["tentativas_agora"] = exc.attempts_now
        return out
    # An unexpected exception's text may quote anything the device sent: keep the type.
    return {
        "kind": "internal",
        "operation": None,
        "message": type(exc).__name__,
        "mensagem": f"Falha interna ao auditar ({type(exc).__name__}); veja o log.",
        "proximo_passo": "Avise o técnico responsável pelo cpe-toolkit.",
    }


def status_detail(
    sub: Subscriber,
    st: DeviceStatus,
    caps: frozenset[Capability],
    drifts: list[drift_mod.Drift],
    ctx: Context,
) -> dict[str, Any]:
    """What the report shows of a device that answered; derived from `drifts`, never a
    second comparison (and never a key: only match/mismatch per band)."""
    names = {d.name for d in drifts}
    detail = base_detail(sub)
    wan_error = st.wan.error
    detail.update(
        reachable=True,
        transport=str(st.transport),
        firmware=st.firmware,
        advisories=advisories.as_rows(advisories.matching(sub.model, st.firmware)),
        model_name=st.model_name,
        uptime_s=st.uptime_s,
        bridge_mode=st.bridge_mode,
        wan={
            "up": st.wan.up,
            "ip": str(st.wan.ip) if st.wan.ip else None,
            "connection_type": st.wan.connection_type,
            "pppoe_username": st.wan.pppoe_username,
            "error": str(wan_error) if wan_error else None,
            "pppoe_auth_error": wan_error is WanError.PPPOE_AUTH,
        },
        pppoe_ok=(
            None if Capability.PPPOE not in caps or st.bridge_mode else drift_mod.PPPOE not in names
        ),
        dns=[str(d) for d in st.dns],
        dns_ok=None if Capability.DNS not in caps else drift_mod.DNS not in names,
        wifi=_wifi_detail(sub, st, caps, drifts),
        optical=None,
        drift_detail=[d.detail_pt for d in drifts],
    )
    if st.optical is not None or Capability.OPTICAL in caps:
        verdict = optical_verdict(
            st.optical, ctx.settings.optical_warn_dbm, ctx.settings.optical_crit_dbm
        )
        detail["optical"] = {
            "rx_dbm": st.optical.rx_dbm if st.optical else None,
            "tx_dbm": st.optical.tx_dbm if st.optical else None,
            "registered": st.optical.registered if st.optical else None,
            "verdict": str(verdict),
        }
    return detail


def _wifi_detail(
    sub: Subscriber,
    st: DeviceStatus,
    caps: frozenset[Capability],
    drifts: list[drift_mod.Drift],
) -> list[dict[str, Any]]:
    if Capability.WIFI not in caps or st.bridge_mode:
        return []
    out = []
    for net in st.wifi:
        rec = sub.wifi_for(net.band)
        ssid_bad = any(d.name == drift_mod.SSID and d.band == net.band for d in drifts)
        key_bad = any(d.name == drift_mod.WIFI_KEY and d.band == net.band for d in drifts)
        if key_bad:
            wpa = "mismatch"
        elif rec is not None and rec.passphrase is not None and net.passphrase is not None:
            wpa = "match"
        else:
            wpa = "unknown"  # the device does not show its key, or IXC has none
        out.append(
            {
                "band": str(net.band),
                "ssid": net.ssid,
                "ixc_ssid": rec.ssid if rec else None,
                "ssid_ok": None if rec is None or not rec.ssid else not ssid_bad,
                # Named so the journal's masking leaves the match/mismatch word alone.
                "wpa": wpa,
            }
        )
    return out
