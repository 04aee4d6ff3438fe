// Shared by the technicians' and admins' screens: API calls with the session's CSRF token,
// element helpers, times in the provider's zone. Every server value goes in as text.
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);
let FUSO = "America/Sao_Paulo";

const VEREDITO_PT = {
  ok: "conforme", drift: "divergente", unreachable: "sem resposta", auth_failed: "senha recusada",
  locked: "bloqueado por senha", busy: "ocupado", unsupported: "não suportado", error: "erro",
};
const VEREDITOS = Object.keys(VEREDITO_PT);
const DIVERGENCIA_PT = { dns: "DNS", ssid: "SSID", wifi_key: "senha Wi-Fi", pppoe: "PPPoE", optical: "sinal óptico" };
const ESTADO_PT = { running: "em andamento", finished: "concluída", interrupted: "interrompida" };
const ACAO_PT = {
  reconfigure: "Reaplicar configuração", alterar_wifi_ixc: "Wi-Fi gravado no IXC",
  mostrar_senha: "Senha exibida", abrir_os_n3: "O.S. N3 aberta",
};
const RESULTADO_PT = {
  verified: "feito e conferido", error: "falhou", unverified: "não confirmado", dry_run: "simulação",
  shown: "exibida", opened: "aberta", saved: "gravado", interrupted: "interrompido",
};
const CORRECAO_PT = { fixed: "corrigido", would_fix: "seria corrigido", failed: "falhou", skipped: "pulado" };

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

function botao(texto, cls, acao) {
  const b = el("button", cls, texto);
  b.type = "button";
  b.addEventListener("click", acao);
  return b;
}

function quando(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toLocaleString("pt-BR", { timeZone: FUSO, dateStyle: "short", timeStyle: "short" });
}

// "04/12 12:50": lists and charts.
function quandoCurto(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toLocaleString("pt-BR", { timeZone: FUSO, day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" })
    .replace(",", "");
}

function erroDe(data) {
  const e = (data && data.erro) || {};
  return e.mensagem || "Falha inesperada.";
}

function aviso(caixa, tipo, texto) {
  caixa.className = "resultado " + tipo;
  caixa.textContent = texto;
  caixa.hidden = false;
}

// A table: headers, then one array of cells per row (a cell is text or an element).
function tabela(cabecalhos, linhas, cls) {
  const t = el("table", "lista" + (cls ? " " + cls : ""));
  const tr = el("tr");
  for (const c of cabecalhos) tr.append(el("th", null, c));
  t.append(el("thead"));
  t.tHead.append(tr);
  const tb = el("tbody");
  for (const linha of linhas) {
    const r = el("tr");
    for (const c of linha) {
      const td = el("td");
      if (c instanceof Node) td.append(c); else td.textContent = c === null || c === undefined ? "" : String(c);
      r.append(td);
    }
    tb.append(r);
  }
  t.append(tb);
  return t;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}
