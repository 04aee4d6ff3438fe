// Technicians' screen: audits (list, trend, start, live progress, report, what changed),
// one device's timeline, comparisons, and the bulk fix (dry run, confirmation, progress).
// Progress comes from the journal through /api/tec, however the audit is run.
"use strict";

const POLL_MS = 1000;
let execucoes = [];        // last list from /api/tec/execucoes
let atual = null;          // run shown on the right
let vezExecucao = 0;       // generation counters: a newer poll cancels older ones
let vezCorrecao = 0;
let planoAtual = null;

function rotuloEscopo(r) { return r.escopo_pt || "toda a frota"; }

// --- list and trend ----------------------------------------------------------------------

async function carregarLista() {
  const { status, data } = await api("GET", "/api/tec/execucoes?limit=40");
  if (status !== 200) { $("lista-auditorias").replaceChildren(el("p", "erro", erroDe(data))); return; }
  execucoes = data.execucoes || [];
  desenharLista();
  desenharTendencia();
  preencherComparacao();
  if (execucoes.some((r) => r.estado === "running")) setTimeout(carregarLista, 2 * POLL_MS);
}

function deltaDivergentes() {
  // Drift count against the previous finished run of the same filters.
  const ultimo = {}, delta = {};
  for (const r of [...execucoes].reverse()) {
    if (r.estado !== "finished") continue;
    const k = rotuloEscopo(r);
    if (k in ultimo) delta[r.run_id] = r.contagens.drift - ultimo[k];
    ultimo[k] = r.contagens.drift;
  }
  return delta;
}

function desenharLista() {
  const caixa = $("lista-auditorias");
  if (!execucoes.length) { caixa.replaceChildren(el("p", "nota", "Nenhuma auditoria no diário ainda.")); return; }
  const delta = deltaDivergentes();
  const linhas = execucoes.map((r) => {
    const estado = el("span", "estado-" + r.estado, ESTADO_PT[r.estado] || r.estado);
    const d = delta[r.run_id];
    const dtxt = d === undefined ? "" : (d > 0 ? "+" + d : String(d));
    return [quandoCurto(r.iniciada_em), rotuloEscopo(r), estado, r.feitos, r.contagens.ok, r.contagens.drift,
      r.contagens.unreachable, dtxt];
  });
  const t = tabela(["Início", "Filtros", "Estado", "Total", "Conf.", "Div.", "S/resp", "Δ div"], linhas, "auditorias");
  t.id = "tabela-auditorias";
  Array.from(t.tBodies[0].rows).forEach((tr, i) => {
    tr.className = "clicavel" + (atual && atual === execucoes[i].run_id ? " escolhida" : "");
    tr.dataset.run = execucoes[i].run_id;
    tr.addEventListener("click", () => abrirExecucao(execucoes[i].run_id));
  });
  caixa.replaceChildren(t);
}

function desenharTendencia() {
  const concluidas = execucoes.filter((r) => r.estado === "finished");
  const sel = $("tend-escopo");
  const escopos = [...new Set(concluidas.map(rotuloEscopo))];
  const antes = sel.value;
  sel.replaceChildren(...escopos.map((e) => { const o = el("option", null, e); o.value = e; return o; }));
  if (escopos.includes(antes)) sel.value = antes;
  const caixa = $("tendencia");
  if (!concluidas.length) { caixa.replaceChildren(el("p", "nota", "Nenhuma auditoria concluída ainda.")); return; }
  const serie = concluidas.filter((r) => rotuloEscopo(r) === sel.value).slice(0, 12).reverse();
  caixa.replaceChildren(graficoTendencia(serie), legendaTendencia());
}

const PARTES = [
  ["ok", "#2e9d4a", (c) => c.ok],
  ["drift", "#e3a21a", (c) => c.drift],
  ["unreachable", "#8a8f98", (c) => c.unreachable],
  ["outros", "#b3261e", (c) => c.auth_failed + c.locked + c.busy + c.unsupported + c.error],
];

