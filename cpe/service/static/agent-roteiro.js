// Agent page, second part: the runbook's procedures, service orders (N3 and Outras
// Demandas) and the history. Uses the helpers and state of agent.js (loaded first).
"use strict";

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

