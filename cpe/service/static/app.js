// Agent page: talks to /api with the session cookie and the CSRF token of this page.
// Every value from the server is inserted with textContent (never as HTML).
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);
let atual = null;        // the customer shown (answer of GET /api/customers/{login})
let ultimoResultado = null;  // last action's text, for the O.S. findings

const ACAO_PT = {
  reconfigure: "Reaplicar configuração", alterar_wifi_ixc: "Wi-Fi gravado no IXC",
  mostrar_senha: "Senha exibida", abrir_os_n3: "O.S. N3 aberta",
};
const RESULTADO_PT = {
  verified: "feito e conferido", error: "falhou", unverified: "não confirmado",
  dry_run: "simulação", shown: "exibida", opened: "aberta", saved: "gravado",
};

async function api(method, path, body) {
  const opts = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  if (method !== "GET") opts.headers["X-CSRF-Token"] = CSRF;
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch (e) {
    return { status: 0, data: { erro: { mensagem: "Sem conexão com o serviço. Tente de novo." } } };
  }
  if (resp.status === 401) { window.location.assign("/login"); }
  let data = {};
  try { data = await resp.json(); } catch (e) { data = {}; }
  return { status: resp.status, data };
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function quando(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toLocaleString("pt-BR", { timeZone: "America/Sao_Paulo", dateStyle: "short", timeStyle: "short" });
}

function mensagemErro(data) {
  const e = (data && data.erro) || {};
  return { texto: e.mensagem || "Falha inesperada.", passo: e.proximo_passo || null };
}

// --- search ----------------------------------------------------------------------------

async function buscar(ev) {
  ev.preventDefault();
  const q = $("q").value.trim();
  const lista = $("resultados");
  lista.replaceChildren();
  if (q.length < 3) { $("busca-msg").textContent = "Digite ao menos 3 caracteres."; return; }
  $("busca-msg").textContent = "Buscando no IXC…";
  $("btn-buscar").disabled = true;
  const { status, data } = await api("GET", "/api/search?q=" + encodeURIComponent(q));
  $("btn-buscar").disabled = false;
  if (status !== 200) { $("busca-msg").textContent = mensagemErro(data).texto; return; }
  const itens = data.resultados || [];
  $("busca-msg").textContent = itens.length ? itens.length + " resultado(s)" : "Nenhum cliente encontrado.";
  for (const r of itens) {
    const li = el("li");
    const b = el("button");
    b.type = "button";
    b.dataset.login = r.login;
    b.append(el("span", "login", r.login));
    b.append(el("span", "det", (r.nome || "sem nome") + (r.cpf_cnpj ? " · " + r.cpf_cnpj : "")));
    const det = el("span", "det", r.modelo || "modelo não cadastrado");
    if (r.bloqueado) det.append(" · ", el("span", "tag-bloq", "BLOQUEADO"));
    b.append(det);
    b.addEventListener("click", () => abrirCliente(r.login));
    li.append(b);
    lista.append(li);
  }
  if (itens.length === 1) abrirCliente(itens[0].login);
}

// --- customer ----------------------------------------------------------------------------

async function abrirCliente(login) {
  $("vazio").hidden = true;
  $("cliente").hidden = false;
  for (const id of ["resultado", "form-wifi", "form-os", "os-resultado", "banner"]) $(id).hidden = true;
  ultimoResultado = null;
  atual = null;
  $("cli-nome").textContent = login;
  $("cli-meta").textContent = "";
  $("dados").replaceChildren();
  $("historico").replaceChildren();
  $("acoes").hidden = true;
  mostrarCarregando();
  await carregar(login);
}

function mostrarCarregando() {
  const ul = $("estado");
  ul.replaceChildren(el("li", "info", "Consultando o equipamento…"));
}

async function carregar(login) {
  const { status, data } = await api("GET", "/api/customers/" + encodeURIComponent(login));
  if (status !== 200) {
    const m = mensagemErro(data);
    $("estado").replaceChildren(linhaEstado({ rotulo: "Erro", texto: m.texto, nivel: "erro" }));
    return;
  }
  atual = data;
  desenhar(data);
}

function linhaEstado(l) {
  const li = el("li", l.nivel);
  li.append(el("span", "ponto"), el("span", "rotulo", l.rotulo), el("span", "texto", l.texto));
  return li;
}

function desenhar(d) {
  const ixc = d.ixc;
  $("cli-nome").textContent = ixc.nome || d.login;
  const meta = ["Login " + d.login];
  if (ixc.cpf_cnpj) meta.push(ixc.cpf_cnpj);
  if (ixc.plano) meta.push(ixc.plano);
  meta.push(ixc.modelo_ixc || "modelo não cadastrado");
  $("cli-meta").textContent = meta.join(" · ");

  // Contract banner: the runbook's rule, in the agent's face.
  const banner = $("banner");
  banner.className = "banner";
  banner.replaceChildren();
  if (d.contrato.bloqueado) {
    banner.classList.add("bloqueado");
    banner.append(el("strong", null, d.contrato.estado === "disabled" ? "Contrato desativado" : "Contrato bloqueado"));
    for (const a of d.contrato.avisos) banner.append(el("span", null, a + " "));
    banner.hidden = false;
  } else if (d.contrato.reduzido || d.contrato.estado === "late") {
    banner.classList.add("reduzido");
    banner.append(el("strong", null, d.contrato.reduzido ? "Velocidade reduzida por atraso (15 dias): 100 Mbps" : "Financeiro em atraso"));
    for (const a of d.contrato.avisos) banner.append(el("span", null, a + " "));
    banner.hidden = false;
  } else {
    banner.hidden = true;
  }

  $("estado").replaceChildren(...d.estado.map(linhaEstado));
  desenharDados(d);

  const permitido = d.contrato.permitido && !ixc.equipamento_proprio;
  $("acoes").hidden = !d.contrato.permitido;
  $("btn-reaplicar").hidden = !permitido;
  $("btn-wifi").hidden = !permitido;
  // Blocked contracts get no service order (runbook): the button does not exist for them.
  $("btn-os").hidden = !d.pode_abrir_os;
  desenharHistorico(d.historico);
}

function desenharDados(d) {
  const dl = $("dados");
  dl.replaceChildren();
  const linha = (rotulo, valor, segredo) => {
    const dd = el("dd");
    const span = el("span", segredo ? "segredo" : null, valor === null ? "não cadastrado" : valor);
    dd.append(span);
    if (segredo && valor !== null && d.contrato.permitido) {
      const b = el("button", "link", "mostrar");
      b.type = "button";
      b.dataset.campo = segredo.campo;
      b.addEventListener("click", () => alternarSegredo(b, span, segredo));
      dd.append(b);
    }
    dl.append(el("dt", null, rotulo), dd);
  };
  linha("Login PPPoE", d.ixc.login, null);
  linha("Senha PPPoE", d.ixc.senha_pppoe, { campo: "pppoe" });
  for (const w of d.ixc.wifi) {
    linha("Wi-Fi " + w.band, w.ssid, null);
    linha("Senha " + w.band, w.senha, { campo: "wifi", band: w.band });
  }
  if (d.ixc.equipamento_proprio) {
    linha("Equipamento", "roteador próprio do cliente (sem acesso)", null);
  }
}

async function alternarSegredo(botao, span, segredo) {
  if (botao.dataset.visivel === "1") {
    span.textContent = "••••••••";
    botao.textContent = "mostrar";
    botao.dataset.visivel = "0";
    return;
  }
  botao.disabled = true;
  const { status, data } = await api("POST", "/api/customers/" + encodeURIComponent(atual.login) + "/reveal",
    { field: segredo.campo, band: segredo.band || null });
  botao.disabled = false;
  if (status !== 200) { mostrarResultado(false, mensagemErro(data).texto, mensagemErro(data).passo); return; }
  span.textContent = data.valor;
  botao.textContent = "ocultar";
  botao.dataset.visivel = "1";
  atualizarHistorico();
}

function desenharHistorico(itens) {
  const tb = $("historico");
  tb.replaceChildren();
  if (!itens || !itens.length) {
    const tr = el("tr");
    const td = el("td", "nota", "Nenhuma ação registrada para este equipamento.");
    td.colSpan = 4;
    tr.append(td);
    tb.append(tr);
    return;
  }
  for (const h of itens) {
    const tr = el("tr");
    if (h.kind === "audit") {
      tr.append(el("td", null, quando(h.at)), el("td", null, "auditoria"),
        el("td", null, "Auditoria " + (h.drifts && h.drifts.length ? "(" + h.drifts.join(", ") + ")" : "")),
        el("td", null, h.verdict));
    } else {
      const oque = (ACAO_PT[h.action] || h.action) + (h.changed && h.changed.length ? " (" + h.changed.join(", ") + ")" : "");
      tr.append(el("td", null, quando(h.at)), el("td", null, h.operator), el("td", null, oque),
        el("td", null, (RESULTADO_PT[h.outcome] || h.outcome) + (h.message ? " — " + h.message : "")));
    }
    tb.append(tr);
  }
}

async function atualizarHistorico() {
  if (!atual) return;
  const { status, data } = await api("GET", "/api/customers/" + encodeURIComponent(atual.login) + "/history?limit=10");
  if (status === 200) desenharHistorico(data.historico);
}

// --- actions -----------------------------------------------------------------------------

function ocupado(sim) {
  for (const id of ["btn-reaplicar", "btn-wifi", "btn-os", "btn-wifi-salvar", "btn-os-abrir", "btn-atualizar"]) {
    $(id).disabled = sim;
  }
}

function mostrarResultado(ok, texto, passo, avisos) {
  const box = $("resultado");
  box.className = "resultado " + (ok === null ? "andamento" : ok ? "ok" : "falha");
  box.replaceChildren(el("strong", null, texto));
  if (passo) box.append(el("span", "passo", "Próximo passo: " + passo));
  if (avisos && avisos.length) {
    const ul = el("ul");
    for (const a of avisos) ul.append(el("li", null, a));
    box.append(ul);
  }
  box.hidden = false;
}

async function executar(path, body, andamento) {
  ocupado(true);
  mostrarResultado(null, andamento);
  const { status, data } = await api("POST", path, body);
  ocupado(false);
  if (status === 200 && data.ok) {
    ultimoResultado = data.texto;
    mostrarResultado(true, data.texto, null, data.avisos);
    atualizarHistorico();
    return true;
  }
  const m = mensagemErro(data);
  const texto = data.texto || m.texto;
  ultimoResultado = texto;
  mostrarResultado(false, texto, data.proximo_passo || m.passo, data.avisos);
  if (data.oferecer_os && atual && atual.pode_abrir_os) $("btn-os").focus();
  atualizarHistorico();
  return false;
}

async function reaplicar() {
  const ok = await executar("/api/customers/" + encodeURIComponent(atual.login) + "/reconfigure",
    { pppoe: true, dns: true },
    "Aplicando PPPoE e DNS no equipamento e conferindo… (se o PPPoE reiniciar, pode levar até 1 minuto)");
  if (ok) recarregarEstado();
}

async function recarregarEstado() {
  const { status, data } = await api("GET", "/api/customers/" + encodeURIComponent(atual.login));
  if (status === 200) { atual = data; $("estado").replaceChildren(...data.estado.map(linhaEstado)); desenharHistorico(data.historico); }
}

function abrirWifi() {
  $("form-os").hidden = true;
  const box = $("wifi-campos");
  box.replaceChildren();
  const redes = atual.ixc.wifi.length ? atual.ixc.wifi : [{ band: "2.4GHz", ssid: "" }, { band: "5GHz", ssid: "" }];
  for (const w of redes) {
    const fs = el("fieldset");
    fs.dataset.band = w.band;
    fs.append(el("legend", null, "Rede " + w.band));
    const idS = "wifi-ssid-" + w.band.replace(".", "");
    const idK = "wifi-senha-" + w.band.replace(".", "");
    const ls = el("label", null, "Nome da rede (SSID)"); ls.htmlFor = idS;
    const is = el("input"); is.id = idS; is.value = w.ssid || ""; is.maxLength = 32; is.required = true; is.className = "ssid";
    const lk = el("label", null, "Nova senha (8 a 63 caracteres; em branco mantém)"); lk.htmlFor = idK;
    const ik = el("input"); ik.id = idK; ik.type = "text"; ik.autocomplete = "off"; ik.maxLength = 63; ik.className = "senha";
    fs.append(ls, is, lk, ik);
    box.append(fs);
  }
  $("form-wifi").hidden = false;
  box.querySelector("input").focus();
}

async function salvarWifi(ev) {
  ev.preventDefault();
  const networks = [];
  for (const fs of $("wifi-campos").querySelectorAll("fieldset")) {
    const senha = fs.querySelector(".senha").value;
    if (senha && (senha.length < 8 || senha.length > 63)) {
      mostrarResultado(false, "A senha do Wi-Fi " + fs.dataset.band + " deve ter de 8 a 63 caracteres.", null);
      return;
    }
    networks.push({ band: fs.dataset.band, ssid: fs.querySelector(".ssid").value, passphrase: senha || null });
  }
  const ok = await executar("/api/customers/" + encodeURIComponent(atual.login) + "/wifi", { networks },
    "Gravando no IXC e aplicando o Wi-Fi no equipamento…");
  if (ok) { $("form-wifi").hidden = true; await recarregarEstado(); desenharDados(atual); }
}

async function abrirFormOs() {
  $("form-wifi").hidden = true;
  const lista = $("os-achados");
  lista.replaceChildren(...achados().map((a) => el("li", null, a)));
  $("os-prazo").textContent = "Consultando o prazo…";
  $("form-os").hidden = false;
  $("os-obs").focus();
  const { status, data } = await api("GET", "/api/n3-deadline");
  if (status === 200) {
    $("os-prazo").textContent = "Prazo se abrir agora: " + data.horas + " horas corridas" +
      (data.fim_de_semana ? " (final de semana)" : "") + ", até " + data.prazo_texto + ".";
  }
}

function achados() {
  const out = [...(atual.achados || [])];
  if (ultimoResultado) out.push("Última ação: " + ultimoResultado);
  return out.filter((a) => a).slice(0, 40);
}

async function abrirOs(ev) {
  ev.preventDefault();
  ocupado(true);
  const { status, data } = await api("POST", "/api/customers/" + encodeURIComponent(atual.login) + "/ticket",
    { findings: achados(), note: $("os-obs").value });
  ocupado(false);
  if (status !== 201) {
    const m = mensagemErro(data);
    mostrarResultado(false, m.texto, m.passo);
    return;
  }
  $("form-os").hidden = true;
  $("os-titulo").textContent = "O.S. nº " + data.os_id + " aberta para o N3 — prazo de " + data.horas + " horas (até " + data.prazo_texto + ")";
  $("os-texto").textContent = data.texto_sugerido;
  $("os-resultado").hidden = false;
  atualizarHistorico();
}

function copiar() {
  const texto = $("os-texto").textContent;
  if (navigator.clipboard) navigator.clipboard.writeText(texto).catch(() => {});
}

document.addEventListener("DOMContentLoaded", () => {
  $("form-busca").addEventListener("submit", buscar);
  $("btn-atualizar").addEventListener("click", () => { if (atual) { mostrarCarregando(); carregar(atual.login); } });
  $("btn-reaplicar").addEventListener("click", reaplicar);
  $("btn-wifi").addEventListener("click", abrirWifi);
  $("btn-wifi-cancelar").addEventListener("click", () => { $("form-wifi").hidden = true; });
  $("form-wifi").addEventListener("submit", salvarWifi);
  $("btn-os").addEventListener("click", abrirFormOs);
  $("btn-os-cancelar").addEventListener("click", () => { $("form-os").hidden = true; });
  $("form-os").addEventListener("submit", abrirOs);
  $("btn-copiar").addEventListener("click", copiar);
  $("q").focus();
});