function graficoTendencia(serie) {
  const W = 400, H = 150, base = 120, topo = 10, passo = W / Math.max(serie.length, 1);
  const largura = Math.min(28, passo * 0.7);
  const maximo = Math.max(1, ...serie.map((r) => r.feitos));
  const g = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "tendencia", role: "img",
    "aria-label": "Vereditos nas últimas auditorias" });
  g.append(svg("line", { x1: 0, y1: base, x2: W, y2: base, stroke: "#c5ccd6" }));
  serie.forEach((r, i) => {
    const x = i * passo + (passo - largura) / 2;
    let y = base;
    for (const [nome, cor, valor] of PARTES) {
      const n = valor(r.contagens);
      if (!n) continue;
      const h = (base - topo) * n / maximo;
      y -= h;
      const rect = svg("rect", { x: x.toFixed(1), y: y.toFixed(1), width: largura.toFixed(1), height: h.toFixed(1), fill: cor,
        "data-verdict": nome });
      const titulo = svg("title");
      titulo.textContent = `${quando(r.iniciada_em)}: ${VEREDITO_PT[nome] || "outros"} ${n}`;
      rect.append(titulo);
      g.append(rect);
    }
    const texto = svg("text", { x: (x + largura / 2).toFixed(1), y: base + 14, "font-size": 9, "text-anchor": "middle", fill: "#5b6678" });
    const dias = new Set(serie.map((s) => quandoCurto(s.iniciada_em).slice(0, 5)));
    texto.textContent = dias.size > 1 ? quandoCurto(r.iniciada_em).slice(0, 5) : quandoCurto(r.iniciada_em).slice(6);
    g.append(texto);
    const total = svg("text", { x: (x + largura / 2).toFixed(1), y: (y - 3).toFixed(1), "font-size": 9, "text-anchor": "middle", fill: "#1d2430" });
    total.textContent = String(r.contagens.drift);
    g.append(total);
  });
  return g;
}

function legendaTendencia() {
  const d = el("div", "legenda");
  for (const [nome, , ] of PARTES) {
    const s = el("span");
    s.append(el("i", "leg-" + nome), VEREDITO_PT[nome] || "outros");
    d.append(s);
  }
  d.append(el("span", null, "número sobre a barra: divergentes"));
  return d;
}

function preencherComparacao() {
  const concluidas = execucoes.filter((r) => r.estado === "finished");
  for (const [id, idx] of [["cmp-a", 1], ["cmp-b", 0]]) {
    const sel = $(id);
    const antes = sel.value;
    sel.replaceChildren(...concluidas.map((r) => {
      const o = el("option", null, quando(r.iniciada_em) + " · " + rotuloEscopo(r));
      o.value = r.run_id;
      return o;
    }));
    if (concluidas.some((r) => r.run_id === antes)) sel.value = antes;
    else if (concluidas[idx]) sel.value = concluidas[idx].run_id;
  }
}

// --- start an audit ------------------------------------------------------------------------

async function iniciarAuditoria(ev) {
  ev.preventDefault();
  const corpo = {
    model: $("f-modelo").value || null,
    login_glob: $("f-login").value.trim() || null,
    contract_status: $("f-contrato").value || null,
  };
  $("btn-iniciar").disabled = true;
  const { status, data } = await api("POST", "/api/audits", corpo);
  $("btn-iniciar").disabled = false;
  const msg = $("auditoria-msg");
  if (status !== 202) { aviso(msg, "falha", erroDe(data)); return; }
  aviso(msg, "ok", "Auditoria " + data.run_id + " iniciada.");
  msg.dataset.run = data.run_id;
  await carregarLista();
  abrirExecucao(data.run_id);
}

// --- one run -------------------------------------------------------------------------------

async function abrirExecucao(runId) {
  atual = runId;
  history.replaceState(null, "", "#execucao=" + encodeURIComponent(runId));
  $("vazio").hidden = true;
  $("execucao").hidden = false;
  $("correcao").hidden = true;
  $("ex-relatorio").hidden = true;
  $("ex-relatorio").removeAttribute("src");
  for (const tr of document.querySelectorAll("#tabela-auditorias tbody tr")) {
    tr.classList.toggle("escolhida", tr.dataset.run === runId);
  }
  const vez = ++vezExecucao;
  await acompanhar(runId, vez);
}

