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

// --- live progress ---------------------------------------------------------------------------

function pararTarefa() {
  if (!tarefa) return;
  if (tarefa.fonte) tarefa.fonte.close();
  clearInterval(tarefa.relogio);
  clearTimeout(tarefa.consulta);
  tarefa = null;
  ocupado(false);
}

function segundos(s) {
  s = Math.round(s);
  return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s";
}

function acompanhar(id, login, rotulo) {
  pararTarefa();
  const inicio = Date.now();
  tarefa = { id, login, vistas: 0 };
  $("andamento").hidden = false;
  $("andamento-acao").textContent = rotulo + " — " + login;
  $("etapas").replaceChildren();
  $("decorrido").textContent = "0 s";
  $("andamento-titulo").focus();
  tarefa.relogio = setInterval(() => { $("decorrido").textContent = segundos((Date.now() - inicio) / 1000); }, 1000);
  const fonte = new EventSource("/api/agente/tarefas/" + encodeURIComponent(id) + "/eventos");
  tarefa.fonte = fonte;
  fonte.addEventListener("etapa", (ev) => etapa(id, JSON.parse(ev.data)));
  fonte.addEventListener("fim", (ev) => fim(id, JSON.parse(ev.data)));
  // A dropped stream (proxy, network): poll the job's snapshot instead.
  fonte.addEventListener("error", () => { fonte.close(); if (tarefa && tarefa.id === id) consultar(id); });
}

function etapa(id, ev) {
  if (!tarefa || tarefa.id !== id || ev.n <= tarefa.vistas) return;
  tarefa.vistas = ev.n;
  const ol = $("etapas");
  const anterior = ol.lastElementChild;
  if (anterior) { anterior.className = "feita"; anterior.querySelector(".estado-etapa").textContent = "feito"; }
  const li = el("li", "atual");
  li.dataset.etapa = ev.etapa;
  const aos = ev.t_s < 10 ? ev.t_s.toFixed(1).replace(".", ",") + " s" : segundos(ev.t_s);
  li.append(el("span", "nome-etapa", ev.texto), el("span", "tempo", " (aos " + aos + ")"), el("span", "estado-etapa", "em andamento"));
  ol.append(li);
}

async function consultar(id) {
  if (!tarefa || tarefa.id !== id) return;
  const { status, data } = await api("GET", "/api/agente/tarefas/" + encodeURIComponent(id));
  if (!tarefa || tarefa.id !== id) return;
  if (status !== 200) { fim(id, { estado: "falhou", resultado: { ok: false, texto: mensagemErro(data).texto } }); return; }
  for (const ev of data.etapas) etapa(id, ev);
  if (data.estado !== "em_andamento") { fim(id, data); return; }
  tarefa.consulta = setTimeout(() => consultar(id), 1000);
}

async function fim(id, snap) {
  if (!tarefa || tarefa.id !== id) return;
  for (const ev of snap.etapas || []) etapa(id, ev);
  const login = tarefa.login;
  const ol = $("etapas");
  const r = snap.resultado || {};
  if (ol.lastElementChild) {
    ol.lastElementChild.className = r.ok ? "feita" : "falhou";
    ol.lastElementChild.querySelector(".estado-etapa").textContent = r.ok ? "feito" : "interrompido";
  }
  pararTarefa();
  if (r.duracao_s !== undefined) $("decorrido").textContent = segundos(r.duracao_s) + " (total)";
  ultimoResultado = r.texto;
  let extra = null;
  if (r.tentar_de_novo && atual && atual.login === login) {
    extra = botao("Tentar de novo: aplicar o Wi-Fi do IXC", "primario", () => executar(r.tentar_de_novo, "Aplicar o Wi-Fi do IXC", {}));
    extra.dataset.acao = "tentar_de_novo";
  }
  mostrarResultado(!!r.ok, r.texto || "Ação encerrada.", r.proximo_passo, r.avisos, extra);
  $("resultado").focus();
  if (atual && atual.login === login) {
    $("form-wifi").hidden = true;
    await carregar(login, false);
    if (!r.ok && r.oferecer_os && atual && atual.os_n3_tecnico) {
      const b = document.querySelector('#acoes button[data-acao="abrir_os_n3"]');
      if (b) b.classList.add("destaque");
    }
  }
}

