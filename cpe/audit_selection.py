"""What an audit run covers: its filters (model, login pattern, contract status, a logins
file), as `Selection`, stored with the run so `cpe audit --resume` repeats them exactly."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpe.errors import InputError
from inventory.models import InternetStatus, Subscriber

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
