"""Audit reports rendered from the journal: JSON, CSV, HTML and a terminal table.

Every renderer streams the run's rows from SQLite (ordered by login), so a 10,000-device
report is written without holding the run in memory. Rows carry only what the audit
stored, which never includes a secret (Wi-Fi keys appear as match/mismatch).
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import IO, Any

from cpe.audit import VERDICTS
from cpe.audit_compare import since_previous
from cpe.audit_fix import FIX_OUTCOMES
from cpe.audit_words import (
    CONTRACT_PT,
    TRANSPORT_PT,
    drifts_pt,
    local_time,
    optical_pt,
    provider_tz,
    verdict_pt,
    wan_error_pt,
)
from cpe.journal import Journal

FORMATS = ("table", "json", "csv", "html")
FIX_PT = {
    "fixed": "corrigido",
    "would_fix": "seria corrigido",
    "failed": "falhou",
    "skipped": "pulado",
}


# --- rows -----------------------------------------------------------------------------------


def _merge_fixes(
    rows: Iterator[dict[str, Any]], fixes: Iterator[dict[str, Any]], key: str
) -> Iterator[dict[str, Any]]:
    """Attach fix outcomes to rows; both iterators are ordered by login (merge join)."""
    pending = next(fixes, None)
    for row in rows:
        while pending is not None and pending["login"] < row["login"]:
            pending = next(fixes, None)
        if pending is not None and pending["login"] == row["login"]:
            row[key] = {k: pending[k] for k in ("outcome", "changed", "reason")}
            pending = next(fixes, None)
        else:
            row[key] = None
        yield row


def device_rows(journal: Journal, run_id: str) -> Iterator[dict[str, Any]]:
    """One dict per device: the design.md keys first, then the audit's detail."""

    def base() -> Iterator[dict[str, Any]]:
        for r in journal.results(run_id):
            detail = r["detail"] or {}
            row: dict[str, Any] = {
                "login": r["login"],
                "model": r["model"],
                "verdict": r["verdict"],
                "drifts": r["drifts"],
            }
            row.update({k: v for k, v in detail.items() if k not in row})
            row["at"] = r["at"]
            yield row

    rows = _merge_fixes(base(), journal.fix_results(run_id, dry_run=False), "fix")
    yield from _merge_fixes(rows, journal.fix_results(run_id, dry_run=True), "fix_dry_run")


@dataclass
class Summary:
    run_id: str
    state: str | None
    counts: dict[str, int]
    total: int
    fix: dict[str, int] = field(default_factory=dict)
    fix_dry_run: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "run_id": self.run_id,
            "state": self.state,
            "total": self.total,
            "summary": self.counts,
        }
        if self.fix:
            out["fix"] = self.fix
        if self.fix_dry_run:
            out["fix_dry_run"] = self.fix_dry_run
        return out


def summary(journal: Journal, run_id: str) -> Summary:
    raw = journal.verdict_counts(run_id)
    counts = {v: raw.get(v, 0) for v in VERDICTS}
    counts.update({k: v for k, v in raw.items() if k not in counts})

    def fix_counts(dry: bool) -> dict[str, int]:
        got = journal.fix_counts(run_id, dry_run=dry)
        return {o: got.get(o, 0) for o in FIX_OUTCOMES} if got else {}

    return Summary(
        run_id=run_id,
        state=journal.run_state(run_id),
        counts=counts,
        total=sum(raw.values()),
        fix=fix_counts(False),
        fix_dry_run=fix_counts(True),
    )


# --- JSON -----------------------------------------------------------------------------------


