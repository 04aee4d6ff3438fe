"""The technicians' and admins' screens in a real browser (Debian's Chromium, Playwright),
the service in-process on a loopback port, the embedded lab behind it.

The technician's flow is timed (start an audit, read its result) and the times go to
test-output/tech-web-timing.json; nothing asserts on them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from cpe import actions
from cpe.context import Context
from cpe.journal import Journal
from cpe.scale.schedule import ScheduleStore
from cpe.service.app import create_app
from cpe.service.config import ServiceConfig
from cpe.service.server import ServerThread
from cpe.settings import Settings
from tests.browser_support import CHROMIUM, OUT, chromium_context, fits_width, log_in, new_page
from tests.redis_server import RedisServer, redis_server  # noqa: F401
from tests.service_support import CANARY, PASSWORDS, Clock, add_users, lab_world, pick

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(240),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Chromium do Debian ausente (/usr/bin/chromium): apt-get install chromium",
    ),
]
Lab = tuple[Settings, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with lab_world(tmp_path_factory.mktemp("staff-browser") / "home", block_start=191) as w:
        yield w


@pytest.fixture(scope="module")
def server(lab: Lab) -> Iterator[ServerThread]:
    settings, _ = lab
    add_users(settings)
    with ServerThread(create_app(settings, ServiceConfig(), clock=Clock())) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium_context() as context:
        yield context


@pytest.fixture()
def page(browser: Any, server: ServerThread) -> Iterator[Any]:
    pg = new_page(browser, server.url)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield pg
        assert errors == [], errors
    finally:
        pg.close()


def _as(page: Any, server: ServerThread, who: str) -> None:
    log_in(page, server.url, who, PASSWORDS[who])


def _no_canary(page: Any) -> None:
    assert CANARY not in page.content()


# --- role boundary -----------------------------------------------------------------------------


def test_each_role_sees_only_its_screens(page: Any, server: ServerThread) -> None:
    url = server.url

    def status_of(path: str) -> int:
        return int(page.evaluate("p => fetch(p).then(r => r.status)", path))

    _as(page, server, "ana")
    assert page.locator("a[href='/tecnico']").count() == 0
    assert page.locator("a[href='/admin']").count() == 0
    for path in ("/tecnico", "/admin"):
        resp = page.goto(url + path)
        assert resp.status == 403 and "não permite" in page.inner_text("body")
        assert page.locator("#execucao, #usuarios").count() == 0
    page.goto(url + "/")
    for path in ("/equipe/tech.js", "/equipe/admin.js", "/api/tec/execucoes", "/api/adm/diario"):
        assert status_of(path) == 403, path

    page.context.clear_cookies()
    _as(page, server, "tec")
    page.locator("a[href='/tecnico']").click()
    page.wait_for_url(url + "/tecnico")
    page.locator("#form-auditoria").wait_for()
    assert page.locator("a[href='/admin']").count() == 0
    assert status_of("/equipe/admin.js") == 403 and status_of("/api/adm/diario") == 403
    resp = page.goto(url + "/admin")
    assert resp.status == 403 and page.locator("#usuarios").count() == 0

    page.context.clear_cookies()
    _as(page, server, "adm")
    page.locator("a[href='/admin']").click()
    page.wait_for_url(url + "/admin")
    page.locator("#tabela-usuarios").wait_for()
    page.locator("a[href='/tecnico']").click()
    page.locator("#form-auditoria").wait_for()


# --- technician ----------------------------------------------------------------------------------


def _start_audit(page: Any) -> tuple[str, float]:
    """Click "Iniciar auditoria", wait for the finished result; (run id, seconds)."""
    from playwright.sync_api import expect

    message = page.locator("#auditoria-msg")
    before = message.get_attribute("data-run")
    started = time.monotonic()
    page.click("#btn-iniciar")
    page.wait_for_function(
        "b => document.querySelector('#auditoria-msg').dataset.run !== b", arg=before
    )
    run_id = str(message.get_attribute("data-run"))
    expect(page.locator("#ex-titulo")).to_have_text(f"Auditoria {run_id}")
    expect(page.locator("#ex-estado")).to_have_text("concluída", timeout=120_000)
    expect(page.locator("#ex-desde h3").first).to_have_text("Desde a auditoria anterior")
    page.locator("#ex-contagens .card").first.wait_for()
    return run_id, time.monotonic() - started


def test_technician_audits_follows_compares_and_fixes(
    page: Any, server: ServerThread, lab: Lab
) -> None:
    from playwright.sync_api import expect

    settings, devices = lab
    timing: dict[str, float] = {}
    _as(page, server, "tec")
    page.goto(server.url + "/tecnico")
    page.locator("#f-modelo option[value='zyxel']").wait_for(state="attached")
    assert fits_width(page)

    # Start an audit of the whole fleet and read its result, timed.
    first, timing["start_to_result_s"] = _start_audit(page)
    journal = Journal(settings.journal_file)
    counts = journal.verdict_counts(first)
    assert sum(counts.values()) == len(devices)
    drift_card = page.locator("#ex-contagens .card[data-verdict='drift'] b")
    assert drift_card.inner_text() == str(counts["drift"])
    assert "Primeira auditoria concluída" in page.inner_text("#ex-desde")
    row = page.locator(f"#tabela-auditorias tr[data-run='{first}']")
    expect(row).to_contain_text("concluída")
    # Its report, in the page (a sandboxed frame), without horizontal scroll.
    t0 = time.monotonic()
    page.click("#btn-relatorio")
    frame = page.frame_locator("#ex-relatorio")
    expect(frame.locator("h1")).to_have_text("Auditoria da frota contra o IXC")
    expect(frame.locator("#count")).to_contain_text(f"{len(devices)} de {len(devices)}")
    timing["open_report_s"] = time.monotonic() - t0
    assert fits_width(page)
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "tecnico-auditoria.png"), full_page=True)

    # Between the audits, a device is fixed (the agent's action, on the lab).
    fixed = pick(devices, planted={"dns"}, models=("mercusys", ""))
    result = actions.reconfigure(Context(settings, operator="pytest"), fixed, dns=True)
    assert result.verified and result.changed == ["dns"]
    second, timing["second_start_to_result_s"] = _start_audit(page)
    resolved = page.locator("#ex-desde ul[data-kind='resolved']")
    expect(resolved).to_contain_text(fixed)
    assert page.locator("#ex-desde .card[data-kind='resolved'] b").inner_text() == "1"

    # The device's timeline: both audits and the fix in between.
    resolved.get_by_role("button", name=fixed).click()
    timeline = page.locator("table.linha-do-tempo")
    expect(timeline).to_contain_text(second)
    expect(timeline).to_contain_text(first)
    expect(timeline).to_contain_text("Reaplicar configuração por pytest")
    expect(timeline).to_contain_text("feito e conferido")

    # The two runs compared, from the journal.
    page.select_option("#cmp-a", first)
    page.select_option("#cmp-b", second)
    page.click("#btn-comparar")
    expect(page.locator("#cmp-titulo")).to_have_text(f"De {first} para {second}")
    expect(page.locator("#cmp-resultado ul[data-kind='resolved']")).to_contain_text(fixed)

    # The bulk fix of the second run: plan, dry run, confirmation, live progress.
    page.locator(f"#tabela-auditorias tr[data-run='{second}']").click()
    expect(page.locator("#ex-titulo")).to_have_text(f"Auditoria {second}")
    page.click("#btn-corrigir")
    plan = page.locator("#cor-plano")
    expect(plan).to_contain_text("a corrigir")
    planned = journal_plan(server, page, second)
    page.click("#btn-simular")
    progress = page.locator("#cor-progresso")
    expect(progress).to_have_attribute("data-estado", "finished", timeout=120_000)
    expect(progress).to_contain_text("Simulação concluída")
    dry = list(journal.fix_results(second, dry_run=True))
    assert dry and all(r["outcome"] in ("would_fix", "skipped") for r in dry)
    assert not list(journal.fix_results(second, dry_run=False)), "a dry run writes nothing"
    page.screenshot(path=str(OUT / "tecnico-simulacao.png"), full_page=True)

    page.click("#btn-aplicar")
    confirm = page.locator("#cor-confirmar")
    losing = planned["total_perdem_conexao"]
    if losing:
        expect(confirm).to_contain_text(f"{losing} cliente(s) vão perder a conexão")
        for login in planned["perdem_conexao"]:
            expect(confirm).to_contain_text(login)
        page.fill("#cor-confirmar-n", str(losing + 1))
        page.click("#btn-confirmar")
        expect(page.locator("#cor-msg")).to_contain_text(f"Digite {losing}")
        assert not list(journal.fix_results(second, dry_run=False))
        page.fill("#cor-confirmar-n", str(losing))
    else:
        expect(confirm).to_contain_text("Nenhum cliente perde a conexão")
    page.screenshot(path=str(OUT / "tecnico-confirmacao.png"), full_page=True)
    page.click("#btn-confirmar")
    expect(progress).to_have_attribute("data-tipo", "aplicada")
    expect(progress).to_have_attribute("data-estado", "finished", timeout=180_000)
    expect(progress).to_contain_text("Correção concluída")
    real = {r["login"]: r for r in journal.fix_results(second, dry_run=False)}
    assert {r["login"] for r in dry} == set(real)
    assert any(r["outcome"] == "fixed" for r in real.values())
    page.screenshot(path=str(OUT / "tecnico-correcao.png"), full_page=True)
    _no_canary(page)

    OUT.mkdir(exist_ok=True)
    timing["devices"] = len(devices)
    (OUT / "tech-web-timing.json").write_text(json.dumps(timing, indent=2), encoding="utf-8")
    print(f"\ntech-web timing: {timing}")


def journal_plan(server: ServerThread, page: Any, run_id: str) -> dict[str, Any]:
    """The fix plan as the page's session reads it."""
    data: dict[str, Any] = page.evaluate(
        "r => fetch('/api/tec/execucoes/' + r + '/correcao').then(x => x.json())", run_id
    )
    return data


