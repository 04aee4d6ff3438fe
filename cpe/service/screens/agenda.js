// Technicians' screen: scheduled audits (/api/schedules). List, add (cron or interval,
// the audit's filters, report format and sub-folder) and remove. They run on the
// Celery/Redis deployment; without a broker the section says so and offers no form.
// Every server value goes in as text (el/tabela use textContent).
"use strict";

const FORMATO_PT = { html: "HTML", csv: "CSV", json: "JSON", table: "texto" };
const CONTRATO_PT = {
  active: "ativos", late: "em atraso", reduced: "velocidade reduzida", blocked: "bloqueados", disabled: "desativados",
};

function filtrosAgenda(a) {
  const partes = [];
  if (a.model) partes.push("modelo " + a.model);
  if (a.login) partes.push("logins " + a.login);
  if (a.contract_status) partes.push("contrato " + (CONTRATO_PT[a.contract_status] || a.contract_status));
  if (a.logins_file) partes.push("arquivo " + a.logins_file);
  return partes.join(", ") || "toda a frota";
}

function quandoAgenda(a) {
  if (a.cron) return "cron " + a.cron;
  return a.quando_pt || ("a cada " + a.every_s + " s");
}

function ultimaExecucao(a) {
  const u = a.last_run;
  if (!u) return "—";
  return quandoCurto(u.started) + " · " + (ESTADO_PT[u.state] || u.state) + " (" + u.run_id + ")";
}

async function carregarAgendamentos() {
  const { status, data } = await api("GET", "/api/schedules");
  const caixa = $("agendamentos-lista");
  if (status !== 200) { caixa.replaceChildren(el("p", "erro", erroDe(data))); return; }
  const semBroker = data.broker === false;
  $("form-agenda").hidden = semBroker;
  if (data.aviso) { $("agenda-aviso").textContent = data.aviso; $("agenda-aviso").hidden = false; }
  else $("agenda-aviso").hidden = true;
  const itens = data.agendamentos || data.schedules || [];
  if (!itens.length) { caixa.replaceChildren(el("p", "nota", "Nenhum agendamento.")); return; }
  const linhas = itens.map((a) => [
    a.id || a.nome || "",
    quandoAgenda(a),
    filtrosAgenda(a),
    (FORMATO_PT[a.format] || a.format || "") + (a.folder ? " em " + a.folder : ""),
    ultimaExecucao(a),
    a.id ? botao("Remover", "alerta", () => removerAgendamento(a.id)) : "",
  ]);
  const t = tabela(["Id", "Quando", "Filtros", "Relatório", "Última vez", ""], linhas, "agenda");
  t.id = "tabela-agendamentos";
  Array.from(t.tBodies[0].rows).forEach((tr, i) => { tr.dataset.agenda = itens[i].id || ""; });
  caixa.replaceChildren(t);
}

async function agendar(ev) {
  ev.preventDefault();
  const msg = $("agenda-msg");
  const quando = $("ag-quando").value.trim();
  const corpo = { format: $("ag-formato").value };
  corpo[$("ag-tipo").value] = quando;
  const opcionais = { model: "ag-modelo", contract_status: "ag-contrato", login: "ag-login", folder: "ag-pasta" };
  for (const [chave, id] of Object.entries(opcionais)) {
    const v = $(id).value.trim();
    if (v) corpo[chave] = v;
  }
  $("btn-agendar").disabled = true;
  const { status, data } = await api("POST", "/api/schedules", corpo);
  $("btn-agendar").disabled = false;
  if (status !== 201) { aviso(msg, "falha", erroDe(data)); return; }
  aviso(msg, "ok", "Agendamento " + data.id + " criado: " + quandoAgenda(data) + ", relatório em " + data.folder + ".");
  msg.dataset.agenda = data.id;
  $("ag-quando").value = "";
  await carregarAgendamentos();
}

async function removerAgendamento(id) {
  const msg = $("agenda-msg");
  const { status, data } = await api("DELETE", "/api/schedules/" + encodeURIComponent(id));
  if (status !== 200) aviso(msg, "falha", erroDe(data));
  else aviso(msg, "ok", "Agendamento " + id + " removido (as execuções passadas continuam no diário).");
  await carregarAgendamentos();
}

function trocarTipo() {
  const cron = $("ag-tipo").value === "cron";
  $("ag-quando-rotulo").textContent = cron ? "Cron (minuto hora dia mês dia-da-semana)" : "Intervalo (ex.: 30m, 6h, 1d)";
  $("ag-quando").placeholder = cron ? "0 2 * * *" : "6h";
}

// Called by tech.js once /api/tec/capacidades says the service offers schedules.
function iniciarAgendamentos(capacidades) {
  for (const m of capacidades.modelos || []) { const o = el("option", null, m); o.value = m; $("ag-modelo").append(o); }
  for (const o of $("f-contrato").options) $("ag-contrato").append(o.cloneNode(true));
  $("agendamentos").hidden = false;
  $("form-agenda").hidden = capacidades.broker === false;
  $("form-agenda").addEventListener("submit", agendar);
  $("ag-tipo").addEventListener("change", trocarTipo);
  $("btn-atualizar-agenda").addEventListener("click", carregarAgendamentos);
  carregarAgendamentos();
}
