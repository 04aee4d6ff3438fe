"""`cpe audit`: the whole fleet (or a filter of it) against IXC, one verdict per device.

Per device: reachable or not and over which transport; model and firmware; WAN up and
its last error; PPPoE user equal to the IXC login; DNS 1.1.1.1/1.0.0.1; SSID per band
equal to IXC's; Wi-Fi key equal (only "match"/"mismatch" leaves cpe.drift); optical
power against the thresholds; the contract state from IXC. The comparison itself is
cpe.drift.find_drifts, the same one `cpe reconfigure` uses.

Verdicts (design.md): ok, drift, unreachable, auth_failed, locked, busy, unsupported,
error. Results go to the journal as they complete; reports are rendered from there
(cpe.audit_report), so a 10,000-device run never sits in memory and an interrupted run
can be resumed without auditing a finished device again.
"""

from __future__ import annotations

import fnmatch
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cpe import drift as drift_mod
from cpe.batch import Batch, BatchStats
from cpe.context import Context
from cpe.coord import Intent
from cpe.errors import (
    CpeError,
    DeviceError,
    InputError,
    SessionBusy,
    UnknownLogin,
)
from cpe.models import Capability, DeviceStatus, WanError
from cpe.policy import ContractCheck, check_contract, optical_verdict
from cpe.shards import ShardedBatch, can_fork
from drivers import advisories
from inventory.models import InternetStatus, Subscriber

if TYPE_CHECKING:
    from cpe.scale.remote import RemoteBatch

log = logging.getLogger("cpe.audit")

OK, DRIFT, UNREACHABLE, AUTH_FAILED, LOCKED, BUSY, UNSUPPORTED, ERROR = (
    "ok",
    "drift",
    "unreachable",
    "auth_failed",
    "locked",
    "busy",
    "unsupported",
    "error",
)
#: Every verdict, in report order (design.md).
VERDICTS = (OK, DRIFT, UNREACHABLE, AUTH_FAILED, LOCKED, BUSY, UNSUPPORTED, ERROR)
_KIND_TO_VERDICT = {
    "unreachable": UNREACHABLE,
    "auth_failed": AUTH_FAILED,
    "locked": LOCKED,
    "busy": BUSY,
    "unsupported": UNSUPPORTED,
}

VERDICT_PT = {
    OK: "conforme",
    DRIFT: "divergente",
    UNREACHABLE: "sem resposta",
    AUTH_FAILED: "senha recusada",
    LOCKED: "bloqueado por senha",
    BUSY: "ocupado",
    UNSUPPORTED: "não suportado",
    ERROR: "erro",
}

#: Friendly names accepted by `--contract-status`, besides IXC's own codes.
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "active": ("A",),
    "ativo": ("A",),
    "blocked": ("CM", "CA"),
    "bloqueado": ("CM", "CA"),
    "late": ("FA",),
    "atraso": ("FA",),
    "disabled": ("D",),
    "desativado": ("D",),
}
#: `status_velocidade` R is not a `status_internet` code: filtered here, after IXC.
REDUCED_WORDS = frozenset({"reduced", "reduzido", "r"})
#: Up to this many logins from `--logins-file` are looked up one by one; more, and the
#: register is streamed once and filtered.
LOOKUP_MAX = 50
#: Journal writes are grouped: at most FLUSH_ROWS results or FLUSH_S seconds per batch.
FLUSH_ROWS, FLUSH_S = 64, 0.25
#: Subscribers read ahead of the workers, per worker (at least READ_AHEAD_MIN): enough
#: that a worker never waits for IXC, small enough that memory does not grow with the
#: fleet (the total for the ETA comes from the inventory's count, not from reading ahead).
READ_AHEAD_PER_WORKER, READ_AHEAD_MIN = 16, 256
TIMEOUT_PT = "O equipamento não concluiu a leitura dentro do tempo total por equipamento."