def test_a_running_audit_is_followed_live_from_the_journal(
    page: Any, server: ServerThread, lab: Lab
) -> None:
    """However a run is executed (this service, the CLI, a worker), the page follows the
    journal: results appear as they land, and the end without a reload."""
    from playwright.sync_api import expect

    settings, devices = lab
    logins = sorted(d["login"] for d in devices)[:3]
    journal = Journal(settings.journal_file)
    run = journal.start_run("cli", {"selection": {"logins": logins}})
    journal.add_result(run, logins[0], "zyxel", "ok", [], {"contract": {"state": "ok"}})
    _as(page, server, "tec")
    page.goto(f"{server.url}/tecnico#execucao={run}")
    expect(page.locator("#ex-estado")).to_have_text("em andamento")
    progress = page.locator("#ex-progresso")
    expect(progress).to_have_text("1 de ~3 equipamentos (33%)")
    expect(page.locator(f"#tabela-auditorias tr[data-run='{run}']")).to_contain_text("em andamento")
    journal.add_result(run, logins[1], "zyxel", "drift", ["dns"], {"contract": {"state": "ok"}})
    expect(progress).to_have_text("2 de ~3 equipamentos (67%)")
    journal.add_result(run, logins[2], "zyxel", "unreachable", [], {"contract": {"state": "ok"}})
    journal.run_event(run, "finished", "cli", {"devices": 3})
    expect(page.locator("#ex-estado")).to_have_text("concluída")
    expect(progress).to_have_text("3 equipamentos auditados.")
    expect(page.locator("#ex-contagens .card[data-verdict='drift'] b")).to_have_text("1")
    expect(page.locator(f"#tabela-auditorias tr[data-run='{run}']")).to_contain_text("concluída")


