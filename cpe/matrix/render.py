"""docs/support-matrix.md from test facts, the driver registry and the evidence ledgers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cpe.errors import Unsupported
from cpe.matrix.evidence import counts_text, family_ledgers, ledger_section
from cpe.matrix.results import OPERATIONS, SESSION, Fact, Verdict, real_verdict, sim_verdict
from cpe.models import Capability
from drivers.evidence import Fact as EvidenceFact
from drivers.registry import DRIVERS, driver_class

__all__ = ["Row", "build_rows", "render"]

LEGEND = """\
Legenda do resumo (uma célula por operação):

- **real** — verificado com fixture de equipamento real (pasta de `cpe capture` com
  `source: device` que a suíte reproduz sem erro);
- **simulador** — a suíte de conformidade passou para esta operação no simulador do modelo
  (todas as variantes do simulador; `parcial (k/n)` quando só algumas);
- **declarado** — o driver declara a capacidade, mas nenhum teste a verificou;
- **FALHOU** — algum teste desta operação falhou na última geração;
- **—** — o modelo não oferece esta operação (o CLI responde "não suportado").

"sessão" reúne os testes de login, bloqueio por senha errada, sessão ocupada e falhas de
rede. Capturas são só leitura: com equipamento real verificam `status` (e `optical` quando a
unidade informa); escritas (pppoe, dns, wifi) só são verificadas no simulador.
"Evidência" conta os fatos de protocolo do livro de evidências da família (`LEDGER` em
`drivers/<família>/guessed.py`) por grau: **confirmado** (visto numa captura ou no
firmware), **corroborado** (clientes públicos independentes, escritos para o equipamento
real, dependem dele) e **adivinhado** (sem evidência pública: corrigir com uma captura)."""


@dataclass(frozen=True)
class Row:
    model: str
    transport: str
    family: str
    capabilities: frozenset[Capability] | None  # None: the driver does not import
    sim: dict[str, Verdict]
    real: dict[str, Verdict]

    def cell(self, op: str) -> str:
        if self.capabilities is None:
            return "indisponível"
        if Capability(op) not in self.capabilities:
            return "—"
        sim, real = self.sim[op], self.real[op]
        if real.state == "failed" or sim.state == "failed":
            return "**FALHOU**"
        if real.state == "yes":
            return "**real**"
        if sim.state == "yes":
            return "simulador"
        if sim.state == "partial":
            return f"simulador {sim.pt().split(' ', 1)[1]}"
        return "declarado"


def _family(ref: str) -> str:
    return ref.split(":")[0].split(".")[1]


def build_rows(facts: Sequence[Fact]) -> list[Row]:
    rows = []
    for (model, transport), ref in DRIVERS.items():
        try:
            caps: frozenset[Capability] | None = driver_class(model, transport).capabilities
        except Unsupported:
            caps = None
        t = str(transport)
        rows.append(
            Row(
                model, t, _family(ref), caps,
                {op: sim_verdict(facts, model, t, op) for op in (*OPERATIONS, SESSION)},
                {op: real_verdict(facts, model, t, op) for op in OPERATIONS},
            )
        )
    return rows


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def render(
    facts: Sequence[Fact],
    generated_at: str,
    ledgers: dict[str, tuple[EvidenceFact, ...]] | None = None,
) -> str:
    rows = build_rows(facts)
    ledgers = family_ledgers() if ledgers is None else ledgers

    def evidence(family: str) -> str:
        return counts_text(ledgers.get(family, ()))

    lines = [
        "# Matriz de suporte",
        "",
        f"> Gerada por `make matrix` a partir da suíte de conformidade ({generated_at or '?'}).",
        "> Não edite à mão: rode `make matrix` de novo.",
        "",
        LEGEND,
        "",
        "## Resumo",
        "",
    ]
    lines += _table(
        ["Modelo", "Transporte", *OPERATIONS, "sessão", "Evidência"],
        [
            [f"`{r.model}`", r.transport, *(r.cell(op) for op in OPERATIONS),
             r.sim[SESSION].pt() if r.capabilities is not None else "indisponível",
             evidence(r.family)]
            for r in rows
        ],
    )
    lines += ["", "## Detalhe por operação", ""]
    detail = []
    for r in rows:
        for op in OPERATIONS:
            supported = r.capabilities is not None and Capability(op) in r.capabilities
            detail.append([
                f"`{r.model}`", op, r.transport, "sim" if supported else "não",
                r.sim[op].pt() if supported else "—",
                r.real[op].pt() if supported else "—",
                evidence(r.family),
            ])
    lines += _table(
        ["Modelo", "Operação", "Transporte", "Suportado (declarado)",
         "Verificado no simulador", "Verificado com fixture real", "Evidência"],
        detail,
    )
    lines += ["", "## Livro de evidências por família", ""]
    lines += ledger_section(ledgers)
    return "\n".join(lines).rstrip() + "\n"

