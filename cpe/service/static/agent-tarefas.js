// Agent page, device actions: live progress of a job (Server-Sent Events, polling if the
// stream drops) and the Wi-Fi form. Uses the helpers and state of agent.js (loaded first).
"use strict";

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