// --- Wi-Fi -----------------------------------------------------------------------------------

function abrirWifi(acao) {
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
  $("form-wifi").dataset.confirmacao = JSON.stringify(acao.confirmacao);
  $("form-wifi").hidden = false;
  box.querySelector("input").focus();
}

function salvarWifi(ev) {
  ev.preventDefault();
  const redes = [];
  for (const fs of $("wifi-campos").querySelectorAll("fieldset")) {
    const senha = fs.querySelector(".senha").value;
    if (senha && (senha.length < 8 || senha.length > 63)) {
      mostrarResultado(false, "A senha do Wi-Fi " + fs.dataset.band + " deve ter de 8 a 63 caracteres.", null);
      return;
    }
    redes.push({ band: fs.dataset.band, ssid: fs.querySelector(".ssid").value, passphrase: senha || null });
  }
  const c = JSON.parse($("form-wifi").dataset.confirmacao);
  confirmar(c, () => executar("alterar_wifi", "Alterar Wi-Fi", { redes }));
}

function mostrarDadosPppoe() {
  const b = document.querySelector('#dados button[data-campo="pppoe"]');
  if (b && b.dataset.visivel !== "1") b.click();
  if (b) b.focus();
}

// --- the runbook -----------------------------------------------------------------------------

function cartaoRoteiro(p) {
  const box = el("div", "procedimento");
  box.dataset.procedimento = p.id;
  const q = el("blockquote", "roteiro-citacao");
  for (const linha of p.roteiro) q.append(el("p", null, linha));
  box.append(el("p", "rotulo-forte", "Roteiro:"), q, el("p", "agora", p.agora));
  if (p.os) {
    const b = botao(p.os.rotulo, "alerta", () => abrirFormOs({ tipo: p.os.tipo, motivo: p.os.motivo, titulo: p.os.rotulo + " — " + p.titulo }));
    b.dataset.os = p.os.tipo + ":" + p.os.motivo;
    box.append(b);
  }
  if (p.dados_pppoe) box.append(botao("Mostrar os dados do PPPoE", "link", mostrarDadosPppoe));
  return box;
}

function desenharRoteiro(d) {
  const sit = $("roteiro-situacao");
  sit.replaceChildren();
  const pedidos = $("roteiro-pedidos");
  pedidos.replaceChildren();
  for (const p of d.roteiro) {
    if (p.automatico) {
      const c = cartaoRoteiro(p);
      c.prepend(el("h3", null, p.titulo));
      sit.append(c);
      continue;
    }
    const li = el("li");
    const painel = cartaoRoteiro(p);
    painel.id = "proc-" + p.id;
    painel.hidden = true;
    const b = botao(p.titulo, "disclosure", () => {
      const aberto = b.getAttribute("aria-expanded") === "true";
      b.setAttribute("aria-expanded", String(!aberto));
      painel.hidden = aberto;
    });
    b.setAttribute("aria-expanded", "false");
    b.setAttribute("aria-controls", painel.id);
    b.dataset.pedido = p.id;
    li.append(b, painel);
    pedidos.append(li);
  }
  const h = d.horario_provedor;
  $("horario").textContent = "Horário do provedor (transferências): " + h.texto + " — agora " + (h.aberto ? "aberto." : "fechado.");
}

// --- service orders ----------------------------------------------------------------------------

function achados() {
  const out = [...(atual.achados || [])];
  if (ultimoResultado) out.push("Última ação: " + ultimoResultado);
  return out.filter((a) => a).slice(0, 40);
}

function abrirFormOs(os) {
  $("form-wifi").hidden = true;
  $("os-resultado").hidden = true;
  osAtual = os;
  const n3 = os.tipo === "n3";
  $("os-form-titulo").textContent = os.titulo;
  $("os-motivo").textContent = n3 ? "Só N3 (o roteiro não tem N2)." : "Vai para o provedor como O.S. de Outras Demandas.";
  $("os-n3-roteiro").hidden = !n3;
  $("os-n3-confirmacoes").hidden = !n3;
  if (n3) {
    $("os-mensagem").textContent = atual.n3.mensagem_sugerida;
    const p = atual.n3.prazo;
    $("os-prazo").textContent = "Prazo (" + atual.n3.prazo_roteiro + "): se abrir agora, " + p.horas +
      " horas corridas, até " + p.prazo_texto + ".";
  }
  $("os-confirmou").checked = false;
  $("os-grave").checked = false;
  $("os-erro").textContent = "";
  $("os-achados").replaceChildren(...achados().map((a) => el("li", null, a)));
  $("form-os").hidden = false;
  $("os-form-titulo").setAttribute("tabindex", "-1");
  $("os-form-titulo").focus();
}

