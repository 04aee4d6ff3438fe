"""The audit report as one self-contained HTML file (to open, sort and forward).

Inline CSS and vanilla JS only (cpe.audit_html_assets), no CDN, and a
Content-Security-Policy that forbids the page any network request: the file works
offline and leaks nothing when opened. At the top, what changed since the previous
audit of the same scope; then the counts, two inline SVG charts (verdicts per model,
drift types per model), and a table that fits a 1366-px screen, sorts on a header click
(empty values last), filters by text, verdict and model, hides or shows columns, and
opens a details row per device. Words are Portuguese, times the provider's; the page
holds no generation time, so rendering a finished run again gives the same file. Every
value is HTML-escaped; the rows come from the journal, which holds no secret.
"""

from __future__ import annotations

from datetime import tzinfo
from html import escape
from typing import IO, Any

from cpe.audit import VERDICT_PT, VERDICTS
from cpe.audit_compare import KIND_PT, Comparison, is_complete, scope_of, since_previous
from cpe.audit_html_assets import CSS, JS
from cpe.audit_report import (
    FIX_PT,
    ModelStats,
    Summary,
    device_rows,
    flat_row,
    per_model,
    summary,
)
from cpe.audit_words import DRIFT_PT, RUN_STATE_PT, local_time, optical_pt, provider_tz, scope_pt
from cpe.drift import ORDER as DRIFT_ORDER
from cpe.journal import Journal

VERDICT_COLOR = {
    "ok": "#2e7d32",
    "drift": "#f9a825",
    "unreachable": "#616161",
    "auth_failed": "#c62828",
    "locked": "#6a1b9a",
    "busy": "#1565c0",
    "unsupported": "#8d6e63",
    "error": "#d84315",
}
DRIFT_COLOR = {
    "dns": "#0277bd",
    "ssid": "#00897b",
    "wifi_key": "#7cb342",
    "pppoe": "#e53935",
    "optical": "#8e24aa",
}

#: (header, flat_row key or a computed one, shown by default). The defaults fit 1366 px;
#: the rest are in the "Colunas" menu and in each row's details.
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("Login", "login", True),
    ("Modelo", "modelo", True),
    ("Veredito", "veredito", True),
    ("Divergências", "divergencias", True),
    ("Contrato", "contrato", True),
    ("Sinal óptico", "optico", True),
    ("Detalhe", "detalhe", True),
    ("Alcançável", "alcancavel", False),
    ("Acesso", "transporte", False),
    ("Firmware", "firmware", False),
    ("Alertas públicos", "alertas", False),
    ("WAN", "wan", False),
    ("Erro WAN", "erro_wan", False),
    ("PPPoE confere", "pppoe_confere", False),
    ("DNS", "dns", False),
    ("SSID 2,4 GHz", "ssid_2_4ghz", False),
    ("SSID 5 GHz", "ssid_5ghz", False),
    ("Senha Wi-Fi", "senha_wifi", False),
    ("Correção", "correcao", False),
    ("Auditado em", "auditado_em", False),
)
#: At most this many logins per "since the previous audit" list in the page (the JSON
#: report has them all).
SINCE_LIST_MAX = 500

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _stacked_chart(
    title: str,
    stats: dict[str, ModelStats],
    series: tuple[str, ...],
    colors: dict[str, str],
    labels: dict[str, str],
    pick: str,
) -> str:
    """Horizontal stacked bars, one per model; `pick` is "verdicts" or "drifts"."""
    bar_h, gap, label_w, width = 22, 8, 170, 560
    models = list(stats)
    totals = {m: sum(getattr(stats[m], pick).values()) for m in models}
    peak = max(totals.values(), default=0) or 1
    height = max(1, len(models)) * (bar_h + gap) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_w + width + 60}" '
        f'height="{height}" viewBox="0 0 {label_w + width + 60} {height}" '
        f'aria-label="{_e(title)}"><title>{_e(title)}</title>'
    ]
    for i, model in enumerate(models):
        y = 5 + i * (bar_h + gap)
        out.append(
            f'<text x="{label_w - 6}" y="{y + bar_h * 0.7:.0f}" text-anchor="end" '
            f'font-size="12">{_e(model)}</text>'
        )
        x = float(label_w)
        counter = getattr(stats[model], pick)
        for name in series:
            n = counter.get(name, 0)
            if not n:
                continue
            w = width * n / peak
            out.append(
                f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" '
                f'fill="{colors.get(name, "#999")}"><title>{_e(model)}: {_e(labels[name])} '
                f"{n}</title></rect>"
            )
            x += w
        out.append(
            f'<text x="{x + 4:.1f}" y="{y + bar_h * 0.7:.0f}" font-size="11">{totals[model]}</text>'
        )
    if not models:
        out.append('<text x="10" y="20" font-size="12">sem dados</text>')
    out.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{colors.get(s, "#999")}"></i>{_e(labels[s])}</span>'
        for s in series
    )
    return f'<div><h3>{_e(title)}</h3>{"".join(out)}<div class="legend">{legend}</div></div>'


