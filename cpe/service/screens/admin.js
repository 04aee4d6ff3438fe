// Admins' screen: users (add, disable, change role), API tokens (create — shown once —
// and revoke), the vault's names and counts, the journal's health, service events.
"use strict";

const PERFIS = [["agente", "agente (N1)"], ["tecnico", "técnico"], ["admin", "administrador"]];
let usuarioTokens = null;

async function carregarUsuarios() {
  const { status, data } = await api("GET", "/api/users");
  const caixa = $("usuarios");
  if (status !== 200) { caixa.replaceChildren(el("p", "erro", erroDe(data))); return; }
  const linhas = data.usuarios.map((u) => {
    const sel = el("select");
    sel.setAttribute("aria-label", "Perfil de " + u.name);
    sel.dataset.usuario = u.name;
    for (const [v, t] of PERFIS) { const o = el("option", null, t); o.value = v; sel.append(o); }
    sel.value = u.role;
    sel.addEventListener("change", () => alterar(u.name, { role: sel.value }, sel));
    const estado = el("span", u.disabled ? "erro" : null, u.disabled ? "desativado" : "ativo");
    const acoes = el("span");
    const b = botao(u.disabled ? "Reativar" : "Desativar", u.disabled ? "" : "alerta",
      () => alterar(u.name, { disabled: !u.disabled }, b));
    b.dataset.usuario = u.name;
    b.dataset.acao = u.disabled ? "reativar" : "desativar";
    const t = botao("Tokens", "", () => abrirTokens(u.name));
    t.dataset.usuario = u.name;
    t.dataset.acao = "tokens";
    acoes.append(b, " ", t);
    return [u.name, sel, estado, u.tokens, quando(u.created_at), acoes];
  });
  const t = tabela(["Nome", "Perfil", "Estado", "Tokens", "Criado em", ""], linhas);
  t.id = "tabela-usuarios";
  caixa.replaceChildren(t);
}

async function alterar(nome, corpo, controle) {
  controle.disabled = true;
  const { status, data } = await api("PATCH", "/api/users/" + encodeURIComponent(nome), corpo);
  controle.disabled = false;
  if (status !== 200) aviso($("usuario-msg"), "falha", erroDe(data));
  else aviso($("usuario-msg"), "ok", "Usuário " + nome + " atualizado.");
  carregarUsuarios();
  carregarEventos();
}

async function criarUsuario(ev) {
  ev.preventDefault();
  const corpo = { name: $("nu-nome").value.trim(), role: $("nu-perfil").value, password: $("nu-senha").value };
  $("btn-criar-usuario").disabled = true;
  const { status, data } = await api("POST", "/api/users", corpo);
  $("btn-criar-usuario").disabled = false;
  $("nu-senha").value = "";
  if (status !== 201) { aviso($("usuario-msg"), "falha", erroDe(data)); return; }
  aviso($("usuario-msg"), "ok", "Usuário " + data.usuario + " criado com perfil " + data.perfil + ".");
  $("nu-nome").value = "";
  carregarUsuarios();
  carregarEventos();
}

async function abrirTokens(nome) {
  usuarioTokens = nome;
  $("tokens").hidden = false;
  $("token-novo").hidden = true;
  $("token-valor").textContent = "";
  $("tokens-titulo").textContent = "Tokens de API de " + nome;
  await listarTokens();
}

async function listarTokens() {
  const { status, data } = await api("GET", "/api/users/" + encodeURIComponent(usuarioTokens) + "/tokens");
  const caixa = $("tokens-lista");
  if (status !== 200) { caixa.replaceChildren(el("p", "erro", erroDe(data))); return; }
  if (!data.tokens.length) { caixa.replaceChildren(el("p", "nota", "Nenhum token.")); return; }
  const t = tabela(["Id", "Rótulo", "Criado em", "Estado", ""], data.tokens.map((k) => {
    const acao = k.revoked ? el("span") : botao("Revogar", "alerta", () => revogar(k.id));
    acao.dataset.token = String(k.id);
    return [k.id, k.label || "", quando(k.created_at), k.revoked ? "revogado" : "ativo", acao];
  }));
  t.id = "tabela-tokens";
  caixa.replaceChildren(t);
}

