"""Text from devices and IXC is data on every CLI print path: an SSID, a customer name or a
login with markup (`Casa[/]Nova`), emoji codes, control characters or great length never
crashes a command and is printed as it is (hypothesis over each path)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cpe import actions
from cpe.cli import app
from cpe.cli.audit_view import print_table
from cpe.cli.output import clean, console
from cpe.errors import AuthError, DeviceUnreachable
from cpe.journal import Journal

#: What customers and devices put in names: markup, emoji codes, escapes, long text.
TRICKY = [
    "Casa[/]Nova",
    "[bold red]rede[/]",
    "[link=http://x]a[/link]",
    ":fire: :thumbs_up:",
    "\x1b[31mvermelho\x1b[0m",
    "tab\tnova\nlinha\r\x00",
    "[" * 300,
    "Ação ç ñ 😀 \u202e",
]
texts = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.text(alphabet="[]/\\:#$@ bold red x", min_size=1, max_size=80),
)
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CPE_HOME", str(tmp_path))
    monkeypatch.delenv("CPE_IXC_URL", raising=False)
    yield tmp_path


def _run(*args: str) -> Any:
    res = CliRunner().invoke(app, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res


def _visible(text: str) -> str:
    """A stretch of `text` that must appear in the output as it is (markup and emoji
    codes kept; control characters shown as escapes)."""
    return clean(text).strip()[:40]


def _no_controls(output: str) -> None:
    assert not any(c in output for c in "\x1b\x00\x07\u202e"), repr(output)


@EXAMPLES
@given(ssid=texts, name=texts)
def test_status_prints_device_text_as_it_is(
    home: Path, monkeypatch: pytest.MonkeyPatch, ssid: str, name: str
) -> None:
    report = actions.StatusReport(
        login=name,
        model=name,
        reachable=True,
        transport="ssh",
        wifi=[{"band": "2.4GHz", "ssid": ssid}],
        summary_pt=[f"Wi-Fi 2.4GHz: {ssid}", f"Cliente {name}"],
    )
    monkeypatch.setattr(actions, "status", lambda ctx, login, **kw: report)
    res = _run("status", "qualquer")
    assert res.exit_code == 0, res.output
    _no_controls(res.stdout)
    if (seen := _visible(ssid)) and "\n" not in ssid and "\t" not in ssid:
        assert seen in res.stdout.replace("\n", ""), (ssid, res.stdout)
    res = _run("status", "qualquer", "--json")
    assert json.loads(res.stdout)["wifi"][0]["ssid"] == ssid


@EXAMPLES
@given(text=texts)
def test_errors_print_device_text_as_it_is(
    home: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    def boom(ctx: Any, login: str, **kw: Any) -> Any:
        raise DeviceUnreachable("x", device=text, detail_pt=f"Sem resposta: {text}")

    monkeypatch.setattr(actions, "status", boom)
    monkeypatch.setattr(actions, "reconfigure", boom)
    # "--" ends the options: a login that starts with "-" (hypothesis found "-0") is still
    # the login, as an operator would pass it.
    for args in (
        ("status", "--", text),
        ("status", "--json", "--", text),
        ("reconfigure", "--", text),
    ):
        res = _run(*args)
        assert res.exit_code == 1
        _no_controls(res.output)


@EXAMPLES
@given(text=texts)
def test_reconfigure_results_print_device_text_as_it_is(
    home: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    result = actions.ReconfigureResult(
        login=text, changed=["dns"], verified=True, notices=[text], message_pt=text
    )
    monkeypatch.setattr(actions, "reconfigure", lambda ctx, login, **kw: result)
    assert _run("reconfigure", "--", text).exit_code == 0
    failed = actions.ReconfigureResult(login=text, changed=["ssid"], rolled_back=True)
    cause = AuthError("x", detail_pt=text)

    def fails(ctx: Any, login: str, **kw: Any) -> Any:
        raise actions.ReconfigureFailed(failed, cause)

    monkeypatch.setattr(actions, "reconfigure", fails)
    assert _run("reconfigure", "--", text).exit_code == 1
    assert _run("reconfigure", "--json", "--", text).exit_code == 1


@EXAMPLES
@given(login=texts, who=texts, message=texts)
def test_history_and_audit_tables_print_journal_text_as_it_is(
    home: Path, login: str, who: str, message: str
) -> None:
    journal = Journal(home / "journal.sqlite3")
    journal.record_action(
        operator=who, origin=who, login=login, device=None, action="reconfigure",
        outcome="verified", changed=["ssid"], message=message,
    )
    run_id = journal.start_run(who, {})
    detail = {
        "wifi": [{"band": "2.4GHz", "ssid": message, "ixc_ssid": who}],
        "contract": {"state": message},
        "error": {"mensagem": message, "kind": "x"},
        "firmware": message,
    }
    journal.add_result(run_id, login, who, "drift", ["ssid"], detail)
    journal.add_result(run_id, login + "2", who, "error", [], detail)
    journal.run_event(run_id, "finished")
    res = _run("history", "--", login)
    assert res.exit_code == 0
    _no_controls(res.output)
    with open(home / "table.txt", "w") as fh:
        print_table(console(file=fh, width=120), journal, run_id)
    _no_controls((home / "table.txt").read_text())
    journal.close()
