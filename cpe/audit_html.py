"""The audit report as one self-contained HTML file (to open, sort and forward).

Inline CSS and vanilla JS only, no CDN, and a Content-Security-Policy that forbids the
page any network request: the file works offline and leaks nothing when opened. Two
inline SVG charts (verdicts per model, drift types per model), summary counts, and a
table that sorts on a header click and filters by text, verdict and model. Every value
is HTML-escaped; the rows come from the journal, which holds no secret.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import IO

from cpe.audit import VERDICT_PT, VERDICTS
from cpe.audit_report import FIX_PT, ModelStats, device_rows, flat_row, per_model, summary
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
DRIFT_PT = {
    "dns": "DNS",
    "ssid": "SSID",
    "wifi_key": "senha Wi-Fi",
    "pppoe": "PPPoE",
    "optical": "sinal óptico",
}

#: (header, flat_row key, numeric sort)
COLUMNS = (
    ("Login", "login", False),
    ("Modelo", "modelo", False),
    ("Veredito", "veredito", False),
    ("Divergências", "divergencias", False),
    ("Contrato", "contrato", False),
    ("Alcançável", "alcancavel", False),
    ("Acesso", "transporte", False),
    ("Firmware", "firmware", False),
    ("WAN", "wan", False),
    ("Erro WAN", "erro_wan", False),
    ("PPPoE confere", "pppoe_confere", False),
    ("DNS", "dns", False),
    ("SSID 2,4 GHz", "ssid_2_4ghz", False),
    ("SSID 5 GHz", "ssid_5ghz", False),
    ("Senha Wi-Fi", "senha_wifi", False),
    ("RX (dBm)", "rx_dbm", True),
    ("Erro", "erro", False),
    ("Correção", "correcao", False),
)

CSS = """
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212121}
body{margin:0 auto;max-width:1400px;padding:16px 24px}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.4rem 0 .5rem}
.meta{color:#555;margin:0 0 1rem}
.cards{display:flex;flex-wrap:wrap;gap:8px}
.card{border-left:6px solid #999;background:#f5f5f5;padding:6px 12px;min-width:110px}
.card b{display:block;font-size:1.4rem}.card span{font-size:.85rem;color:#444}
.charts{display:flex;flex-wrap:wrap;gap:24px}
.legend{font-size:.8rem;display:flex;flex-wrap:wrap;gap:10px;margin:.3rem 0}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:.5rem 0}
.filters input{min-width:260px;padding:4px}
table{border-collapse:collapse;font-size:.82rem;width:100%}
th,td{border-bottom:1px solid #e0e0e0;padding:3px 6px;text-align:left;vertical-align:top}
th{position:sticky;top:0;background:#fafafa;cursor:pointer;user-select:none;white-space:nowrap}
th.asc::after{content:" ▲"}th.desc::after{content:" ▼"}
td.v{font-weight:600;white-space:nowrap}
tr[hidden]{display:none}
.wrap{overflow:auto;max-height:85vh;border:1px solid #e0e0e0}
"""

JS = """
(function(){
  var table=document.getElementById('devices'), body=table.tBodies[0];
  var rows=Array.prototype.slice.call(body.rows);
  var text=rows.map(function(r){return r.textContent.toLowerCase();});
  var q=document.getElementById('q'), fv=document.getElementById('fv'),
      fm=document.getElementById('fm'), count=document.getElementById('count');
  function apply(){
    var s=q.value.trim().toLowerCase(), v=fv.value, m=fm.value, n=0;
    for(var i=0;i<rows.length;i++){
      var r=rows[i], show=(!v||r.getAttribute('data-v')===v)&&
        (!m||r.getAttribute('data-m')===m)&&(!s||text[i].indexOf(s)>=0);
      r.hidden=!show; if(show){n++;}
    }
    count.textContent=n+' de '+rows.length+' equipamentos';
  }
  var timer=null;
  q.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(apply,120);});
  fv.addEventListener('change',apply); fm.addEventListener('change',apply);
  var heads=table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads,function(th,col){
    th.addEventListener('click',function(){
      var asc=!th.classList.contains('asc'), num=th.getAttribute('data-num')==='1';
      Array.prototype.forEach.call(heads,function(h){h.classList.remove('asc','desc');});
      th.classList.add(asc?'asc':'desc');
      var idx=rows.map(function(r,i){return i;});
      function key(i){
        var c=rows[i].cells[col];
        if(num){var x=parseFloat(c.getAttribute('data-n'));return isNaN(x)?-Infinity:x;}
        return c.textContent.toLowerCase();
      }
      var keys=idx.map(key);
      idx.sort(function(a,b){
        var ka=keys[a],kb=keys[b]; var r=ka<kb?-1:(ka>kb?1:0);
        if(r===0){r=a-b;} return asc?r:-r;
      });
      rows=idx.map(function(i){return rows[i];}); text=idx.map(function(i){return text[i];});
      var frag=document.createDocumentFragment();
      rows.forEach(function(r){frag.appendChild(r);}); body.appendChild(frag);
    });
  });
  apply();
})();
"""

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
        f'height="{height}" aria-label="{_e(title)}"><title>{_e(title)}</title>'
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


def write_html(journal: Journal, run_id: str, fh: IO[str]) -> None:
    head = summary(journal, run_id)
    stats = per_model(journal, run_id)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    state_pt = {"finished": "concluída", "interrupted": "interrompida"}.get(
        head.state or "", head.state or "?"
    )
    verdict_labels = {v: f"{VERDICT_PT[v]} ({v})" for v in VERDICTS}
    fh.write(
        '<!DOCTYPE html>\n<html lang="pt-BR"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Auditoria {_e(run_id)}</title><style>{CSS}</style></head><body>\n"
        "<h1>Auditoria da frota contra o IXC</h1>"
        f'<p class="meta">Execução <code>{_e(run_id)}</code> — {_e(state_pt)} — '
        f"{head.total} equipamentos — gerado em {_e(generated)}</p>\n"
        '<section class="cards">'
    )
    for v in VERDICTS:
        fh.write(
            f'<div class="card" style="border-color:{VERDICT_COLOR[v]}">'
            f"<b>{head.counts.get(v, 0)}</b><span>{_e(verdict_labels[v])}</span></div>"
        )
    for title, fix in (("Correção", head.fix), ("Simulação de correção", head.fix_dry_run)):
        for outcome, n in fix.items():
            fh.write(
                f'<div class="card"><b>{n}</b><span>{_e(title)}: '
                f"{_e(FIX_PT.get(outcome, outcome))}</span></div>"
            )
    fh.write('</section>\n<h2>Por modelo</h2><section class="charts">')
    fh.write(
        _stacked_chart(
            "Vereditos por modelo", stats, VERDICTS, VERDICT_COLOR, verdict_labels, "verdicts"
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
    fh.write('</section>\n<h2>Equipamentos</h2>\n<div class="filters">')
    fh.write(
        '<input id="q" type="search" placeholder="Filtrar: login, modelo, erro, SSID…" '
        'aria-label="Filtrar">'
        '<select id="fv" aria-label="Veredito"><option value="">todos os vereditos</option>'
    )
    for v in VERDICTS:
        fh.write(f'<option value="{v}">{_e(verdict_labels[v])}</option>')
    fh.write(
        '</select><select id="fm" aria-label="Modelo"><option value="">todos os modelos</option>'
    )
    for model in stats:
        fh.write(f'<option value="{_e(model)}">{_e(model)}</option>')
    fh.write(
        '</select><span id="count"></span></div>\n<div class="wrap"><table id="devices"><thead><tr>'
    )
    for header, _key, numeric in COLUMNS:
        fh.write(f'<th data-num="{1 if numeric else 0}">{_e(header)}</th>')
    fh.write("</tr></thead><tbody>\n")
    for row in device_rows(journal, run_id):
        flat = flat_row(row, spreadsheet=False)
        model = row.get("model") or "desconhecido"
        fh.write(f'<tr data-v="{_e(row["verdict"])}" data-m="{_e(model)}">')
        for _header, key, numeric in COLUMNS:
            value = flat[key]
            if key == "veredito":
                color = VERDICT_COLOR.get(value, "#333")
                fh.write(f'<td class="v" style="color:{color}">{_e(value)}</td>')
            elif numeric:
                raw = (row.get("optical") or {}).get("rx_dbm")
                fh.write(f'<td data-n="{_e(raw if raw is not None else "")}">{_e(value)}</td>')
            else:
                fh.write(f"<td>{_e(value)}</td>")
        fh.write("</tr>\n")
    fh.write(f"</tbody></table></div>\n<script>{JS}</script>\n</body></html>\n")