# --- what to audit ------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The filters of a run; stored with the run so `--resume` repeats them exactly."""

    model: str | None = None
    login_glob: str | None = None
    #: IXC `status_internet` codes (A, CM, CA, FA, D, AA).
    statuses: tuple[str, ...] | None = None
    #: Only contracts with reduced speed (`status_velocidade` R).
    reduced: bool = False
    #: Logins read from `--logins-file` (None: the whole inventory).
    logins: tuple[str, ...] | None = None

    @classmethod
    def build(
        cls,
        *,
        model: str | None = None,
        login_glob: str | None = None,
        contract_status: str | None = None,
        logins_file: Path | None = None,
    ) -> Selection:
        statuses: list[str] = []
        reduced = False
        for word in (contract_status or "").replace(" ", "").split(","):
            if not word:
                continue
            low = word.lower()
            if low in REDUCED_WORDS:
                reduced = True
            elif low in STATUS_WORDS:
                statuses += STATUS_WORDS[low]
            elif word.upper() in {s.value for s in InternetStatus if s.value != "?"}:
                statuses.append(word.upper())
            else:
                raise InputError(
                    f"situação de contrato desconhecida: {word!r} (use A, CM, CA, FA, D, AA, "
                    "blocked, late, reduced)",
                    operation="audit",
                )
        logins = read_logins_file(logins_file) if logins_file is not None else None
        return cls(
            model=model or None,
            login_glob=login_glob or None,
            statuses=tuple(dict.fromkeys(statuses)) or None,
            reduced=reduced,
            logins=logins,
        )

    def as_params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "login_glob": self.login_glob,
            "statuses": list(self.statuses) if self.statuses else None,
            "reduced": self.reduced,
            "logins": list(self.logins) if self.logins is not None else None,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Selection:
        statuses = params.get("statuses")
        logins = params.get("logins")
        return cls(
            model=params.get("model"),
            login_glob=params.get("login_glob"),
            statuses=tuple(statuses) if statuses else None,
            reduced=bool(params.get("reduced")),
            logins=tuple(logins) if logins is not None else None,
        )

    def wants(self, sub: Subscriber) -> bool:
        """The filters applied locally (a logins file, `reduced`)."""
        if self.model is not None and sub.model != self.model:
            return False
        if self.login_glob is not None and not fnmatch.fnmatchcase(sub.login, self.login_glob):
            return False
        if self.statuses is not None:
            code = sub.contract.status_internet.value if sub.contract else None
            if code not in self.statuses:
                return False
        return not self.reduced or bool(sub.contract and sub.contract.speed_reduced)