def detail_text(row: dict[str, Any], flat: dict[str, str]) -> str:
    """What a person reads first about a device: the error, what differs, the fix."""
    parts = []
    if flat["erro"]:
        parts.append(flat["erro"])
    parts += [d for d in row.get("drift_detail") or [] if d]
    if flat["correcao"]:
        parts.append(f"Correção: {flat['correcao']}")
    return "; ".join(parts)


def _run_times(journal: Journal, run_id: str) -> tuple[str | None, str | None]:
    started = finished = None
    for event in journal.run_events_of(run_id):
        if event["event"] == "started" and started is None:
            started = event["at"]
        elif event["event"] in ("finished", "interrupted"):
            finished = event["at"]
    return started, finished


def _since_section(
    journal: Journal, previous: Comparison | None, tz: tzinfo, *, complete: bool
) -> str:
    if not complete:
        return (
            '<section class="since" id="desde"><h2>Desde a auditoria anterior</h2>'
            "<p>A comparação aparece quando a auditoria terminar.</p></section>\n"
        )
    if previous is None:
        return (
            '<section class="since" id="desde"><h2>Desde a auditoria anterior</h2>'
            "<p>Primeira auditoria concluída com estes filtros: não há com o que comparar.</p>"
            "</section>\n"
        )
    _, finished = _run_times(journal, previous.run_id)
    out = [
        '<section class="since" id="desde"><h2>Desde a auditoria anterior</h2>',
        f"<p>Comparada com a execução <code>{_e(previous.run_id)}</code>"
        f"{' (concluída em ' + _e(local_time(finished, tz)) + ')' if finished else ''}: "
        f"{_e(previous.summary_pt())}.</p>",
        '<div class="cards">',
    ]
    counts = previous.counts
    colors = {
        "new": "#f9a825",
        "resolved": "#2e7d32",
        "unreachable_new": "#616161",
        "reachable_again": "#1565c0",
        "drift_changed": "#8e24aa",
    }
    for kind, color in colors.items():
        out.append(
            f'<div class="card" style="border-color:{color}" data-kind="{kind}">'
            f"<b>{counts[kind]}</b><span>{_e(KIND_PT[kind])}</span></div>"
        )
    out.append("</div>")
    lists: list[tuple[str, list[str]]] = [
        (kind, list(getattr(previous, kind))) for kind in ("new", "resolved")
    ]
    lists += [(k, list(getattr(previous, k))) for k in ("unreachable_new", "reachable_again")]
    lists.append(
        (
            "drift_changed",
            [
                f"{d['login']}: {', '.join(DRIFT_PT.get(x, x) for x in d['before'])} → "
                f"{', '.join(DRIFT_PT.get(x, x) for x in d['after'])}"
                for d in previous.drift_changed
            ],
        )
    )
    lists += [(k, list(getattr(previous, k))) for k in ("added", "removed")]
    for kind, items in lists:
        if not items:
            continue
        shown = items[:SINCE_LIST_MAX]
        more = len(items) - len(shown)
        out.append(
            f'<details data-kind="{kind}"><summary>{_e(KIND_PT[kind])} ({len(items)})</summary>'
            "<ul>" + "".join(f"<li>{_e(x)}</li>" for x in shown) + "</ul>"
        )
        if more:
            out.append(f"<p>… e mais {more} (a lista completa está no relatório JSON).</p>")
        out.append("</details>")
    out.append("</section>\n")
    return "".join(out)


def _header(journal: Journal, run_id: str, head: Summary, tz: tzinfo) -> str:
    started, finished = _run_times(journal, run_id)
    state_pt = RUN_STATE_PT.get(head.state or "", head.state or "?")
    when = f"iniciada em {local_time(started, tz)}"
    if finished and head.state in ("finished", "interrupted"):
        when += f", {state_pt} em {local_time(finished, tz)}"
    zone = getattr(tz, "key", None) or str(tz)
    scope = scope_pt(scope_of(journal.run_params(run_id)))
    return (
        "<h1>Auditoria da frota contra o IXC</h1>"
        f'<p class="meta">Execução <code>{_e(run_id)}</code> — {_e(state_pt)} — '
        f"{head.total} equipamentos — {_e(scope)} — {_e(when)} "
        f"(horário de {_e(zone)})</p>\n"
    )


def _cards(head: Summary) -> str:
    out = ['<section class="cards">']
    for v in VERDICTS:
        out.append(
            f'<div class="card" style="border-color:{VERDICT_COLOR[v]}">'
            f"<b>{head.counts.get(v, 0)}</b><span>{_e(VERDICT_PT[v])}</span></div>"
        )
    for title, fix in (("Correção", head.fix), ("Simulação de correção", head.fix_dry_run)):
        for outcome, n in fix.items():
            out.append(
                f'<div class="card"><b>{n}</b><span>{_e(title)}: '
                f"{_e(FIX_PT.get(outcome, outcome))}</span></div>"
            )
    out.append("</section>\n")
    return "".join(out)


