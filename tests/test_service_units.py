"""Service building blocks: the N3 deadline, the token bucket, password and token storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cpe.errors import InputError
from cpe.service.deadline import RUNBOOK_TEXT, TZ, n3_deadline
from cpe.service.ratelimit import RateLimiter
from cpe.service.store import Role, UserStore, hash_password, verify_password


@pytest.mark.parametrize(
    ("when", "hours", "due"),
    [
        (datetime(2025, 6, 9, 8, 0, tzinfo=TZ), 24, "terça-feira, 10/06 às 08:00"),  # Monday
        (datetime(2025, 6, 11, 14, 5, tzinfo=TZ), 24, "quinta-feira, 12/06 às 14:05"),
        (datetime(2025, 6, 13, 23, 59, tzinfo=TZ), 24, "sábado, 14/06 às 23:59"),  # Friday
        (datetime(2025, 6, 14, 0, 0, tzinfo=TZ), 48, "segunda-feira, 16/06 às 00:00"),  # Sat
        (datetime(2025, 6, 15, 21, 30, tzinfo=TZ), 48, "terça-feira, 17/06 às 21:30"),  # Sun
        (datetime(2025, 6, 16, 0, 0, tzinfo=TZ), 24, "terça-feira, 17/06 às 00:00"),  # Mon
    ],
)
def test_deadline_weekday_24h_weekend_48h(when: datetime, hours: int, due: str) -> None:
    d = n3_deadline(when)
    assert d.hours == hours
    assert d.weekend is (hours == 48)
    assert d.due - d.opened_at == timedelta(hours=hours)
    assert d.due_pt == due
    assert f"{hours} horas corridas" in d.suggested_text
    assert due in d.suggested_text
    assert d.suggested_text.endswith("melhor período para que o setor entre em contato?")


def test_deadline_counts_in_sao_paulo_time() -> None:
    # Saturday 02:00 UTC is still Friday 23:00 in São Paulo (GMT-3): a weekday.
    d = n3_deadline(datetime(2025, 6, 14, 2, 0, tzinfo=UTC))
    assert d.hours == 24
    assert d.opened_at.utcoffset() == timedelta(hours=-3)
    assert d.as_dict()["prazo"] == "2025-06-14T23:00-03:00"
    # A naive time is taken as São Paulo time.
    assert n3_deadline(datetime(2025, 6, 14, 2, 0)).hours == 48


def test_runbook_text_is_verbatim() -> None:
    assert RUNBOOK_TEXT.startswith(
        "Nesse caso, vou abrir um chamado para que a equipe responsável entre em contato em "
        "até 24 horas corridas (ou até 48 horas corridas em finais de semana)"
    )


def test_token_bucket_with_a_fake_clock() -> None:
    now = [100.0]
    rl = RateLimiter(capacity=2, per_second=0.5, clock=lambda: now[0])
    assert rl.take("a") == 0.0
    assert rl.take("a") == 0.0
    wait = rl.take("a")
    assert wait == pytest.approx(2.0)
    assert rl.take("b") == 0.0  # per key
    now[0] += 2.0
    assert rl.take("a") == 0.0
    assert rl.take("a") > 0
    rl.reset("a")
    assert rl.take("a") == 0.0


def test_password_hashes_are_salted_scrypt() -> None:
    a, b = hash_password("mesma-senha-123"), hash_password("mesma-senha-123")
    assert a != b and a.startswith("scrypt$")
    assert verify_password("mesma-senha-123", a)
    assert not verify_password("outra-senha-123", a)
    assert not verify_password("x", "lixo")


def test_store_users_sessions_tokens(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "journal.sqlite3")
    store.add_user("Maria", Role.TECNICO, "senha-da-maria")
    with pytest.raises(InputError):
        store.add_user("maria", Role.AGENTE, "outra-senha-1")
    with pytest.raises(InputError):
        store.add_user("jo", Role.AGENTE, "curta")
    with pytest.raises(InputError):
        store.add_user("com espaço", Role.AGENTE, "senha-longa-1")
    assert store.authenticate("maria", "senha-da-maria") is not None
    assert store.authenticate("maria", "errada-errada") is None
    assert store.authenticate("ninguem", "senha-da-maria") is None
    sid, session = store.new_session("maria", timedelta(hours=1))
    found = store.session(sid)
    assert found is not None and found[0].role is Role.TECNICO and found[1].csrf == session.csrf
    expired, _ = store.new_session("maria", timedelta(seconds=-1))
    assert store.session(expired) is None
    _, token = store.new_token("maria", "relatórios")
    user = store.user_for_token(token)
    assert user is not None and user.name == "maria"
    assert store.user_for_token(token + "x") is None
    # A role change or a new password ends open sessions.
    store.set_role("maria", Role.ADMIN)
    assert store.session(sid) is None
    raw = (tmp_path / "journal.sqlite3").read_bytes()
    assert token.encode() not in raw and sid.encode() not in raw
