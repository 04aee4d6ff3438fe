// Agent page: talks to /api with the session cookie and this page's CSRF token.
// Every value from the server is inserted with textContent (never as HTML).
// Never the wrong customer: each customer load and each search has a sequence number and
// an AbortController; an answer that is not the latest one asked for is dropped. Every
// action names the login shown on screen (login_tela) and the server refuses a mismatch.
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);
let atual = null;            // the customer drawn on screen (GET /api/agente/clientes/{login})
let pedidoCliente = 0;       // sequence of customer loads: only the last one is drawn
let abortCliente = null;
let pedidoBusca = 0;
let abortBusca = null;
let ultimoResultado = null;  // last action's text, for the O.S. findings
let tarefa = null;           // {id, login, fonte, relogio} of the running action
let osAtual = null;          // {tipo, motivo, titulo}
let confirmarAcao = null;

async function api(method, path, body, signal) {
  const opts = { method, headers: { "Accept": "application/json" }, credentials: "same-origin", signal };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  if (method !== "GET") opts.headers["X-CSRF-Token"] = CSRF;
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch (e) {
    if (e && e.name === "AbortError") return { status: -1, data: {} };
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

function botao(texto, cls, fn) {
  const b = el("button", cls, texto);
  b.type = "button";
  b.addEventListener("click", fn);
  return b;
}

function quando(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toLocaleString("pt-BR", { timeZone: "America/Sao_Paulo", dateStyle: "short", timeStyle: "short" });
}

function mensagemErro(data) {
  const e = (data && data.erro) || {};
  return { texto: data.texto || e.mensagem || "Falha inesperada.", passo: data.proximo_passo || e.proximo_passo || null };
}

const clienteUrl = (login, resto) => "/api/agente/clientes/" + encodeURIComponent(login) + (resto || "");
// The login the agent sees on screen, read from the screen itself.
const loginNaTela = () => $("cli-login").textContent;

// --- search ----------------------------------------------------------------------------

async function buscar(ev) {
  ev.preventDefault();
  const q = $("q").value.trim();
  const lista = $("resultados");
  if (q.length < 3) { $("busca-msg").textContent = "Digite ao menos 3 caracteres."; return; }
  const meu = ++pedidoBusca;
  if (abortBusca) abortBusca.abort();
  abortBusca = new AbortController();
  $("busca-msg").textContent = "Buscando no IXC…";
  const { status, data } = await api("GET", "/api/search?q=" + encodeURIComponent(q), undefined, abortBusca.signal);
  if (meu !== pedidoBusca) return;  // a newer search was asked for: drop this answer
  lista.replaceChildren();
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

function limparCliente(login) {
  pararTarefa();
  for (const id of ["resultado", "form-wifi", "form-os", "os-resultado", "banner", "andamento", "auditorias"]) $(id).hidden = true;
  ultimoResultado = null;
  atual = null;
  $("cli-nome").textContent = login;
  $("cli-login").textContent = login;
  $("cli-meta").textContent = "";
  for (const id of ["dados", "historico", "acoes", "roteiro-situacao", "roteiro-pedidos"]) $(id).replaceChildren();
  $("acoes-nada").hidden = true;
  $("horario").textContent = "";
  $("estado").replaceChildren(el("li", "info", "Consultando o equipamento…"));
}

let emCarga = null;  // the login whose page is being read right now

async function abrirCliente(login) {
  // The same customer asked for again while its read is under way (a double click, the
  // single search result opened for you): one device read, not two.
  if (emCarga === login) return;
  $("vazio").hidden = true;
  $("cliente").hidden = false;
  limparCliente(login);
  emCarga = login;
  try {
    await carregar(login, true);
  } finally {
    if (emCarga === login) emCarga = null;
  }
}

async function carregar(login, focar) {
  const meu = ++pedidoCliente;
  if (abortCliente) abortCliente.abort();
  abortCliente = new AbortController();
  const { status, data } = await api("GET", clienteUrl(login), undefined, abortCliente.signal);
  if (meu !== pedidoCliente) return false;  // another customer was clicked since: drop
  if (status !== 200) {
    const m = mensagemErro(data);
    $("estado").replaceChildren(linhaEstado({ rotulo: "Erro", texto: m.texto, nivel: "erro" }));
    return false;
  }
  atual = data;
  desenhar(data);
  if (focar) $("cliente-titulo").focus();
  return true;
}

function linhaEstado(l) {
  const li = el("li", l.nivel);
  li.append(el("span", "ponto"), el("span", "rotulo", l.rotulo), el("span", "texto", l.texto));
  return li;
}

function desenhar(d) {
  const ixc = d.ixc;
  $("cli-nome").textContent = ixc.nome || d.login;
  $("cli-login").textContent = d.login;
  const meta = [];
  if (ixc.cpf_cnpj) meta.push(ixc.cpf_cnpj);
  if (ixc.plano) meta.push(ixc.plano);
  meta.push(ixc.modelo_ixc || "modelo não cadastrado");
  $("cli-meta").textContent = " · " + meta.join(" · ");
  desenharBanner(d.contrato);
  $("estado").replaceChildren(...d.estado.map(linhaEstado));
  desenharDados(d);
  desenharAcoes(d);
  desenharRoteiro(d);
  desenharHistorico(d.historico);
}

function desenharBanner(c) {
  const banner = $("banner");
  banner.className = "banner";
  banner.replaceChildren();
  let titulo = null;
  if (c.pausado) { titulo = "Contrato pausado"; banner.classList.add("pausado"); }
  else if (c.so_tv) { titulo = "Cliente só de TV"; banner.classList.add("pausado"); }
  else if (c.bloqueado) { titulo = c.estado === "disabled" ? "Contrato desativado" : "Contrato bloqueado"; banner.classList.add("bloqueado"); }
  else if (c.reduzido) { titulo = "Velocidade reduzida por atraso (15 dias): 100 Mbps"; banner.classList.add("reduzido"); }
  else if (c.estado === "late") { titulo = "Financeiro em atraso"; banner.classList.add("reduzido"); }
  if (!titulo) { banner.hidden = true; return; }
  banner.append(el("strong", null, titulo));
  for (const a of c.avisos) banner.append(el("span", null, a + " "));
  banner.hidden = false;
}

function desenharDados(d) {
  const dl = $("dados");
  dl.replaceChildren();
  const podeMostrar = d.contrato.permitido && !d.contrato.so_tv;
  const linha = (rotulo, valor, segredo) => {
    const dd = el("dd");
    const span = el("span", segredo ? "segredo" : null, valor === null ? "não cadastrado" : valor);
    dd.append(span);
    if (segredo && valor !== null && podeMostrar) {
      const b = botao("mostrar", "link", () => alternarSegredo(b, span, segredo));
      b.dataset.campo = segredo.campo;
      b.setAttribute("aria-label", "mostrar " + rotulo.toLowerCase());
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
  if (d.roteador_proprio) linha("Equipamento", "roteador próprio do cliente (sem acesso)", null);
}

async function alternarSegredo(b, span, segredo) {
  if (b.dataset.visivel === "1") {
    span.textContent = "••••••••";
    b.textContent = "mostrar";
    b.dataset.visivel = "0";
    return;
  }
  b.disabled = true;
  const { status, data } = await api("POST", clienteUrl(atual.login, "/mostrar"),
    { campo: segredo.campo, band: segredo.band || null, login_tela: loginNaTela() });
  b.disabled = false;
  if (status !== 200) { mostrarResultado(false, mensagemErro(data).texto, mensagemErro(data).passo); return; }
  span.textContent = data.valor;
  b.textContent = "ocultar";
  b.dataset.visivel = "1";
  atualizarHistorico();
}

// --- the actions that can work -------------------------------------------------------------

function desenharAcoes(d) {
  const box = $("acoes");
  box.replaceChildren();
  for (const a of d.acoes) {
    const b = botao(a.rotulo, a.derruba_conexao ? "alerta" : "primario", () => iniciarAcao(a));
    b.dataset.acao = a.id;
    box.append(b);
  }
  if (d.os_n3_tecnico) {
    const b = botao("Abrir O.S. para o N3", "alerta", () => abrirFormOs({ tipo: "n3", motivo: "tecnico", titulo: "Abrir O.S. para o N3" }));
    b.dataset.acao = "abrir_os_n3";
    box.append(b);
  }
  const nada = $("acoes-nada");
  if (!d.acoes.length) {
    nada.textContent = motivoSemAcoes(d);
    nada.hidden = false;
  } else {
    nada.hidden = true;
  }
}

function motivoSemAcoes(d) {
  if (!d.contrato.permitido) return "Nenhuma ação no equipamento: siga a orientação do contrato acima.";
  if (d.contrato.so_tv) return "Nenhuma ação no equipamento: cliente só de TV (sem internet).";
  switch (d.situacao) {
    case "unreachable": return "O equipamento não respondeu: não há o que aplicar remotamente. Veja o roteiro abaixo.";
    case "no_access": return "Sem acesso ao equipamento: mande recado no grupo do provedor. Veja o roteiro abaixo.";
    case "no_signal": return "Sem sinal óptico: não se resolve remotamente. Abra uma O.S. para o N3.";
    case "bridge": return "ONU em modo bridge: PPPoE e Wi-Fi ficam no roteador do cliente.";
    case "busy": return "O equipamento está ocupado agora: aguarde e clique em Atualizar.";
    case "ok": return "Nada a corrigir: o equipamento está conforme o IXC.";
    default: return "Nenhuma ação disponível agora.";
  }
}

function iniciarAcao(a) {
  if (a.tipo === "formulario") { abrirWifi(a); return; }
  if (a.tipo === "dados") { mostrarDadosPppoe(); return; }
  confirmar(a.confirmacao, () => executar(a.id, a.rotulo, {}));
}

function confirmar(c, seguir) {
  const dlg = $("confirmar");
  $("confirmar-titulo").textContent = c.titulo;
  $("confirmar-texto").textContent = c.texto;
  $("confirmar-dizer").textContent = c.dizer_ao_cliente;
  $("confirmar-sim").textContent = c.botao;
  confirmarAcao = seguir;
  dlg.showModal();
  $("confirmar-nao").focus();  // the safe choice has the focus: Enter alone does nothing harmful
}

function fecharConfirmacao(ok) {
  const seguir = confirmarAcao;
  confirmarAcao = null;
  $("confirmar").close();
  if (ok && seguir) seguir();
}

function ocupado(sim) {
  for (const b of document.querySelectorAll("#acoes button, #btn-wifi-salvar, #btn-os-abrir, #btn-atualizar")) b.disabled = sim;
}

function mostrarResultado(ok, texto, passo, avisos, extra) {
  const box = $("resultado");
  box.className = "resultado " + (ok === null ? "andamento" : ok ? "ok" : "falha");
  box.replaceChildren(el("strong", null, texto));
  if (passo) box.append(el("span", "passo", "Próximo passo: " + passo));
  if (avisos && avisos.length) {
    const ul = el("ul");
    for (const a of avisos) ul.append(el("li", null, a));
    box.append(ul);
  }
  if (extra) box.append(extra);
  box.hidden = false;
}

async function executar(acao, rotulo, corpo) {
  if (!atual) return false;
  const login = atual.login;
  ocupado(true);
  $("resultado").hidden = true;
  const { status, data } = await api("POST", clienteUrl(login, "/tarefas"),
    Object.assign({ acao, login_tela: loginNaTela() }, corpo));
  if (status !== 202) {
    ocupado(false);
    const m = mensagemErro(data);
    ultimoResultado = m.texto;
    mostrarResultado(false, m.texto, m.passo);
    return false;
  }
  acompanhar(data.tarefa, login, rotulo);
  return true;
}

document.addEventListener("DOMContentLoaded", () => {
  $("form-busca").addEventListener("submit", buscar);
  $("btn-atualizar").addEventListener("click", () => { if (atual) { $("estado").replaceChildren(el("li", "info", "Consultando o equipamento…")); carregar(atual.login, false); } });
  $("btn-wifi-cancelar").addEventListener("click", () => { $("form-wifi").hidden = true; });
  $("form-wifi").addEventListener("submit", salvarWifi);
  $("btn-os-cancelar").addEventListener("click", () => { $("form-os").hidden = true; });
  $("form-os").addEventListener("submit", abrirOs);
  $("confirmar-sim").addEventListener("click", () => fecharConfirmacao(true));
  $("confirmar-nao").addEventListener("click", () => fecharConfirmacao(false));
  $("confirmar").addEventListener("cancel", () => { confirmarAcao = null; });
  $("q").focus();
});
