"""Portuguese an agent can read aloud (issue 15, item 6), the provider's hours, and the
contract states the runbook treats differently (paused is not a payment block)."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError

from cpe.actions import StatusReport, target_for
from cpe.audit_fix import plan_for
from cpe.drift import find_drifts
from cpe.errors import AuthError, DeviceUnreachable, Timeout
from cpe.models import Capability, DeviceStatus, OpticalPower, WanStatus
from cpe.policy import check_contract
from cpe.service.config import ServiceConfig
from cpe.service.deadline import TZ
from cpe.service.hours import parse_hours
from cpe.service.views import status_lines
from cpe.settings import Settings
from cpe.vocab import OUTCOME_PT, words_pt
from inventory.models import ContractState, InternetStatus, Subscriber


def _sub(**kw: object) -> Subscriber:
    return Subscriber(login="rafael.carvalho", host="127.1.1.9", model="zte-onu", **kw)


def test_unreachable_reads_as_one_sentence_with_one_parenthesis() -> None:
    label = target_for(_sub()).name
    assert label == "rafael.carvalho em 127.1.1.9:2389"
    err = DeviceUnreachable("no answer", device=label)
    assert err.pt() == (
        "O equipamento não respondeu na porta de gerência (rafael.carvalho em 127.1.1.9:2389)."
    )
    assert (
        ", Abra" not in err.next_step_pt and "Sem acesso remoto, abra uma O.S." in err.next_step_pt
    )
    assert "24 h corridas em dias de semana, 48 h corridas aos fins de semana" in err.next_step_pt
    assert Timeout("t", device=label).pt() == (
        "O equipamento não respondeu a tempo (rafael.carvalho em 127.1.1.9:2389)."
    )
    assert "dias úteis" not in AuthError("x").next_step_pt


@pytest.mark.parametrize(
    ("drifts", "line"),
    [
        (["ssid", "wifi_key"], "Nome (SSID) e senha diferentes do cadastro no IXC."),
        (["ssid"], "Nome (SSID) diferente do cadastro no IXC."),
        (["wifi_key"], "Senha diferente do cadastro no IXC."),
    ],
)
def test_wifi_mismatch_line_keeps_ssid_and_agrees(drifts: list[str], line: str) -> None:
    report = StatusReport(login="x", model="zyxel", reachable=True, wan={"up": True}, drifts=drifts)
    assert any(item["texto"] == line for item in status_lines(report))


def test_optical_drift_and_blocked_fix_say_it_in_portuguese() -> None:
    status = DeviceStatus(
        model="zte-onu",
        wan=WanStatus(up=False),
        optical=OpticalPower(rx_dbm=-40.0, tx_dbm=None, registered=False),
    )
    (drift,) = find_drifts(status, _sub(), frozenset({Capability.OPTICAL}), Settings())
    assert drift.detail_pt.startswith("sem sinal óptico (PON não registrada")
    assert "no_signal" not in drift.detail_pt
    skipped = plan_for(
        {"login": "x", "detail": {"contract": {"allowed": False, "state": "blocked"}}}
    )
    assert skipped.reason.startswith("Contrato bloqueado no IXC")  # type: ignore[union-attr]


def test_every_journal_outcome_has_portuguese_words() -> None:
    for code in (
        "verified",
        "dry_run",
        "rolled_back",
        "changed_unverified",
        "error",
        "interrupted",
        "shown",
        "opened",
        "saved",
    ):
        assert code in OUTCOME_PT and "_" not in OUTCOME_PT[code]
    assert words_pt(["dns", "pppoe", "wifi_key"], {"dns": "DNS", "pppoe": "PPPoE"}) == (
        "DNS, PPPoE e wifi_key"
    )


def test_a_paused_contract_is_not_a_payment_block() -> None:
    paused = _sub(contract=ContractState(status_internet=InternetStatus.MANUAL_BLOCK, paused=True))
    check = check_contract(paused)
    assert (check.state, check.allowed) == ("paused", False)
    text = " ".join(check.notices).lower()
    assert "outras demandas" in text and "boleto" not in text and "segunda via" not in text
    blocked = check_contract(
        _sub(contract=ContractState(status_internet=InternetStatus.AUTO_BLOCK))
    )
    assert blocked.state == "blocked" and "segunda via" in " ".join(blocked.notices).lower()


def test_provider_hours_parse_and_apply_in_sao_paulo_time() -> None:
    hours = parse_hours(ServiceConfig().horario_provedor)
    assert hours.describe_pt() == "seg a sex 08h–17h; sáb 08h–12h e 14h–18h"
    at = lambda *a: datetime(*a, tzinfo=TZ)  # noqa: E731
    assert hours.open_at(at(2025, 6, 11, 8, 0)) and not hours.open_at(at(2025, 6, 11, 17, 0))
    assert not hours.open_at(at(2025, 6, 14, 13, 0)) and hours.open_at(at(2025, 6, 14, 14, 0))
    assert not hours.open_at(at(2025, 6, 15, 10, 0))  # Sunday
    # 20:30 UTC on a Wednesday is 17:30 in São Paulo: closed.
    assert not hours.open_at(datetime.fromisoformat("2025-06-11T20:30+00:00"))
    for bad in (
        "seg-sex",
        "xyz 08:00-17:00",
        "sex-seg 08:00-17:00",
        "seg 17:00-08:00",
        "seg 8h-17h",
    ):
        with pytest.raises(ValueError):
            parse_hours(bad)
    with pytest.raises(ValidationError):
        ServiceConfig(horario_provedor="seg 25:00-26:00")
