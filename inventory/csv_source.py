"""Subscribers from a CSV file, for sites without IXC API access.

Format (what a spreadsheet's "CSV UTF-8" export gives; a BOM is fine):

    login;senha;ip;porta;modelo;ssid_24;senha_wifi_24;ssid_5;senha_wifi_5;status_internet;status_velocidade;cliente;cpf_cnpj
    joao.silva;pw;100.64.1.10;;Mercusys AC12G;Casa;chave-24g;Casa-5G;chave-5g;A;N;João;12345678909

- separator `;`; the header row names every column above (any order); lines starting
  with `#` and blank lines are ignored; a field may not span lines;
- `porta` empty means 2389; `ip` empty means "no management address";
- `modelo` is a registry key (`zte-onu`) or the device text IXC would hold
  ("ZTE F670L"): unknown text loads with no model ("modelo não cadastrado");
- `status_internet` as in IXC (A, D, CM, CA, FA, AA; empty = A), `status_velocidade`
  N or R (empty = N);
- an SSID left empty means that band is not registered.
A malformed row stops loading with an error that names the file and the line.
`update_wifi` rewrites only that subscriber's line, atomically, keeping the rest.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from cpe.errors import InventoryError, UnknownLogin
from cpe.models import DEFAULT_PORT, Band, validate_pppoe_user
from inventory.base import StatusFilter, matches, status_set, validate_wifi
from inventory.ixc.fields import MODEL_KEYS, digits, fold, looks_like_cpf_cnpj, model_from_text
from inventory.models import ContractState, InternetStatus, Subscriber, WifiRecord

__all__ = ["HEADER", "CsvSource"]

HEADER: tuple[str, ...] = (
    "login",
    "senha",
    "ip",
    "porta",
    "modelo",
    "ssid_24",
    "senha_wifi_24",
    "ssid_5",
    "senha_wifi_5",
    "status_internet",
    "status_velocidade",
    "cliente",
    "cpf_cnpj",
)
WIFI_COLUMNS: dict[Band, tuple[str, str]] = {
    Band.GHZ_2_4: ("ssid_24", "senha_wifi_24"),
    Band.GHZ_5: ("ssid_5", "senha_wifi_5"),
}
_STATUS_CODES = tuple(s.value for s in InternetStatus if s is not InternetStatus.UNKNOWN)


@dataclass
class _Line:
    number: int
    values: dict[str, str]
    subscriber: Subscriber


class CsvSource:
    """The inventory protocol (inventory.base.InventorySource) over a CSV file."""

    name = "csv"
    can_open_service_orders = False

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._lines: list[str] = []
        self._columns: list[str] = []
        self._rows: dict[str, _Line] = {}
        self._bom = False
        self._newline = "\n"
        self.reload()

    def __repr__(self) -> str:
        return f"CsvSource({str(self.path)!r}, {len(self._rows)} logins)"

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise self._error(None, f"não foi possível ler o arquivo ({exc.strerror})") from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise self._error(
                None, 'o arquivo não está em UTF-8 (exporte como "CSV UTF-8")'
            ) from None
        bom = raw.startswith(b"\xef\xbb\xbf")
        newline = "\r\n" if "\r\n" in text else "\n"
        # Only \n and \r\n end a line (splitlines would also split on \x1c, \u2028...).
        lines = text.replace("\r\n", "\n").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        columns: list[str] = []
        rows: dict[str, _Line] = {}
        for index, line in enumerate(lines):
            number = index + 1
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                cells = _split(line)
            except csv.Error as exc:  # e.g. a field over csv's 128 KB limit
                raise self._error(number, f"linha ilegível ({exc})") from None
            if not columns:
                columns = self._header(cells, number)
                continue
            if len(cells) != len(columns):
                raise self._error(
                    number, f"esperadas {len(columns)} colunas separadas por ';', há {len(cells)}"
                )
            values = {c: v.strip() for c, v in zip(columns, cells, strict=True)}
            sub = self._subscriber(values, number)
            if sub.login in rows:
                raise self._error(
                    number,
                    f"login {sub.login!r} repetido (já está na linha {rows[sub.login].number})",
                )
            rows[sub.login] = _Line(number, values, sub)
        if not columns:
            raise self._error(None, "arquivo vazio: falta o cabeçalho " + ";".join(HEADER))
        with self._lock:
            self._lines, self._columns, self._rows = lines, columns, rows
            self._bom, self._newline = bom, newline

    def _header(self, cells: list[str], number: int) -> list[str]:
        names = [c.strip().lower() for c in cells]
        if len(names) == 1 and "," in names[0]:
            raise self._error(number, "o separador deve ser ';' (ponto e vírgula), não ','")
        missing = [h for h in HEADER if h not in names]
        unknown = [n for n in names if n not in HEADER]
        # Counter, not names.count(): that is quadratic on a hostile 100k-column header.
        dupes = sorted(n for n, k in Counter(names).items() if k > 1)
        problems = []
        if missing:
            problems.append("faltam as colunas " + ", ".join(missing))
        if unknown:
            problems.append("colunas desconhecidas " + ", ".join(repr(u) for u in unknown))
        if dupes:
            problems.append("colunas repetidas " + ", ".join(dupes))
        if problems:
            raise self._error(
                number,
                "cabeçalho inválido: "
                + "; ".join(problems)
                + " (esperado: "
                + ";".join(HEADER)
                + ")",
            )
        return names

    def _subscriber(self, v: dict[str, str], number: int) -> Subscriber:
        login = v["login"]
        try:
            validate_pppoe_user(login)
        except ValueError as exc:
            raise self._error(number, f"login inválido: {exc}") from None
        host: str | None = None
        if v["ip"]:
            try:
                host = str(ipaddress.ip_address(v["ip"]))
            except ValueError:
                raise self._error(number, f"ip inválido {v['ip']!r}") from None
        port = DEFAULT_PORT
        if v["porta"]:
            # isascii(): "²" passes isdigit() but not int(); the length keeps int() in range.
            porta = v["porta"]
            if not (porta.isascii() and porta.isdigit() and len(porta) <= 5) or not (
                1 <= int(porta) <= 65535
            ):
                raise self._error(number, f"porta inválida {v['porta']!r} (1 a 65535)")
            port = int(v["porta"])
        status = (v["status_internet"] or "A").upper()
        if status not in _STATUS_CODES:
            raise self._error(
                number, f"status_internet {status!r} inválido (use {', '.join(_STATUS_CODES)})"
            )
        speed = (v["status_velocidade"] or "N").upper()
        if speed not in ("N", "R"):
            raise self._error(number, f"status_velocidade {speed!r} inválido (use N ou R)")
        wifi = []
        for band, (ssid_col, key_col) in WIFI_COLUMNS.items():
            if v[ssid_col]:
                key = v[key_col]
                wifi.append(
                    WifiRecord(
                        band=band, ssid=v[ssid_col], passphrase=SecretStr(key) if key else None
                    )
                )
            elif v[key_col]:
                # Do not echo the key: name the column only.
                raise self._error(number, f"{key_col} preenchida mas {ssid_col} vazia")
        text = v["modelo"]
        model = text if text in MODEL_KEYS else model_from_text(text)
        return Subscriber(
            login=login,
            customer_name=v["cliente"] or None,
            cpf_cnpj=v["cpf_cnpj"] or None,
            pppoe_password=SecretStr(v["senha"]) if v["senha"] else None,
            host=host,
            port=port,
            model=model,
            model_text=text or None,
            model_source="csv" if text else None,
            contract=ContractState(
                status="A", status_internet=InternetStatus(status), speed_reduced=speed == "R"
            ),
            wifi=tuple(wifi),
        )

    def _error(self, line: int | None, message: str) -> InventoryError:
        where = f"{self.path.name}, linha {line}" if line else self.path.name
        return InventoryError(
            f"{where}: {message}",
            operation="ler CSV de assinantes",
            detail_pt=f"Planilha de assinantes {where}: {message}",
        )

    # -- reads ------------------------------------------------------------------------------

    def subscriber(self, login: str) -> Subscriber:
        login = login.strip()
        with self._lock:
            line = self._rows.get(login) or next(
                (r for k, r in self._rows.items() if fold(k) == fold(login)), None
            )
        if line is None:
            raise UnknownLogin(
                f"login {login!r} não está em {self.path.name}",
                device=login,
                operation="consultar login",
                detail_pt=f"Login PPPoE não encontrado na planilha {self.path.name}: {login}",
            )
        return line.subscriber

    def search(self, text: str, *, limit: int = 50) -> list[Subscriber]:
        text = text.strip()
        if not text:
            return []
        with self._lock:
            subs = [r.subscriber for r in self._rows.values()]
        if looks_like_cpf_cnpj(text):
            doc = digits(text)
            found = [s for s in subs if s.cpf_cnpj and digits(s.cpf_cnpj) == doc]
        else:
            q = fold(text)
            exact = [s for s in subs if fold(s.login) == q]
            partial = [s for s in subs if q in fold(s.login) and s not in exact]
            names = [
                s
                for s in subs
                if s.customer_name and q in fold(s.customer_name) and s not in exact + partial
            ]
            found = exact + partial + names
        return found[:limit]

    def count_hint(self) -> int:
        """How many logins `iter_subscribers()` will walk."""
        with self._lock:
            return len(self._rows)

    def iter_subscribers(
        self,
        *,
        model: str | None = None,
        login_glob: str | None = None,
        contract_status: StatusFilter = None,
    ) -> Iterator[Subscriber]:
        statuses = status_set(contract_status)
        with self._lock:
            subs = [r.subscriber for r in self._rows.values()]
        for sub in subs:
            if matches(sub, model=model, login_glob=login_glob, statuses=statuses):
                yield sub

    # -- writes -----------------------------------------------------------------------------

    def update_wifi(self, login: str, records: Iterable[WifiRecord]) -> Subscriber:
        wanted = validate_wifi(login, records)
        with self._lock:
            current = self.subscriber(login)
            line = self._rows[current.login]
            values = dict(line.values)
            for rec in wanted:
                ssid_col, key_col = WIFI_COLUMNS[rec.band]
                values[ssid_col] = rec.ssid
                if rec.passphrase is not None:
                    values[key_col] = rec.passphrase.get_secret_value()
            lines = list(self._lines)
            lines[line.number - 1] = _join([values[c] for c in self._columns])
            self._write(lines)
            self.reload()
            return self.subscriber(current.login)

    def open_service_order(
        self,
        subscriber: Subscriber,
        message: str,
        *,
        assunto_id: str,
        setor: str,
        prioridade: str = "N",
    ) -> str:
        raise InventoryError(
            "a planilha CSV não abre O.S.",
            device=subscriber.login,
            operation="abrir O.S.",
            detail_pt="Sem acesso ao IXC por API: abra a O.S. manualmente no IXC.",
        )

    def _write(self, lines: list[str]) -> None:
        body = self._newline.join(lines) + self._newline
        data = ("\ufeff" if self._bom else "") + body
        mode = self.path.stat().st_mode & 0o777
        fd, tmp = tempfile.mkstemp(prefix=".inventory-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(data)
            os.chmod(tmp, mode)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _split(line: str) -> list[str]:
    return next(csv.reader([line], delimiter=";"))


def _join(values: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="").writerow(values)
    return buf.getvalue()