def read_logins_file(path: Path) -> tuple[str, ...]:
    """One PPPoE login per line; blank lines and `#` comments ignored; duplicates once."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(
            f"não foi possível ler {path}: {exc.strerror}", operation="audit"
        ) from None
    logins = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    return tuple(dict.fromkeys(ln for ln in logins if ln))


# --- one device ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceResult:
    login: str
    model: str | None
    verdict: str
    drifts: list[str]
    #: Everything else a report shows; never a secret (the journal masks again anyway).
    detail: dict[str, Any] = field(default_factory=dict)


def verdict_for(exc: BaseException) -> str:
    if isinstance(exc, CpeError):
        return _KIND_TO_VERDICT.get(exc.kind, ERROR)
    return ERROR


def _contract_detail(sub: Subscriber, check: ContractCheck) -> dict[str, Any]:
    c = sub.contract
    return {
        "state": check.state,
        "allowed": check.allowed,
        "status_internet": c.status_internet.value if c else None,
        "speed_reduced": bool(c and c.speed_reduced),
        "blocked": bool(c and c.blocked),
    }


def _base_detail(sub: Subscriber) -> dict[str, Any]:
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


def _error_detail(exc: BaseException) -> dict[str, Any]:
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


def error_result(sub: Subscriber, exc: BaseException, *, contacted: bool) -> DeviceResult:
    verdict = verdict_for(exc)
    detail = _base_detail(sub)
    if verdict == UNREACHABLE:
        detail["reachable"] = False
    elif contacted and isinstance(exc, DeviceError):
        # The device answered (a refusal, a lock, someone else's session, garbage).
        detail["reachable"] = True
    detail["error"] = _error_detail(exc)
    return DeviceResult(sub.login, sub.model, verdict, [], detail)


def timeout_result(sub: Subscriber, budget_s: float) -> DeviceResult:
    detail = _base_detail(sub)
    detail["reachable"] = False
    detail["error"] = {
        "kind": "timeout",
        "operation": "audit",
        "message": f"device did not finish within {budget_s:.0f}s",
        "mensagem": TIMEOUT_PT,
        "proximo_passo": "Tente de novo mais tarde; se persistir, abra uma O.S. para o N3.",
    }
    return DeviceResult(sub.login, sub.model, UNREACHABLE, [], detail)


def unknown_login_result(login: str, exc: CpeError) -> DeviceResult:
    detail: dict[str, Any] = {"reachable": None, "contract": None, "error": _error_detail(exc)}
    return DeviceResult(login, None, ERROR, [], detail)


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
    detail = _base_detail(sub)
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


def audit_device(ctx: Context, sub: Subscriber, *, lock_wait_s: float = 0.0) -> DeviceResult:
    """Read one device and compare it with IXC. Never raises for a device problem."""
    from cpe.actions import device_hold, open_driver  # late: actions imports the drivers

    started = time.monotonic()
    contacted = False
    try:
        with device_hold(ctx, sub, Intent.READ, wait_s=lock_wait_s):
            contacted = True
            drv = open_driver(ctx, sub)
            with drv:
                st = drv.get_status()
            caps = type(drv).capabilities
    except SessionBusy as exc:
        # Refused by our own lock (another action holds the device): not contacted.
        return error_result(sub, exc, contacted=contacted)
    except CpeError as exc:
        return error_result(sub, exc, contacted=contacted and exc.operation != "resolve")
    drifts = drift_mod.find_drifts(st, sub, caps, ctx.settings)
    names = drift_mod.drift_names(drifts)
    detail = status_detail(sub, st, caps, drifts, ctx)
    detail["duration_s"] = round(time.monotonic() - started, 3)
    return DeviceResult(sub.login, sub.model or st.model, DRIFT if names else OK, names, detail)


# --- a run -----------------------------------------------------------------------------------


class AuditObserver(Protocol):
    """Progress hooks (Nornir's processors, reduced): called on the caller's thread,
    except `total_known`, which the feeder thread calls as the inventory is read."""

    def run_started(self, run_id: str, done: int, counts: Counter[str]) -> None: ...

    def total_known(self, total: int, final: bool) -> None: ...

    def device_done(self, result: DeviceResult, counts: Counter[str]) -> None: ...

    def run_finished(self, outcome: RunOutcome) -> None: ...


class NullObserver:
    def run_started(self, run_id: str, done: int, counts: Counter[str]) -> None:
        pass

    def total_known(self, total: int, final: bool) -> None:
        pass

    def device_done(self, result: DeviceResult, counts: Counter[str]) -> None:
        pass

    def run_finished(self, outcome: RunOutcome) -> None:
        pass


@dataclass
class RunOutcome:
    run_id: str
    #: finished | interrupted
    state: str
    counts: Counter[str]
    #: Devices with a result in this run (earlier sessions of a resumed run included).
    done: int
    elapsed_s: float
    reason: str | None = None
    stats: BatchStats | None = None

    @property
    def complete(self) -> bool:
        return self.state == "finished"


@dataclass
class AuditSettings:
    concurrency: int = 32
    #: Absolute budget per device (login, reads, logout), on top of each request's own
    #: connect/read timeouts.
    device_timeout_s: float = 60.0
    #: How long a worker waits for whoever holds the same device (another worker with a
    #: second login on that IP, an agent's action); after that the verdict is "busy".
    lock_wait_s: float = 20.0
    #: Worker processes the `concurrency` threads are spread over (cpe.shards): more
    #: than one only where it is safe to fork, i.e. while the caller runs no thread.
    processes: int = 1
    #: "local" (threads, and cpe.shards' forked worker) or "celery" (the devices go to
    #: `cpe worker` processes through CPE_BROKER_URL; cpe.scale.remote).
    engine: str = "local"
    #: Devices per Celery task, at most (chunks start smaller and grow to this).
    chunk_size: int = 64


class AuditRunner:
    """Runs (or resumes) one audit run; `stop`/`abort` are set by signal handlers."""

    def __init__(
        self,
        ctx: Context,
        opts: AuditSettings | None = None,
        observer: AuditObserver | None = None,
    ) -> None:
        self.ctx = ctx
        self.opts = opts or AuditSettings(concurrency=ctx.settings.audit_concurrency)
        self.observer: AuditObserver = observer or NullObserver()
        self.stop = threading.Event()
        self.abort = threading.Event()
        #: Set when the stop came from a signal: its name goes into the journal.
        self.stop_reason: str | None = None

    # -- entry points ---------------------------------------------------------------------

    def start(self, selection: Selection) -> str:
        params = {
            "selection": selection.as_params(),
            "concurrency": self.opts.concurrency,
            "engine": self.opts.engine,
        }
        return self.ctx.journal.start_run(self.ctx.who, params)

    def selection_of(self, run_id: str) -> Selection:
        params = self.ctx.journal.run_params(run_id)
        if params is None:
            raise InputError(
                f"execução {run_id!r} não encontrada no diário", operation="audit --resume"
            )
        return Selection.from_params(params.get("selection") or {})

    def run(self, run_id: str, selection: Selection, *, resumed: bool = False) -> RunOutcome:
        journal = self.ctx.journal
        started = time.monotonic()
        done = journal.done_logins(run_id)
        counts: Counter[str] = Counter(journal.verdict_counts(run_id))
        if resumed:
            journal.run_event(run_id, "resumed", self.ctx.who, {"already_done": len(done)})
        # Open the vault and the inventory once, before the workers share them.
        _ = self.ctx.vault
        _ = self.ctx.inventory
        # Forks now, before the observer starts any thread (the celery engine never forks).
        sharded = self._sharded() if self.opts.engine == "local" else None
        self.observer.run_started(run_id, len(done), counts)
        estimate = self._estimate(selection)
        if estimate is not None:
            self.observer.total_known(max(estimate, len(done)), False)
        finished_devices = len(done)
        pending: list[tuple[str, str | None, str, list[str], dict[str, Any]]] = []
        first_pending = 0.0

        def flush() -> None:
            # Results reach the journal within FLUSH_S of completing, a batch per
            # transaction; an abrupt kill loses at most that much, which --resume redoes.
            if pending:
                journal.add_results(run_id, pending)
                pending.clear()

        def on_result(result: DeviceResult) -> None:
            nonlocal finished_devices, first_pending
            if not pending:
                first_pending = time.monotonic()
            pending.append(
                (result.login, result.model, result.verdict, result.drifts, result.detail)
            )
            if len(pending) >= FLUSH_ROWS:
                flush()
            counts[result.verdict] += 1
            finished_devices += 1
            self.observer.device_done(result, counts)

        def on_tick() -> None:
            if pending and time.monotonic() - first_pending >= FLUSH_S:
                flush()

        def on_fed(n: int) -> None:
            # Past the estimate (or without one) the total is "at least what was read".
            if estimate is None or len(done) + n > estimate:
                self.observer.total_known(len(done) + n, False)

        read_ahead = max(READ_AHEAD_MIN, READ_AHEAD_PER_WORKER * self.opts.concurrency)
        batch: (
            Batch[Subscriber | DeviceResult, DeviceResult]
            | ShardedBatch[Subscriber | DeviceResult, DeviceResult]
            | RemoteBatch[Subscriber | DeviceResult, DeviceResult]
        ) = Batch(
            work=self._work,
            on_result=on_result,
            on_timeout=self._on_timeout,
            on_crash=self._on_crash,
            concurrency=self.opts.concurrency,
            item_timeout_s=self.opts.device_timeout_s,
            prefetch=read_ahead,
            stop=self.stop,
            abort=self.abort,
            on_fed=on_fed,
            on_tick=on_tick,
        )
        if sharded is not None:
            sharded.on_result, sharded.on_fed, sharded.on_tick = on_result, on_fed, on_tick
            sharded.prefetch = read_ahead
            batch = sharded
        if self.opts.engine == "celery":
            from cpe.scale.runner import remote_audit_batch

            batch = remote_audit_batch(self, run_id, on_result, on_fed, on_tick)
        try:
            stats = batch.run(self._items(selection, done))
        except KeyboardInterrupt:  # no signal handler installed (library use)
            self.stop.set()
            self.stop_reason = self.stop_reason or "SIGINT"
            stats = BatchStats(aborted=True)
        finally:
            flush()
        self.observer.total_known(len(done) + stats.fed, True)
        elapsed = time.monotonic() - started
        if stats.feeder_error is not None:
            exc = stats.feeder_error
            reason = exc.pt() if isinstance(exc, CpeError) else type(exc).__name__
            # The inventory (IXC), or with the celery engine the broker, failed mid-run.
            where = "broker" if getattr(exc, "kind", None) == "broker" else "inventory"
            journal.run_event(run_id, "interrupted", self.ctx.who, {"reason": where})
            log.error("%s failed during audit %s: %s", where, run_id, type(exc).__name__)
            outcome = RunOutcome(run_id, "interrupted", counts, finished_devices, elapsed, reason)
        elif self.stop.is_set() or stats.aborted:
            why = self.stop_reason or "stop"
            journal.run_event(
                run_id, "interrupted", self.ctx.who, {"reason": why, "done": finished_devices}
            )
            outcome = RunOutcome(run_id, "interrupted", counts, finished_devices, elapsed, why)
        else:
            journal.run_event(
                run_id, "finished", self.ctx.who, {"devices": finished_devices, **counts}
            )
            outcome = RunOutcome(run_id, "finished", counts, finished_devices, elapsed)
        outcome.stats = stats
        self.observer.run_finished(outcome)
        return outcome

    # -- plumbing -------------------------------------------------------------------------

    def _sharded(self) -> ShardedBatch[Subscriber | DeviceResult, DeviceResult] | None:
        if self.opts.processes <= 1 or self.opts.concurrency <= 1:
            return None
        if not can_fork():
            log.info("audit: threads only (this process already runs threads)")
            return None
        sharded: ShardedBatch[Subscriber | DeviceResult, DeviceResult] = ShardedBatch(
            work=self._work,
            on_result=lambda r: None,
            on_timeout=self._on_timeout,
            on_crash=self._on_crash,
            key_of=_device_key,
            processes=self.opts.processes,
            concurrency=self.opts.concurrency,
            item_timeout_s=self.opts.device_timeout_s,
            stop=self.stop,
            abort=self.abort,
        )
        sharded.start()
        return sharded

    def _estimate(self, selection: Selection) -> int | None:
        """The run's device count before the inventory is read, when it can be known
        cheaply: the logins file's length, or the source's count when no local filter
        applies (a model or status filter is decided per subscriber, after reading)."""
        if selection.logins is not None:
            return len(selection.logins)
        if selection.model or selection.statuses or selection.reduced or selection.login_glob:
            return None
        count = getattr(self.ctx.inventory, "count_hint", None)
        if count is None:
            return None
        try:
            return int(count())
        except CpeError as exc:  # the run itself will meet (and report) the same failure
            log.info("audit: no inventory count (%s)", type(exc).__name__)
            return None

    def _items(
        self, selection: Selection, done: set[str]
    ) -> Iterator[Subscriber | DeviceResult]:
        inventory = self.ctx.inventory
        if selection.logins is not None and len(selection.logins) <= LOOKUP_MAX:
            for login in selection.logins:
                if login in done:
                    continue
                try:
                    sub = inventory.subscriber(login)
                except (UnknownLogin, InputError) as exc:
                    yield unknown_login_result(login, exc)
                    continue
                if selection.wants(sub):
                    yield sub
            return
        if selection.logins is not None:
            # A long list: one streamed pass over the register (a few dozen IXC requests)
            # instead of a lookup per login (several requests each).
            wanted = set(selection.logins) - done
            for sub in inventory.iter_subscribers():
                if sub.login in wanted:
                    wanted.discard(sub.login)
                    if selection.wants(sub):
                        yield sub
            for login in sorted(wanted):
                yield unknown_login_result(
                    login,
                    UnknownLogin(
                        f"login {login!r} não existe no IXC", device=login, operation="audit"
                    ),
                )
            return
        subs: Iterable[Subscriber] = inventory.iter_subscribers(
            model=selection.model,
            login_glob=selection.login_glob,
            contract_status=list(selection.statuses) if selection.statuses else None,
        )
        seen: set[str] = set()
        for sub in subs:
            # A login listed twice by the source is audited once.
            if sub.login in done or sub.login in seen:
                continue
            seen.add(sub.login)
            if selection.reduced and not selection.wants(sub):
                continue
            yield sub

    def _work(self, item: Subscriber | DeviceResult) -> DeviceResult:
        if isinstance(item, DeviceResult):
            return item
        return audit_device(self.ctx, item, lock_wait_s=self.opts.lock_wait_s)

    def _on_timeout(self, item: Subscriber | DeviceResult) -> DeviceResult:
        if isinstance(item, DeviceResult):
            return item
        log.warning("audit: %s overran %.0fs", item.login, self.opts.device_timeout_s)
        return timeout_result(item, self.opts.device_timeout_s)

    def _on_crash(self, item: Subscriber | DeviceResult, exc: BaseException) -> DeviceResult:
        if isinstance(item, DeviceResult):
            return item
        log.exception("audit: unexpected failure on %s", item.login, exc_info=exc)
        return error_result(item, exc, contacted=True)


def _device_key(item: Subscriber | DeviceResult) -> str | None:
    """The device's address: two logins with one address go to one share of the batch,
    whose thread lock then keeps them from talking to the device at once."""
    return None if isinstance(item, DeviceResult) else f"{item.host}:{item.port}"


def audit_fleet(
    ctx: Context,
    selection: Selection | None = None,
    *,
    opts: AuditSettings | None = None,
    observer: AuditObserver | None = None,
    resume: str | None = None,
    configure: Callable[[AuditRunner], None] | None = None,
) -> RunOutcome:
    """Start (or resume) a run and take it to the end; the library entry point."""
    runner = AuditRunner(ctx, opts, observer)
    if configure is not None:
        configure(runner)
    if resume is not None:
        sel = runner.selection_of(resume)
        return runner.run(resume, sel, resumed=True)
    run_id = runner.start(selection or Selection())
    return runner.run(run_id, selection or Selection())
