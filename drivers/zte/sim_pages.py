"""HTML the simulated ZTE serves: ThinkLua login page, main frame, menuView pages, and the
legacy F660 `.gch` login page. Shaped after the F6107A firmware templates (login_t.lp,
login_js.lp) and the captures quoted in the protocol notes; trimmed to what clients read."""

from __future__ import annotations

from html import escape

from drivers.zte import guessed as g
from drivers.zte.crypto import js_hex_escape


def login_page(token: str, lock_max_time: int, model_name: str = "F670L") -> str:
    # login_t.lp inlines login_js.lp, which formats the lock hint with lockMaxTime.
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{escape(model_name)}</title>
<script type="text/javascript">
var loginLockInterval = null;
function createTimeCountDownMessage(lockingTime, promptMsg)
{{
if((promptMsg != null && promptMsg.length > 0) || lockingTime > 0 )
{{
var timeOutHint = promptMsg.concat(" ");
$("#login_error_waittime").text(timeOutHint.format({lock_max_time},lockingTime)).show();
}}
}}
$(document).ready(function(){{
$.getJSON("/?_type=loginData&_tag=login_entry").done(function(json){{
$("#_sessionTOKEN").val(json.sess_token);
}});
}});
</script></head>
<body><div id="loginWrapper"><div id="loginContainer" class="loginContainer">
<input type="hidden" name="_sessionTOKEN" id="_sessionTOKEN" value="{escape(token)}"/>
<input type="text" name="Frm_Username" id="Frm_Username" autocomplete="off"/>
<input type="password" name="Frm_Password" id="Frm_Password" autocomplete="off"/>
<div id="login_error" class="errorHint" style="display:none;">
<span id="login_error_span"></span><span id="login_error_waittime" value="0"></span></div>
<input type="submit" id="LoginId" class="button btn w150" value="Login"/>
</div></div></body></html>
"""


def main_page(user: str, model_name: str) -> str:
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{escape(model_name)}</title></head>
<body><div id="mainFrame"><span id="logUser">{escape(user)}</span>
<div id="menuTree"></div><div id="framework"></div></div></body></html>
"""


def menu_view_page(page: str, tmp_token: str, public_pem: str) -> str:
    # The firmware writes the PEM as one JS string with \n escapes inside asyEncode().
    pem_js = public_pem.strip().replace("\n", "\\n")
    return f"""<div id="{escape(page)}" class="pageContent">
<script type="text/javascript">
var _sessionTmpToken = "{js_hex_escape(tmp_token)}";
function asyEncode(str)
{{
var pubKey = "{pem_js}";
var encrypt = new JSEncrypt();
encrypt.setPublicKey(pubKey);
return encrypt.encrypt(str);
}}
</script>
<div class="formTable" id="template_{escape(page)}"></div>
</div>
"""


def preempt_page(holders: list[tuple[str, str]]) -> str:
    """login_preempt_t.lp: "someone is logged in", with a radio per session to kick."""
    rows = "".join(
        f'<p class="row"><input type="radio" id="radio{i}" name="preempt_sessid" '
        f'value="{escape(sid)}" checked/><label for="radio{i}">{escape(ip)}</label></p>'
        for i, (sid, ip) in enumerate(holders, 1)
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"></head><body><div id="loginWrapper">
<div class="warnHint"><span id="login_warn_span">Outro usuário está conectado.</span></div>
<div class="loginInstCfgArea"><div id="Level">{rows}</div>
<input type="hidden" name="action" id="action" value="preempt"/></div>
<input type="button" id="Btn_cancel" value="Cancelar"/>
<input type="button" id="Btn_apply" value="OK"/>
</div></body></html>
"""


def gch_login_page(logintoken: str, model_name: str = "F660") -> str:
    """The `.gch` login page (§3.D): a form posted to `/` with tokens the inline JS sets,
    written `"Frm_Logintoken", "<digits>"` as Picaresco/MCP-ZTE-F680's login regex reads it."""
    return f"""<html><head><title>{escape(model_name)}</title>
<script language="javascript">
function getObj(id) {{ return document.getElementById(id); }}
function setValue(id, v) {{ getObj(id).value = v; }}
function LoginSubmit() {{
setValue("Frm_Logintoken", "{escape(logintoken)}");
setValue("Frm_Loginchecktoken", "{escape(logintoken)}0");
document.fLogin.submit();
}}
</script></head>
<body><form name="fLogin" method="post" action="/">
<input type="hidden" name="frashnum" value=""/>
<input type="hidden" name="action" value="login"/>
<input type="hidden" name="Frm_Logintoken" id="Frm_Logintoken" value=""/>
<input type="hidden" name="Frm_Loginchecktoken" id="Frm_Loginchecktoken" value=""/>
<input type="text" name="Username" id="Frm_Username"/>
<input type="password" name="Password" id="Frm_Password"/>
<input type="button" value="Login" onclick="LoginSubmit()"/>
</form></body></html>
"""


def change_password_page(user: str) -> str:
    """The prompt some units show right after login (default password still set): the
    page's `doChgpwd` posts `login_changepwd` with a constant `_sessionTOKEN` (cmocan's HAR
    notes); `changepwd_cancel` dismisses it."""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"></head><body><div id="loginWrapper">
<div class="warnHint"><span id="chgpwd_hint">Altere a senha padrão de {escape(user)}.</span></div>
<input type="password" name="NewPassword" id="NewPassword"/>
<script type="text/javascript">
function doChgpwd(act)
{{
$.post("/?_type=loginData&_tag={g.TAG_CHANGEPWD}", {{action: act, Password: "",
Username: "{escape(user)}", NewPassword: "", _sessionTOKEN: "{g.CHANGEPWD_PAGE_TOKEN}",
encode: ""}}, function() {{ top.location.href = top.location.href; }});
}}
</script>
<input type="button" id="Btn_cancel" value="Pular" onclick="doChgpwd('changepwd_cancel')"/>
<input type="button" id="Btn_apply" value="OK" onclick="doChgpwd('changepwd')"/>
</div></body></html>
"""


def session_timeout_page() -> str:
    """What the web server answers a menuData POST without its `Check` header (HTTP 400)."""
    return "<html><body><script>var IF_ERRORSTR = 'SessionTimeout';</script></body></html>"