def test_without_a_broker_the_schedules_section_says_why(page: Any, server: ServerThread) -> None:
    from playwright.sync_api import expect

    _as(page, server, "tec")
    page.goto(server.url + "/tecnico")
    expect(page.locator("#agendamentos")).to_be_visible()
    expect(page.locator("#agenda-aviso")).to_contain_text("Celery e Redis")
    expect(page.locator("#agendamentos-lista")).to_contain_text("Nenhum agendamento.")
    assert page.locator("#form-agenda").is_hidden()


def test_technician_adds_and_removes_a_schedule(
    browser: Any,
    lab: Lab,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    """With a broker (a real Redis on loopback), the technician schedules a nightly audit
    of one model on the screen, sees it listed, and removes it."""
    from playwright.sync_api import expect

    settings = lab[0].model_copy(update={"broker_url": redis_server.url})
    app = create_app(settings, ServiceConfig(), clock=Clock())
    with ServerThread(app) as srv:
        pg = new_page(browser, srv.url)
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        try:
            log_in(pg, srv.url, "tec", PASSWORDS["tec"])
            pg.goto(srv.url + "/tecnico")
            pg.locator("#ag-modelo option[value='zyxel']").wait_for(state="attached")
            expect(pg.locator("#form-agenda")).to_be_visible()
            assert pg.locator("#agenda-aviso").is_hidden()
            # a bad cron: the CLI's words, nothing added
            pg.fill("#ag-quando", "0 25 * * *")
            pg.click("#btn-agendar")
            expect(pg.locator("#agenda-msg")).to_contain_text("cron inválida")
            pg.fill("#ag-quando", "0 2 * * *")
            pg.select_option("#ag-modelo", "zyxel")
            pg.select_option("#ag-contrato", "blocked")
            pg.fill("#ag-login", "<b>maria</b>.*")
            pg.select_option("#ag-formato", "csv")
            pg.fill("#ag-pasta", "noturnas")
            pg.click("#btn-agendar")
            msg = pg.locator("#agenda-msg")
            expect(msg).to_contain_text("criado: cron 0 2 * * *")
            sid = str(msg.get_attribute("data-agenda"))
            row = pg.locator(f"#tabela-agendamentos tr[data-agenda='{sid}']")
            expect(row).to_contain_text("modelo zyxel, logins <b>maria</b>.*, contrato bloqueados")
            expect(row).to_contain_text("CSV em")
            assert pg.locator("#tabela-agendamentos b").count() == 0, "text, never markup"
            assert fits_width(pg)
            OUT.mkdir(exist_ok=True)
            pg.screenshot(path=str(OUT / "tecnico-agendamentos.png"), full_page=True)
            store = ScheduleStore(settings)
            spec = store.get(sid)
            assert spec is not None and spec.model == "zyxel" and spec.format == "csv"
            assert spec.folder == str((settings.home / "relatorios" / "noturnas").resolve())
            row.get_by_role("button", name="Remover").click()
            expect(msg).to_contain_text(f"Agendamento {sid} removido")
            expect(row).to_have_count(0)
            assert store.get(sid) is None
            assert errors == [], errors
        finally:
            pg.close()


# --- admin -------------------------------------------------------------------------------------


def test_admin_manages_users_tokens_and_sees_vault_and_journal(
    page: Any, server: ServerThread, lab: Lab
) -> None:
    from playwright.sync_api import expect

    settings, _ = lab
    _as(page, server, "adm")
    page.goto(server.url + "/admin")
    users = page.locator("#tabela-usuarios")
    users.wait_for()
    assert fits_width(page)
    name = f"joana{int(time.monotonic() * 1000) % 100000}"
    page.fill("#nu-nome", name)
    page.select_option("#nu-perfil", "agente")
    page.fill("#nu-senha", "uma-senha-longa-1")
    page.click("#btn-criar-usuario")
    expect(users).to_contain_text(name)
    page.select_option(f"select[data-usuario='{name}']", "tecnico")
    expect(page.locator("#usuario-msg")).to_contain_text(f"{name} atualizado")
    expect(page.locator(f"select[data-usuario='{name}']")).to_have_value("tecnico")

    page.click(f"button[data-usuario='{name}'][data-acao='tokens']")
    page.fill("#tk-rotulo", "script de relatórios")
    page.click("#btn-criar-token")
    shown = page.locator("#token-valor")
    expect(shown).to_contain_text("cpe_")
    token = shown.inner_text().strip()
    expect(page.locator("#tabela-tokens")).to_contain_text("script de relatórios")
    page.screenshot(path=str(OUT / "admin-token.png"), full_page=True)
    # Shown once: reopening the user's tokens never shows it again.
    page.click(f"button[data-usuario='{name}'][data-acao='tokens']")
    expect(page.locator("#token-novo")).to_be_hidden()
    assert token not in page.content()
    assert page.request.get(
        server.url + "/api/tec/execucoes", headers={"Authorization": f"Bearer {token}"}
    ).ok
    page.locator("#tabela-tokens button", has_text="Revogar").first.click()
    expect(page.locator("#tabela-tokens")).to_contain_text("revogado")
    revoked = page.request.get(
        server.url + "/api/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert revoked.status == 401

    page.click(f"button[data-usuario='{name}'][data-acao='desativar']")
    expect(page.locator(f"button[data-usuario='{name}'][data-acao='reativar']")).to_be_visible()

    vault = page.locator("#tabela-cofre")
    expect(vault).to_contain_text("zyxel")
    expect(page.locator("#diario-dados")).to_have_attribute("data-ok", "1")
    expect(page.locator("#diario-dados")).to_contain_text("Íntegro")
    expect(page.locator("#eventos")).to_contain_text("token revogado")
    page.screenshot(path=str(OUT / "admin.png"), full_page=True)
    _no_canary(page)
    assert token not in Journal(settings.journal_file).path.read_bytes().decode("latin-1")