def write_json(journal: Journal, run_id: str, fh: IO[str]) -> None:
    """design.md's shape, streamed: run_id, summary, devices[] (plus extra keys).

    Each device object is spliced from the text the journal stores (the audit wrote it
    as JSON) rather than decoded and encoded again; a row whose detail would clash with
    the top-level keys takes the slow path.
    """
    head = summary(journal, run_id).as_dict()
    previous = since_previous(journal, run_id)
    head["since_previous"] = previous.as_dict() if previous is not None else None
    fh.write("{\n")
    for key, value in head.items():
        fh.write(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
    fh.write('  "devices": [')
    first = True
    for line in _device_json_lines(journal, run_id):
        fh.write("\n    " if first else ",\n    ")
        fh.write(line)
        first = False
    fh.write("\n  ]\n}\n" if not first else "]\n}\n")


_RESERVED = ("login", "model", "verdict", "drifts", "at", "fix", "fix_dry_run")
_RESERVED_TEXT = tuple(f'"{k}":' for k in _RESERVED)


def _device_json_lines(journal: Journal, run_id: str) -> Iterator[str]:
    fixes = {
        "fix": journal.fix_results(run_id, dry_run=False),
        "fix_dry_run": journal.fix_results(run_id, dry_run=True),
    }
    pending = {k: next(it, None) for k, it in fixes.items()}
    for login, model, verdict, drifts, detail, at in journal.results_raw(run_id):
        tail: dict[str, Any] = {"at": at}
        for key, it in fixes.items():
            while pending[key] is not None and pending[key]["login"] < login:  # type: ignore[index]
                pending[key] = next(it, None)
            fix = pending[key]
            tail[key] = (
                {k: fix[k] for k in ("outcome", "changed", "reason")}
                if fix is not None and fix["login"] == login
                else None
            )
        inner = detail.strip()[1:-1].strip()
        if any(k in inner for k in _RESERVED_TEXT):
            row = {"login": login, "model": model, "verdict": verdict}
            row["drifts"] = json.loads(drifts)
            row.update({k: v for k, v in json.loads(detail).items() if k not in _RESERVED})
            row.update(tail)
            yield json.dumps(row, ensure_ascii=False, default=str)
            continue
        head = json.dumps({"login": login, "model": model, "verdict": verdict}, ensure_ascii=False)
        yield (
            f'{head[:-1]}, "drifts": {drifts}'
            + (f", {inner}" if inner else "")
            + ", "
            + json.dumps(tail, ensure_ascii=False)[1:]
        )


# --- CSV ------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "login",
    "modelo",
    "veredito",
    "divergencias",
    "contrato",
    "alcancavel",
    "transporte",
    "firmware",
    "alertas",
    "wan",
    "erro_wan",
    "pppoe_confere",
    "dns",
    "dns_confere",
    "ssid_2_4ghz",
    "ssid_5ghz",
    "ssid_confere",
    "senha_wifi",
    "rx_dbm",
    "sinal_optico",
    "erro",
    "correcao",
    "auditado_em",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _yn(value: Any) -> str:
    return "" if value is None else ("sim" if value else "não")


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def _guarded(value: Any) -> str:
    """Text cells: a value that a spreadsheet would run as a formula (an SSID such as
    '=HYPERLINK(…)' is the customer's choice) gets a leading apostrophe."""
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(_FORMULA_START) else s


def _decimal(value: Any) -> str:
    return "" if value is None else f"{float(value):.1f}".replace(".", ",")


def fix_text(fix: dict[str, Any] | None) -> str:
    """A fix outcome in words: "corrigido (DNS): motivo"."""
    if not fix:
        return ""
    text = str(FIX_PT.get(fix["outcome"], fix["outcome"]))
    if fix.get("changed"):
        text += f" ({drifts_pt(fix['changed'])})"
    if fix.get("reason"):
        text += f": {fix['reason']}"
    return text


def flat_row(
    row: dict[str, Any], *, spreadsheet: bool = True, tz: tzinfo | None = None
) -> dict[str, str]:
    """The columns of the CSV (and the HTML table), in Portuguese, no secrets: verdicts,
    drift kinds, optical and WAN states as words (the JSON keeps the codes); times in
    the provider's time zone. `spreadsheet`: guard text cells against formula
    injection (CSV only)."""
    _text = _guarded if spreadsheet else _plain
    wifi = {w["band"]: w for w in row.get("wifi") or []}
    w24, w5 = wifi.get("2.4GHz"), wifi.get("5GHz")
    ssid_flags = [w.get("ssid_ok") for w in wifi.values() if w.get("ssid_ok") is not None]
    keys = [w.get("wpa") for w in wifi.values()]
    if "mismatch" in keys:
        key_word = "difere"
    elif keys and all(k == "match" for k in keys):
        key_word = "confere"
    elif keys:
        key_word = "não legível"
    else:
        key_word = ""
    wan = row.get("wan") or {}
    optical = row.get("optical") or {}
    error = row.get("error") or {}
    contract = row.get("contract") or {}
    fix = fix_text(row.get("fix") or row.get("fix_dry_run"))
    transport = row.get("transport") or ""
    return {
        "login": _text(row["login"]),
        "modelo": _text(row.get("model") or row.get("model_text") or ""),
        "veredito": verdict_pt(row["verdict"]),
        "divergencias": drifts_pt(row.get("drifts")),
        "contrato": CONTRACT_PT.get(contract.get("state") or "", contract.get("state") or ""),
        "alcancavel": _yn(row.get("reachable")),
        "transporte": TRANSPORT_PT.get(transport, transport),
        "firmware": _text(row.get("firmware")),
        "alertas": _text(", ".join(a["id"] for a in row.get("advisories") or [])),
        "wan": "" if not wan else ("conectada" if wan.get("up") else "desconectada"),
        "erro_wan": _text(wan_error_pt(wan.get("error"))),
        "pppoe_confere": _yn(row.get("pppoe_ok")),
        "dns": " / ".join(row.get("dns") or []),
        "dns_confere": _yn(row.get("dns_ok")),
        "ssid_2_4ghz": _text(w24["ssid"] if w24 else ""),
        "ssid_5ghz": _text(w5["ssid"] if w5 else ""),
        "ssid_confere": _yn(all(ssid_flags)) if ssid_flags else "",
        "senha_wifi": key_word,
        "rx_dbm": _decimal(optical.get("rx_dbm")),
        "sinal_optico": optical_pt(optical.get("verdict")),
        "erro": _text(error.get("mensagem")),
        "correcao": _text(fix),
        "auditado_em": local_time(row.get("at"), tz or provider_tz()),
    }


def write_csv(journal: Journal, run_id: str, fh: IO[str], *, tz: tzinfo | None = None) -> None:
    """CSV for a Portuguese-locale spreadsheet: `;` as separator and UTF-8 with BOM.

    Excel and LibreOffice in pt-BR use the comma as the decimal separator, so their CSV
    list separator is `;` (a comma-separated file opens as one column there); the BOM is
    what makes Excel read the file as UTF-8 instead of Windows-1252, so accents and
    SSIDs survive a double-click. Decimals use a comma (-19,5) for the same reason.
    Open `fh` with newline="" (the csv module writes its own line ends).
    """
    fh.write("\ufeff")
    writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    zone = tz or provider_tz()
    for row in device_rows(journal, run_id):
        writer.writerow(flat_row(row, tz=zone))


# --- aggregates (HTML chart, terminal) ---------------------------------------------------------


@dataclass
class ModelStats:
    verdicts: Counter[str] = field(default_factory=Counter)
    drifts: Counter[str] = field(default_factory=Counter)


def per_model(journal: Journal, run_id: str) -> dict[str, ModelStats]:
    out: dict[str, ModelStats] = defaultdict(ModelStats)
    for r in journal.results(run_id):
        st = out[r["model"] or "desconhecido"]
        st.verdicts[r["verdict"]] += 1
        st.drifts.update(r["drifts"])
    return dict(sorted(out.items()))