async function acompanhar(runId, vez) {
  const { status, data } = await api("GET", "/api/tec/execucoes/" + encodeURIComponent(runId));
  if (vez !== vezExecucao) return;
  if (status !== 200) { $("ex-titulo").textContent = erroDe(data); return; }
  desenharExecucao(data);
  if (data.estado === "running") {
    setTimeout(() => acompanhar(runId, vez), POLL_MS);
  } else if (execucoes.some((r) => r.run_id === runId && r.estado === "running")) {
    carregarLista();
  }
}

function desenharExecucao(d) {
  $("ex-titulo").textContent = "Auditoria " + d.run_id;
  const estado = $("ex-estado");
  estado.className = "estado-" + d.estado;
  estado.textContent = ESTADO_PT[d.estado] || d.estado;
  const meta = ["Filtros: " + d.escopo_pt, "iniciada em " + quando(d.iniciada_em) + (d.operador ? " por " + d.operador : "")];
  if (d.terminada_em) meta.push((d.estado === "finished" ? "concluída em " : "interrompida em ") + quando(d.terminada_em));
  $("ex-meta").textContent = meta.join(" · ");

  const a = d.andamento;
  const pct = a.esperados ? Math.min(100, Math.round(100 * a.feitos / a.esperados)) : (d.estado === "running" ? 0 : 100);
  $("ex-barra").style.width = pct + "%";
  let texto;
  if (d.estado === "running") {
    texto = a.esperados ? `${a.feitos} de ~${a.esperados} equipamentos (${pct}%)` : `${a.feitos} equipamentos auditados até agora`;
    if (a.parada) texto += " — nenhum resultado novo há mais de 5 minutos: a auditoria pode ter parado.";
  } else if (d.estado === "interrupted") {
    texto = `${a.feitos} equipamentos auditados; interrompida. Para continuar: cpe audit --resume ${d.run_id}`;
  } else {
    texto = `${a.feitos} equipamentos auditados.`;
  }
  $("ex-progresso").textContent = texto;

  const cards = $("ex-contagens");
  cards.replaceChildren();
  for (const v of VEREDITOS) {
    const n = d.contagens[v] || 0;
    if (!n && !["ok", "drift", "unreachable"].includes(v)) continue;
    const c = el("div", "card");
    c.dataset.verdict = v;
    c.append(el("b", "v-" + v, n), el("span", null, VEREDITO_PT[v]));
    cards.append(c);
  }

  const desde = $("ex-desde");
  desde.replaceChildren(el("h3", null, "Desde a auditoria anterior"));
  if (d.estado === "running") {
    desde.append(el("p", "nota", "A comparação aparece quando a auditoria terminar."));
  } else if (d.estado !== "finished") {
    desde.append(el("p", "nota", "Só auditorias concluídas são comparadas."));
  } else if (!d.desde_anterior) {
    desde.append(el("p", "nota", "Primeira auditoria concluída com estes filtros: não há com o que comparar."));
  } else {
    desde.append(mudancas(d.desde_anterior));
  }

  const q = encodeURIComponent(d.run_id);
  $("ex-csv").href = "/api/audits/" + q + "/report?format=csv";
  $("ex-html").href = "/api/audits/" + q + "/report?format=html";
  $("ex-json").href = "/api/audits/" + q + "/report?format=json";
  const concluida = d.estado === "finished";
  $("btn-relatorio").disabled = d.estado === "running";
  $("btn-corrigir").disabled = !concluida || !(d.contagens.drift > 0);
  $("btn-corrigir").title = concluida ? "" : "Só auditorias concluídas são corrigidas.";
}

const MUDANCAS = [
  ["new", "novos divergentes"], ["resolved", "resolvidos"], ["unreachable_new", "sem resposta agora"],
  ["reachable_again", "respondem de novo"], ["drift_changed", "divergência mudou"],
];