def _filters(models: list[str]) -> str:
    out = [
        '<div class="filters">'
        '<input id="q" type="search" placeholder="Filtrar: login, modelo, erro, SSID…" '
        'aria-label="Filtrar">'
        '<select id="fv" aria-label="Veredito"><option value="">todos os vereditos</option>'
    ]
    out += [f'<option value="{v}">{_e(VERDICT_PT[v])}</option>' for v in VERDICTS]
    out.append(
        '</select><select id="fm" aria-label="Modelo"><option value="">todos os modelos</option>'
    )
    out += [f'<option value="{_e(m)}">{_e(m)}</option>' for m in models]
    out.append('</select><details class="cols"><summary>Colunas</summary><div>')
    for header, key, shown in COLUMNS:
        checked = " checked" if shown else ""
        out.append(
            f'<label><input type="checkbox" data-col="{key}"{checked}> {_e(header)}</label>'
        )
    out.append('</div></details><span id="count"></span></div>\n')
    return "".join(out)


def _row(row: dict[str, Any], tz: tzinfo) -> str:
    flat = flat_row(row, spreadsheet=False, tz=tz)
    optical = row.get("optical") or {}
    rx = optical.get("rx_dbm")
    flat["optico"] = (
        f"{flat['rx_dbm']} dBm ({optical_pt(optical.get('verdict'))})"
        if rx is not None
        else optical_pt(optical.get("verdict")) if optical.get("verdict") else ""
    )
    flat["detalhe"] = detail_text(row, flat)
    verdict = str(row["verdict"])
    model = row.get("model") or "desconhecido"
    out = [
        f'<tr data-v="{_e(verdict)}" data-m="{_e(model)}">'
        '<td class="c-abrir"><button type="button" data-abrir="1" aria-expanded="false" '
        'title="Detalhes">+</button></td>'
    ]
    for _header, key, _shown in COLUMNS:
        value = flat[key]
        if key == "veredito":
            out.append(f'<td class="c-{key} v v-{_e(verdict)}">{_e(value)}</td>')
        elif key == "optico":
            n = "" if rx is None else rx
            verdict_class = f" o-{_e(optical.get('verdict'))}" if optical.get("verdict") else ""
            out.append(f'<td class="c-{key}{verdict_class}" data-n="{_e(n)}">{_e(value)}</td>')
        else:
            out.append(f'<td class="c-{key}">{_e(value)}</td>')
    out.append("</tr>\n")
    return "".join(out)


def write_html(journal: Journal, run_id: str, fh: IO[str], *, tz: tzinfo | None = None) -> None:
    zone = tz or provider_tz()
    head = summary(journal, run_id)
    stats = per_model(journal, run_id)
    hidden_css = "".join(
        f"table.h-{key} .c-{key}{{display:none}}" for _h, key, _s in COLUMNS
    )
    hidden = " ".join(f"h-{key}" for _h, key, shown in COLUMNS if not shown)
    fh.write(
        '<!DOCTYPE html>\n<html lang="pt-BR"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Auditoria {_e(run_id)}</title><style>{CSS}{hidden_css}</style></head><body>\n"
    )
    fh.write(_header(journal, run_id, head, zone))
    complete = is_complete(journal, run_id)
    previous = since_previous(journal, run_id)
    fh.write(_since_section(journal, previous, zone, complete=complete))
    fh.write("<h2>Resumo</h2>")
    fh.write(_cards(head))
    fh.write('<section class="charts">')
    fh.write(
        _stacked_chart(
            "Vereditos por modelo", stats, VERDICTS, VERDICT_COLOR, dict(VERDICT_PT), "verdicts"
        )
    )
    fh.write(
        _stacked_chart(
            "Divergências por tipo e modelo",
            stats,
            tuple(DRIFT_ORDER),
            DRIFT_COLOR,
            DRIFT_PT,
            "drifts",
        )
    )
    fh.write("</section>\n<h2>Equipamentos</h2>\n")
    fh.write(_filters(list(stats)))
    fh.write(f'<div class="wrap"><table id="devices" class="{hidden}"><thead><tr>')
    fh.write('<th class="c-abrir" aria-label="Detalhes"></th>')
    for header, key, _shown in COLUMNS:
        num = ' data-num="1"' if key == "optico" else ""
        fh.write(f'<th class="c-{key}"{num}>{_e(header)}</th>')
    fh.write("</tr></thead><tbody>\n")
    for row in device_rows(journal, run_id):
        fh.write(_row(row, zone))
    fh.write(f"</tbody></table></div>\n<script>{JS}</script>\n</body></html>\n")