async function criarToken() {
  const { status, data } = await api("POST", "/api/users/" + encodeURIComponent(usuarioTokens) + "/tokens",
    { label: $("tk-rotulo").value.trim() || null });
  if (status !== 201) { aviso($("usuario-msg"), "falha", erroDe(data)); return; }
  // Shown once: it is not kept anywhere (the service stores only its hash).
  $("token-valor").textContent = data.token;
  $("token-novo").hidden = false;
  $("tk-rotulo").value = "";
  await listarTokens();
  carregarUsuarios();
}

async function revogar(id) {
  const { status, data } = await api("DELETE", "/api/users/" + encodeURIComponent(usuarioTokens) + "/tokens/" + id);
  if (status !== 200) aviso($("usuario-msg"), "falha", erroDe(data));
  $("token-novo").hidden = true;
  $("token-valor").textContent = "";
  await listarTokens();
  carregarUsuarios();
}

function tamanho(bytes) {
  if (bytes < 1024) return bytes + " B";
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1).replace(".", ",") + " KiB";
  return (bytes / 1024 / 1024).toFixed(1).replace(".", ",") + " MiB";
}

async function carregarDiario() {
  const dl = $("diario-dados");
  dl.replaceChildren(el("dt", null, "Verificando…"), el("dd"));
  const { status, data } = await api("GET", "/api/adm/diario");
  if (status !== 200) { dl.replaceChildren(el("dt", null, "Erro"), el("dd", "erro", erroDe(data))); return; }
  const linhas = [
    ["Situação", data.mensagem, data.ok ? null : "erro"],
    ["Verificação (quick_check)", (data.verificacao || []).join("; ")],
    ["Tamanho", tamanho(data.tamanho_bytes) + (data.wal_bytes ? " + WAL " + tamanho(data.wal_bytes) : "")],
    ["Última gravação", quando(data.ultima_escrita)],
    ["Arquivo modificado em", quando(data.modificado_em)],
  ];
  for (const [k, n] of Object.entries(data.contagens || {})) linhas.push(["Linhas em " + k, String(n)]);
  dl.replaceChildren();
  for (const [k, v, cls] of linhas) dl.append(el("dt", null, k), el("dd", cls || null, v));
  dl.dataset.ok = data.ok ? "1" : "0";
}

async function carregarCofre() {
  const { status, data } = await api("GET", "/api/vault");
  const caixa = $("cofre-dados");
  if (status !== 200) { caixa.replaceChildren(el("p", "erro", erroDe(data))); return; }
  const tipo = { model: "modelo (todas as unidades)", device: "equipamento específico" };
  const t = tabela(["Nome", "Vale para", "Modelo", "Senhas candidatas"],
    data.entradas.map((e) => [e.nome, tipo[e.tipo] || e.tipo, e.modelo || (e.tipo === "model" ? e.nome : ""), e.senhas_candidatas]));
  t.id = "tabela-cofre";
  caixa.replaceChildren(t);
  if (data.segredos && data.segredos.length) caixa.append(el("p", "nota", "Outros segredos: " + data.segredos.join(", ")));
}

const EVENTO_PT = {
  login: "entrou", logout: "saiu", login_failed: "login recusado", login_rate_limited: "login limitado",
  user_added: "usuário criado", role_changed: "perfil alterado", user_disabled: "usuário desativado",
  user_enabled: "usuário reativado", password_changed: "senha alterada", token_created: "token criado",
  token_revoked: "token revogado", admin_user_added: "criou usuário", admin_user_changed: "alterou usuário",
  admin_token_created: "criou token", csrf_refused: "recusado (CSRF)", tela_recusada: "tela recusada",
};

async function carregarEventos() {
  const { status, data } = await api("GET", "/api/events?limit=60");
  const caixa = $("eventos");
  if (status !== 200) { caixa.replaceChildren(el("p", "erro", erroDe(data))); return; }
  caixa.replaceChildren(tabela(["Quando", "Usuário", "Evento", "Detalhe"],
    data.eventos.map((e) => [quando(e.at), e.username || "", EVENTO_PT[e.event] || e.event, e.detail || ""])));
}

async function iniciar() {
  const { status, data } = await api("GET", "/api/tec/capacidades");
  if (status === 200 && data.fuso) FUSO = data.fuso;
  $("form-usuario").addEventListener("submit", criarUsuario);
  $("btn-usuarios").addEventListener("click", carregarUsuarios);
  $("btn-criar-token").addEventListener("click", criarToken);
  $("btn-diario").addEventListener("click", carregarDiario);
  await Promise.all([carregarUsuarios(), carregarDiario(), carregarCofre(), carregarEventos()]);
}

document.addEventListener("DOMContentLoaded", iniciar);