function mudancas(c) {
  const box = el("div", "mudancas");
  box.append(el("p", "nota", "Comparada com a auditoria " + c.run_id + ": " + c.resumo + "."));
  const cards = el("div", "cards");
  for (const [k, rotulo] of MUDANCAS) {
    const card = el("div", "card k-" + k);
    card.dataset.kind = k;
    card.append(el("b", null, c.counts[k]), el("span", null, rotulo));
    cards.append(card);
  }
  box.append(cards);
  for (const [k, rotulo] of MUDANCAS) {
    const itens = k === "drift_changed" ? c.drift_changed : c[k];
    if (!itens || !itens.length) continue;
    box.append(el("h3", null, rotulo.charAt(0).toUpperCase() + rotulo.slice(1)));
    const ul = el("ul", "logins");
    ul.dataset.kind = k;
    for (const item of itens.slice(0, 300)) {
      const login = k === "drift_changed" ? item.login : item;
      const li = el("li");
      li.append(botao(login, "link", () => abrirEquipamento(login)));
      if (k === "drift_changed") {
        const txt = (l) => l.map((x) => DIVERGENCIA_PT[x] || x).join(", ");
        li.append(" " + txt(item.before) + " → " + txt(item.after));
      }
      ul.append(li);
    }
    if (itens.length > 300) ul.append(el("li", "nota", "… e mais " + (itens.length - 300) + " (veja o JSON)"));
    box.append(ul);
  }
  return box;
}

function abrirRelatorio() {
  if (!atual) return;
  const frame = $("ex-relatorio");
  frame.src = "/api/tec/execucoes/" + encodeURIComponent(atual) + "/relatorio.html";
  frame.hidden = false;
  frame.scrollIntoView({ block: "start" });
}

// --- bulk fix -----------------------------------------------------------------------------

async function abrirCorrecao() {
  if (!atual) return;
  $("correcao").hidden = false;
  $("cor-confirmar").hidden = true;
  $("cor-msg").hidden = true;
  $("cor-resultados").replaceChildren();
  $("cor-andamento").hidden = true;
  const vez = ++vezCorrecao;
  await acompanharCorrecao(atual, vez);
  $("correcao").scrollIntoView({ block: "start" });
}

async function acompanharCorrecao(runId, vez) {
  const { status, data } = await api("GET", "/api/tec/execucoes/" + encodeURIComponent(runId) + "/correcao");
  if (vez !== vezCorrecao) return;
  if (status !== 200) { aviso($("cor-msg"), "falha", erroDe(data)); return; }
  planoAtual = data;
  desenharPlano(data);
  const rodando = data.simulacao.estado === "running" || data.aplicada.estado === "running";
  if (rodando) setTimeout(() => acompanharCorrecao(runId, vez), POLL_MS);
  else if (data.aplicada.estado === "finished") acompanhar(runId, ++vezExecucao);
}

function desenharPlano(p) {
  const plano = $("cor-plano");
  plano.replaceChildren();
  plano.append(el("p", null, `${p.corrigir.length + p.pulados.length} divergente(s): ${p.corrigir.length} a corrigir, ` +
    `${p.pulados.length} pulado(s). ${p.total_perdem_conexao} cliente(s) perdem a conexão por alguns instantes ` +
    "(a correção do PPPoE reinicia a internet)."));
  if (p.corrigir.length) {
    const ap = { pppoe: "PPPoE", dns: "DNS", wifi: "Wi-Fi" };
    plano.append(tabela(["Login", "Divergências", "Aplica", "Perde a conexão"],
      p.corrigir.map((c) => [c.login, c.divergencias_pt, c.aplica.map((x) => ap[x] || x).join(", "),
        c.perde_conexao ? "sim" : "não"]), "cor-lista"));
  }
  if (p.pulados.length) {
    plano.append(el("h3", null, "Pulados"));
    plano.append(tabela(["Login", "Motivo"], p.pulados.map((c) => [c.login, c.motivo])));
  }
  const sim = p.simulacao, real = p.aplicada;
  const foco = real.estado ? real : sim;
  $("btn-simular").disabled = sim.estado === "running" || real.estado === "running";
  $("btn-aplicar").hidden = sim.estado !== "finished" || real.estado === "running" || real.estado === "finished";
  if (foco.estado) {
    $("cor-andamento").hidden = false;
    const pct = foco.total ? Math.round(100 * foco.feitos / foco.total) : 100;
    $("cor-barra").style.width = pct + "%";
    const nomes = Object.entries(foco.contagens).filter(([, n]) => n).map(([k, n]) => (CORRECAO_PT[k] || k) + " " + n);
    const tipo = real.estado ? "Correção" : "Simulação";
    const estado = { running: "em andamento", finished: "concluída", interrupted: "interrompida" }[foco.estado];
    $("cor-progresso").textContent = `${tipo} ${estado}: ${foco.feitos} de ${foco.total} (${pct}%)` +
      (nomes.length ? " — " + nomes.join(", ") : "");
    $("cor-progresso").dataset.estado = foco.estado;
    $("cor-progresso").dataset.tipo = real.estado ? "aplicada" : "simulacao";
    $("cor-resultados").replaceChildren(tabela(["Login", "Resultado", "Alterado", "Motivo"],
      foco.resultados.map((r) => [r.login, CORRECAO_PT[r.resultado] || r.resultado, r.alterado_pt, r.motivo || ""]),
      "cor-resultados"));
  }
}