async function abrirOs(ev) {
  ev.preventDefault();
  if (!osAtual || !atual) return;
  const n3 = osAtual.tipo === "n3";
  if (n3 && !($("os-confirmou").checked && $("os-telefone").value.trim())) {
    $("os-erro").textContent = "Leia a mensagem sugerida ao cliente e confirme o telefone e o melhor período antes de abrir a O.S.";
    $("os-telefone").focus();
    return;
  }
  ocupado(true);
  const { status, data } = await api("POST", clienteUrl(atual.login, "/os"), {
    tipo: osAtual.tipo, motivo: osAtual.motivo, login_tela: loginNaTela(),
    telefone: $("os-telefone").value, periodo: $("os-periodo").value, observacao: $("os-obs").value,
    achados: achados(), confirmou_contato: $("os-confirmou").checked, grave: $("os-grave").checked,
  });
  ocupado(false);
  if (status !== 201) { $("os-erro").textContent = mensagemErro(data).texto; return; }
  $("form-os").hidden = true;
  const depois = $("os-depois");
  depois.replaceChildren();
  if (data.tipo === "n3") {
    $("os-titulo").textContent = "O.S. nº " + data.os_id + " aberta para o N3 — prazo de " + data.horas + " horas corridas (até " + data.prazo_texto + ")";
    depois.append(el("p", "rotulo-forte", "Agora (roteiro):"), el("p", null, data.ao_abrir),
      el("p", "nota", data.visita_insistente),
      el("p", "nota", "Depois de um reset o equipamento pode perder o acesso remoto: nesse caso um técnico precisa reabilitá-lo."));
  } else {
    $("os-titulo").textContent = "O.S. nº " + data.os_id + " de Outras Demandas aberta para o provedor";
    depois.append(el("p", null, "Informe ao cliente que o provedor vai analisar o pedido e entrar em contato."));
  }
  $("os-resultado").hidden = false;
  $("os-titulo").focus();
  atualizarHistorico();
}

// --- history -----------------------------------------------------------------------------------

function desenharHistorico(h) {
  const tb = $("historico");
  tb.replaceChildren();
  const acoes = (h && h.acoes) || [];
  if (!acoes.length) {
    const tr = el("tr");
    const td = el("td", "nota", "Nenhuma ação de atendente registrada para este equipamento.");
    td.colSpan = 4;
    tr.append(td);
    tb.append(tr);
  }
  for (const a of acoes) {
    const tr = el("tr");
    const oque = a.acao_pt + (a.alteracoes_pt ? " (" + a.alteracoes_pt + ")" : "");
    tr.append(el("td", null, quando(a.at)), el("td", null, a.operator), el("td", null, oque),
      el("td", null, a.resultado_pt + (a.message ? " — " + a.message : "")));
    tb.append(tr);
  }
  const aud = (h && h.auditorias) || { total: 0, itens: [] };
  const det = $("auditorias");
  det.hidden = !aud.total;
  if (aud.total) {
    const ultima = aud.itens[0];
    $("auditorias-resumo").textContent = aud.total + " auditoria(s) automática(s) — última: " +
      quando(ultima.at) + ", " + ultima.veredito_pt;
    $("auditorias-lista").replaceChildren(...aud.itens.map((i) =>
      el("li", null, quando(i.at) + " — " + i.veredito_pt + (i.divergencias_pt ? " (" + i.divergencias_pt + ")" : ""))));
  }
}

async function atualizarHistorico() {
  if (!atual) return;
  const login = atual.login;
  const { status, data } = await api("GET", clienteUrl(login, "/historico"));
  if (status === 200 && atual && atual.login === login) desenharHistorico(data);
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