async function simular() {
  $("btn-simular").disabled = true;
  const { status, data } = await api("POST", "/api/tec/execucoes/" + encodeURIComponent(atual) + "/correcao", { simulacao: true });
  if (status !== 202) { aviso($("cor-msg"), "falha", erroDe(data)); $("btn-simular").disabled = false; return; }
  aviso($("cor-msg"), "ok", "Simulação iniciada: cada equipamento é lido de novo; nada é alterado.");
  acompanharCorrecao(atual, ++vezCorrecao);
}

function pedirConfirmacao() {
  const n = planoAtual ? planoAtual.total_perdem_conexao : 0;
  $("cor-confirmar").hidden = false;
  if (n > 0) {
    $("cor-confirmar-titulo").textContent = `${n} cliente(s) vão perder a conexão por alguns instantes`;
    $("cor-confirmar-texto").textContent = "A correção do PPPoE reinicia a internet destes clientes (até 1 minuto): " +
      planoAtual.perdem_conexao.join(", ") + ". Nos demais, DNS e Wi-Fi são gravados sem derrubar a internet " +
      "(quem usa o Wi-Fi reconecta se o nome ou a senha mudarem).";
    $("cor-confirmar-campo").hidden = false;
    $("cor-confirmar-n").value = "";
    $("cor-confirmar-n").focus();
  } else {
    $("cor-confirmar-titulo").textContent = "Nenhum cliente perde a conexão de internet";
    $("cor-confirmar-texto").textContent = "Não há correção de PPPoE nesta auditoria: só DNS e Wi-Fi serão gravados " +
      "(quem usa o Wi-Fi reconecta se o nome ou a senha mudarem).";
    $("cor-confirmar-campo").hidden = true;
  }
}

async function aplicar() {
  const n = planoAtual ? planoAtual.total_perdem_conexao : 0;
  const digitado = n > 0 ? Number.parseInt($("cor-confirmar-n").value, 10) : 0;
  if (n > 0 && digitado !== n) {
    aviso($("cor-msg"), "falha", `Digite ${n} para confirmar: é o número de clientes que perdem a conexão.`);
    return;
  }
  $("btn-confirmar").disabled = true;
  const { status, data } = await api("POST", "/api/tec/execucoes/" + encodeURIComponent(atual) + "/correcao",
    { simulacao: false, perdem_conexao: digitado });
  $("btn-confirmar").disabled = false;
  if (status !== 202) { aviso($("cor-msg"), "falha", erroDe(data)); return; }
  $("cor-confirmar").hidden = true;
  aviso($("cor-msg"), "aviso", "Correção em andamento: cada equipamento é corrigido e conferido.");
  acompanharCorrecao(atual, ++vezCorrecao);
}

// --- comparison and one device ---------------------------------------------------------------

async function comparar() {
  const a = $("cmp-a").value, b = $("cmp-b").value;
  if (!a || !b) return;
  const { status, data } = await api("GET", "/api/tec/comparar?a=" + encodeURIComponent(a) + "&b=" + encodeURIComponent(b));
  $("comparacao").hidden = false;
  $("cmp-titulo").textContent = "Comparação";
  if (status !== 200) { $("cmp-resultado").replaceChildren(el("p", "erro", erroDe(data))); return; }
  $("cmp-titulo").textContent = "De " + a + " para " + b;
  $("cmp-resultado").replaceChildren(mudancas(data));
  $("comparacao").scrollIntoView({ block: "start" });
}

async function abrirEquipamento(login) {
  $("eq-login").value = login;
  const { status, data } = await api("GET", "/api/tec/equipamentos/" + encodeURIComponent(login) + "?limit=60");
  $("equipamento").hidden = false;
  $("eq-titulo").textContent = "Linha do tempo de " + login;
  if (status !== 200) { $("eq-eventos").replaceChildren(el("p", "erro", erroDe(data))); return; }
  const eventos = [];
  for (const a of data.auditorias) {
    const v = el("span", "v-" + a.veredito, a.veredito_pt);
    eventos.push([a.at, quando(a.at), "auditoria", "execução " + a.run_id, v,
      [a.divergencias_pt, a.rx_dbm !== null && a.rx_dbm !== undefined ? "RX " + a.rx_dbm + " dBm (" + a.sinal_pt + ")" : "", a.detalhe]
        .filter((x) => x).join(" · ")]);
  }
  for (const h of data.acoes) {
    eventos.push([h.at, quando(h.at), "ação", (ACAO_PT[h.action] || h.action || "") + " por " + (h.operator || "?"),
      RESULTADO_PT[h.outcome] || h.outcome || "",
      [(h.changed || []).map((x) => DIVERGENCIA_PT[x] || x).join(", "), h.message || ""].filter((x) => x).join(" — ")]);
  }
  eventos.sort((x, y) => (x[0] < y[0] ? 1 : x[0] > y[0] ? -1 : 0));
  if (!eventos.length) {
    $("eq-eventos").replaceChildren(el("p", "nota", "Nada registrado no diário para este login."));
  } else {
    $("eq-eventos").replaceChildren(tabela(["Quando", "Tipo", "O quê", "Resultado", "Detalhe"], eventos.map((e) => e.slice(1)), "linha-do-tempo"));
  }
  $("eq-grafico").replaceChildren(graficoSinal(data.auditorias));
  $("equipamento").scrollIntoView({ block: "start" });
}

function graficoSinal(auditorias) {
  const pontos = auditorias.filter((a) => typeof a.rx_dbm === "number").reverse();
  if (pontos.length < 2) return el("span");
  const W = 400, H = 70, min = Math.min(-30, ...pontos.map((p) => p.rx_dbm)), max = Math.max(-10, ...pontos.map((p) => p.rx_dbm));
  const g = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "tendencia", role: "img", "aria-label": "Sinal óptico (RX) nas auditorias" });
  const y = (v) => (H - 8) - (H - 16) * (v - min) / (max - min || 1);
  const x = (i) => 10 + (W - 20) * i / (pontos.length - 1);
  g.append(svg("line", { x1: 0, x2: W, y1: y(-25).toFixed(1), y2: y(-25).toFixed(1), stroke: "#e3a21a", "stroke-dasharray": "4 3" }));
  g.append(svg("polyline", { points: pontos.map((p, i) => x(i).toFixed(1) + "," + y(p.rx_dbm).toFixed(1)).join(" "), fill: "none", stroke: "#0b5cad", "stroke-width": 2 }));
  return g;
}

// --- start ----------------------------------------------------------------------------------

async function iniciar() {
  const { status, data } = await api("GET", "/api/tec/capacidades");
  if (status === 200) {
    FUSO = data.fuso || FUSO;
    for (const m of data.modelos) { const o = el("option", null, m); o.value = m; $("f-modelo").append(o); }
    if (data.agendamentos) iniciarAgendamentos(data);  // agenda.js
  }
  $("fuso").textContent = FUSO;
  $("form-auditoria").addEventListener("submit", iniciarAuditoria);
  $("btn-atualizar-lista").addEventListener("click", carregarLista);
  $("tend-escopo").addEventListener("change", desenharTendencia);
  $("btn-relatorio").addEventListener("click", abrirRelatorio);
  $("btn-corrigir").addEventListener("click", abrirCorrecao);
  $("btn-simular").addEventListener("click", simular);
  $("btn-aplicar").addEventListener("click", pedirConfirmacao);
  $("btn-confirmar").addEventListener("click", aplicar);
  $("btn-cancelar").addEventListener("click", () => { $("cor-confirmar").hidden = true; });
  $("btn-comparar").addEventListener("click", comparar);
  $("form-equipamento").addEventListener("submit", (ev) => { ev.preventDefault(); abrirEquipamento($("eq-login").value.trim()); });
  await carregarLista();
  const m = /execucao=([^&]+)/.exec(location.hash);
  if (m) abrirExecucao(decodeURIComponent(m[1]));
}

document.addEventListener("DOMContentLoaded", iniciar);
