"""ZTE ThinkLua details we rely on but have not seen on the ISP's own units, each with its
evidence in `LEDGER` at the end (confirmed / corroborated / guessed, with sources).

Imported by both the driver and the simulator, so one capture from a real F670L corrects
them in one edit. Tags follow ../shared/docs/protocols/zyxel-fiberhome-zte.md §3:
[C] confirmed by a source, [P] seen in one source / inferred, [G] our guess. Every item
names the note (or the public source) it comes from.
"""

from __future__ import annotations

from cpe.models import Band, WanError
from drivers.evidence import Fact, Grade

# --- identity ----------------------------------------------------------------------------

#: §3.A: admin user name when the vault has none. [G] ISP builds of the F670L ship "admin";
#: some operators use their own (the vault entry wins).
DEFAULT_USERNAME = "admin"

# --- tokens --------------------------------------------------------------------------------

#: §3.A: `login_token` is an 8-digit random number. [C]
LOGIN_TOKEN_DIGITS = 8
#: §3.B/C: `sess_token` / `_sessionTmpToken` are digit strings, seen with 16 and 24 digits on
#: other ThinkLua units. [P] We use 16.
SESS_TOKEN_DIGITS = 16
#: §3.C: random numeric strings ck/ci for the encoded fields of a write: 16 digits. [C]
FIELD_KEY_DIGITS = 16
#: §3.C: a value of six TABs means "leave this field unchanged". [C for F6107A]
UNCHANGED_VALUE = "\t" * 6

# --- login page and login answers ---------------------------------------------------------

#: §3.D: the legacy .gch UI's `/` carries this token field; ThinkLua never does. [P]
GCH_MARKER = "Frm_Logintoken"
#: With loginPolicy `preempt`, a login while another IP holds the session answers
#: `login_need_refresh` (EXCEED_MAX_USER_PREEMPT) and the refreshed `/` offers to kick the
#: other session with radio buttons of this name. [C F6107A login_preempt_t.lp]
#: We never kick: the driver cancels (`action=preempt_cancel` [C usermgr_logic_impl.lua]).
PREEMPT_MARKER = "preempt_sessid"
#: The ThinkLua login page inlines login_js.lp, which formats the lock hint with the
#: device's `lockMaxTime` (failures before the lock). [C F6107A login_t.lp + login_js.lp]
LOCK_MAX_TIME_PATTERN = r"timeOutHint\.format\(\s*(\d+)\s*,"
#: §3.A: 3 failures from one IP lock it for 60 s (120 s for some country codes). [C]
LOCK_THRESHOLD = 3
LOCK_SECONDS = 60.0

#: loginErrMsg texts (lang.login_0xx). The wording is localised and was not captured from
#: a Brazilian unit. [G] The driver classifies by the markers below, not by equality.
MSG_INVALID_LOGIN = "Usuário ou senha inválidos. Tente novamente."  # login_013
MSG_EXCEED_MAX_USER = (  # login_012
    "O número máximo de usuários conectados foi atingido. Tente novamente mais tarde."
)
MSG_PAGE_EXPIRED = "Esta página expirou. Atualize a página e tente novamente."  # cmret_1452
MSG_LOCKED_PROMPT = "Falha de login {0} vezes. Tente novamente em {1} segundos."  # login_014
#: Markers (lower case) that mean "someone else holds the session" (EXCEED_MAX_USER*).
BUSY_MARKERS: tuple[str, ...] = ("máximo", "maximo", "maximum", "max user", "exceed")
#: Markers that mean "the rolling token was stale" (CSRF_CHECK_FAIL, cmret_1452): not a
#: password failure, and the device does not count it. [P H3600 RE log]
EXPIRED_MARKERS: tuple[str, ...] = ("expirou", "expired", "caducado", "caducó")

#: After login some units show a change-password prompt first (F6600R builds): its page
#: JS `doChgpwd` posts to this loginData tag with `action=changepwd_cancel`.
#: [P cmocan/HA_CustomComponents isp_routers/routers/zte_f660.py, HAR capture]
TAG_CHANGEPWD = "login_changepwd"
#: The `_sessionTOKEN` that JS sends is a constant baked into the page, not the rolling
#: token [P same source]; the driver reads it from the page, the simulator's page shows it.
CHANGEPWD_PAGE_TOKEN = "iPFA8znE0U9PAGPqQ1qDTlud"  # noqa: S105 - a public page constant
CHANGEPWD_TOKEN_PATTERN = r"_sessionTOKEN\s*[:=]\s*[\"']([^\"']+)[\"']"  # noqa: S105
#: The login page's <title> names the model on the units we simulate. [G] (the probe
#: reports it only when it looks like a ZTE model name)
MODEL_TITLE_PATTERN = r"(?:ZXHN\s+)?[FH]\d{3,4}[A-Z]{0,2}\d?"  # the whole title text

# --- menuData answers --------------------------------------------------------------------

ERR_SUCCESS = "SUCC"  # §3.B [C]
ERR_SESSION_TIMEOUT = "SessionTimeout"  # §3.B [C]
#: Body checksum (`Check`) or `_sessionTOKEN` rejected: cmret 1452. [P H3600 RE log]
#: The IF_ERRORSTR text is our guess.
ERR_CHECK_FAIL = "CheckFail"
ERRORID_CHECK_FAIL = -1452
#: A field value the device refuses (IF_ERRORPARAM names it). [G] text and id
ERR_INVALID_PARAM = "ParaValueInvalid"
ERRORID_INVALID_PARAM = -1002

# --- pages (menuView tag → menuData module) ------------------------------------------------
# §3.B/C [C] page and module names; the query strings too.

PAGE_STATUS = "statusMgr"
MOD_STATUS = "devmgr_statusmgr_lua.lua"
PAGE_WAN_STATUS = "ethWanStatus"
MOD_WAN_STATUS = "wan_internetstatus_lua.lua"
QUERY_WAN_STATUS = "TypeUplink=2&pageType=1"
PAGE_WAN_CONFIG = "ethWanConfig"
MOD_WAN_CONFIG = "wan_internet_lua.lua"
QUERY_WAN_CONFIG = "TypeUplink=2&pageType=0"
PAGE_OPTICAL = "ponopticalinfo"
MOD_OPTICAL = "optical_info_lua.lua"
PAGE_WLAN = "wlanBasic"
MOD_WLAN = "wlan_wlansssidconf_lua.lua"
PAGE_DNS = "dns"
MOD_DNS = "dns_localdns_lua.lua"
PAGE_LAN = "lanMgrIpv4"
MOD_LAN_DHCP = "Localnet_LanMgrIpv4_DHCPBasicCfg_lua.lua"

# --- objects -----------------------------------------------------------------------------

OBJ_DEVINFO = "OBJ_DEVINFO_ID"  # [C]
OBJ_POWERONTIME = "OBJ_POWERONTIME_ID"  # [C]
OBJ_WAN = "ID_WAN_COMFIG"  # sic [C]
OBJ_OPTICAL = "OBJ_PON_OPTICALPARA_ID"  # [C]
OBJ_REGSTATUS = "OBJ_GPONREGSTATUS_ID"  # [C]
OBJ_WLANAP = "OBJ_WLANAP_ID"  # [C]
OBJ_WLANPSK = "OBJ_WLANPSK_ID"  # [C]
OBJ_WLANSETTING = "OBJ_WLANSETTING_ID"  # [C]
OBJ_DNS = "OBJ_DNS_ID"  # [C]
#: DHCP server object of the lanMgrIpv4 page. [C F6107A DHCPBasicCfg_lua.lua]
OBJ_DHCP = "OBJ_Br0AndDhcpsHosCfg_ID"

#: Instance ids. The driver always reads them from the answer; these are what the simulator
#: serves. [G] WAN numbering; [P] DHCP `IGD` (§3.C); [G] DNS `IGD`.
WAN_TR069_INST = "DEV.IP.IF1"
WAN_INTERNET_INST = "DEV.IP.IF3"
DHCP_INST = "IGD"
DNS_INST = "IGD"

#: The INTERNET connection is the one whose StrServList names it. [C zte_tracker capture]
INTERNET_SERVICE = "INTERNET"

# --- WAN status ----------------------------------------------------------------------------

CONN_CONNECTED = "Connected"  # [C]
CONN_CONNECTING = "Connecting"  # [G] TR-098 ConnectionStatus
CONN_DISCONNECTED = "Disconnected"  # [G] TR-098 ConnectionStatus
#: ConnError carries TR-098 LastConnectionError names (ERROR_NONE seen on a capture [C]);
#: which ones a GPON ONU really reports is [G].
CONN_ERRORS: dict[str, WanError | None] = {
    "ERROR_NONE": None,
    "ERROR_AUTHENTICATION_FAILURE": WanError.PPPOE_AUTH,
    "ERROR_ACCOUNT_DISABLED": WanError.PPPOE_AUTH,
    "ERROR_ACCOUNT_EXPIRED": WanError.PPPOE_AUTH,
    "ERROR_PASSWORD_EXPIRED": WanError.PPPOE_AUTH,
    "ERROR_RESTRICTED_LOGON_HOURS": WanError.PPPOE_AUTH,
    "ERROR_ISP_TIME_OUT": WanError.NO_SERVER,
    "ERROR_NO_ANSWER": WanError.NO_SERVER,
    "ERROR_SERVER_OUT_OF_RESOURCES": WanError.NO_SERVER,
    "ERROR_NO_CARRIER": WanError.LINK_DOWN,
    "ERROR_UNKNOWN": WanError.OTHER,
}
#: What the simulator reports for each normalised reason (first matching name above).
CONN_ERROR_FOR: dict[WanError, str] = {
    WanError.PPPOE_AUTH: "ERROR_AUTHENTICATION_FAILURE",
    WanError.NO_SERVER: "ERROR_ISP_TIME_OUT",
    WanError.LINK_DOWN: "ERROR_NO_CARRIER",
    WanError.CONNECTING: "ERROR_NONE",
    WanError.OTHER: "ERROR_UNKNOWN",
}

# --- optical -------------------------------------------------------------------------------

#: RegStatus values meaning "registered with the OLT" (GPON state O5 = operation). [G]
REG_REGISTERED: frozenset[str] = frozenset({"O5", "5", "Registered"})
REG_SIM_UP = "O5"
REG_SIM_DOWN = "O1"  # initial state: no downstream signal [G]

# --- Wi-Fi -----------------------------------------------------------------------------------

#: §3.B/C [P]: AP1 = main 2.4 GHz SSID, AP5 = main 5 GHz; radios RD1 = 2.4 GHz, RD2 = 5 GHz.
#: The band comes from OBJ_WLANSETTING_ID.Band when present; this is the fallback.
AP_PER_RADIO = 4
RADIO_INSTANCES: dict[Band, str] = {Band.GHZ_2_4: "DEV.WIFI.RD1", Band.GHZ_5: "DEV.WIFI.RD2"}
BAND_VALUES: dict[str, Band] = {"2.4GHz": Band.GHZ_2_4, "5GHz": Band.GHZ_5}
#: §3.C [C field names; P values]: the fixed security fields of a WPA2-PSK write.
WIFI_SECURITY_FIELDS: tuple[tuple[str, str], ...] = (
    ("BeaconType", "11i"),
    ("11iAuthMode", "PSKAuthentication"),
    ("11iEncryptType", "AESEncryption"),
    ("_PSKCONIG", "Y"),
    ("_WEPCONIG", "N"),
)

# --- PPPoE -----------------------------------------------------------------------------------

#: §3.C [P]: forced on the re-posted INTERNET instance.
PPPOE_FORCED_FIELDS: tuple[tuple[str, str], ...] = (
    ("mode", "route"),
    ("linkMode", "PPP"),
    ("ConnTrigger", "AlwaysOn"),
)
#: Fields of the WAN config instance the device expects back on Apply (the driver re-posts
#: whatever it read; the simulator insists on these). [P field names §3.C]
WAN_CONFIG_FIELDS: tuple[str, ...] = (
    "WANCName", "Enable", "mode", "linkMode", "UserName", "Password", "AuthType",
    "ConnTrigger", "VlanEnable", "VLANID", "Priority", "IpMode", "MTU", "IsNAT",
    "StrServList",
)

# --- DNS ---------------------------------------------------------------------------------------
# Choice (documented in the README): the resolver is set on the `dns` page
# (dns_localdns_lua.lua, SerIPAddress1/2): that is what the ONU itself resolves with and what
# its DNS proxy (the DNS DHCP hands out by default) forwards to, so every client follows at
# once without a DHCP renewal. When the DHCP page hands out fixed servers
# (DnsServerSource = manual) those bypass the proxy, so the driver rewrites DNSServer1/2 there
# too. status.dns reports SerIPAddress1/2 (or the WAN's DNS1–3 when none is set); lan_dns
# reports what DHCP hands out.

#: DnsServerSource values. [P] "0" = manual (§3.C); [G] "1" = the ONU's own proxy (hands out
#: the LAN IP), "2" = the WAN connection's servers.
DNS_SOURCE_MANUAL = "0"
DNS_SOURCE_PROXY = "1"
DNS_SOURCE_WAN = "2"
#: Fields of the DHCP instance re-posted on Apply. [C F6107A DHCPBasicCfg_lua.lua PARA]
DHCP_FIELDS: tuple[str, ...] = (
    "IPAddr", "SubMask", "ServerEnable", "SubnetMask", "MinAddress", "MaxAddress",
    "DnsServerSource", "DNSServer1", "DNSServer2", "LeaseTime",
)
DNS_FIELDS: tuple[str, ...] = ("SerIPAddress1", "SerIPAddress2", "DomainName")

# --- encoded fields ------------------------------------------------------------------------------
# §3.B: reads list them in <encode>; the driver decodes whatever is listed, these are what the
# simulator encodes. §3.C [P Argentine provisioning tool]: what a write must encode.

READ_ENCODED: dict[str, tuple[str, ...]] = {
    MOD_WAN_STATUS: ("UserName",),
    MOD_WAN_CONFIG: ("UserName", "Password"),
    MOD_WLAN: ("KeyPassphrase",),
    MOD_LAN_DHCP: ("DNSServer1", "DNSServer2"),
}
WRITE_ENCODED: dict[str, tuple[str, ...]] = {
    MOD_WAN_CONFIG: ("Password",),
    MOD_WLAN: ("KeyPassphrase",),
    MOD_LAN_DHCP: ("IPAddr", "MinAddress", "MaxAddress", "DNSServer1", "DNSServer2"),
}

# --- the evidence ledger ---------------------------------------------------------------------
# One Fact per constant above (drivers/evidence.py). Sources: "owner/repo:path".

_TRACKER = "juacas/zte_tracker:custom_components/zte_tracker/zteclient/zte_client.py"
_TRACKER_WAN = "juacas/zte_tracker:.github/Wan_status.md"
_TRACKER_DEV = "juacas/zte_tracker:custom_components/zte_tracker/zteclient/routers/RouterDetail.md"
_CMOCAN = "cmocan/HA_CustomComponents:isp_routers/routers/zte_f660.py"
_F680 = "Picaresco/MCP-ZTE-F680:zte_f680_mcp/http_client.py (PyPI zte-f680-mcp)"
_FW = "Blinko1987/F6107A-telnet-root-on-AIS-fiber:home/httpd/thinklua (per notes §3)"
_NOTES = "shared/docs/protocols/zyxel-fiberhome-zte.md §3"
_ACESS = "zxlawdx/acess_manager:docs/PROTOCOL.md (per notes §3)"


def _c(name: str, summary: str, *sources: str, note: str = "") -> Fact:
    return Fact(name, Grade.CONFIRMED, summary, sources, note)


def _p(name: str, summary: str, *sources: str, note: str = "") -> Fact:
    return Fact(name, Grade.CORROBORATED, summary, sources, note)


def _g(name: str, summary: str, note: str) -> Fact:
    return Fact(name, Grade.GUESSED, summary, (), note)


_PAGES = ("PAGE_STATUS", "MOD_STATUS", "PAGE_WAN_STATUS", "MOD_WAN_STATUS", "QUERY_WAN_STATUS")
_OTHER_PAGES = ("PAGE_WAN_CONFIG", "MOD_WAN_CONFIG", "QUERY_WAN_CONFIG", "PAGE_OPTICAL",
                "MOD_OPTICAL", "PAGE_WLAN", "MOD_WLAN", "PAGE_DNS", "MOD_DNS", "PAGE_LAN",
                "MOD_LAN_DHCP")
_FW_OBJECTS = ("OBJ_OPTICAL", "OBJ_REGSTATUS", "OBJ_WLANAP", "OBJ_WLANPSK", "OBJ_WLANSETTING",
               "OBJ_DNS", "OBJ_DHCP")

LEDGER: tuple[Fact, ...] = (
    _g("DEFAULT_USERNAME", "admin user when the vault names none",
       "ISP builds ship 'admin'; public clients take the user as a setting"),
    _p("LOGIN_TOKEN_DIGITS", "login_token is a short numeric nonce (8 digits)", _TRACKER, _CMOCAN,
       note="both clients treat it as opaque text; the 8-digit length is from the notes"),
    _g("SESS_TOKEN_DIGITS", "simulated sess_token length (16 digits)",
       "seen with 16 and 24 digits on other ThinkLua units; the driver never checks it"),
    _p("FIELD_KEY_DIGITS", "write-side ck/ci are 16-digit strings", _NOTES,
       note="from the firmware JS the notes quote; no independent client writes encoded"),
    _c("UNCHANGED_VALUE", "six TABs mean 'leave this field unchanged'", _FW),
    _p("GCH_MARKER", "the legacy .gch UI's login page carries Frm_Logintoken", _F680, _NOTES),
    _c("PREEMPT_MARKER", "preempt page radios are named preempt_sessid", _FW),
    _c("LOCK_MAX_TIME_PATTERN", "login page formats its lock hint with lockMaxTime", _FW),
    _c("LOCK_THRESHOLD", "3 failures from one IP lock logins", _FW),
    _c("LOCK_SECONDS", "the lock lasts 60 s (120 s in some countries)", _FW),
    _g("MSG_INVALID_LOGIN", "pt-BR wording of a bad-password loginErrMsg",
       "localised text never captured from a Brazilian unit; the driver matches markers"),
    _g("MSG_EXCEED_MAX_USER", "pt-BR wording of EXCEED_MAX_USER",
       "localised text; the driver matches BUSY_MARKERS"),
    _g("MSG_PAGE_EXPIRED", "pt-BR wording of a stale-token refusal (cmret 1452)",
       "localised text; the driver matches EXPIRED_MARKERS"),
    _g("MSG_LOCKED_PROMPT", "pt-BR promptMsg while locked", "localised text, not parsed"),
    _g("BUSY_MARKERS", "keywords meaning another admin holds the session",
       "chosen to cover en/pt/es wordings of EXCEED_MAX_USER"),
    _g("EXPIRED_MARKERS", "keywords meaning the rolling token was stale",
       "H3600 reverse-engineering notes name cmret 1452; the wording is ours"),
    _p("TAG_CHANGEPWD", "F6600R builds: dismiss a change-password prompt via login_changepwd",
       _CMOCAN),
    _p("CHANGEPWD_PAGE_TOKEN", "the prompt's doChgpwd posts a constant _sessionTOKEN", _CMOCAN,
       note="the driver reads it from the page; the constant only feeds the simulator"),
    _p("CHANGEPWD_TOKEN_PATTERN", "where that token sits in the page JS", _CMOCAN,
       note="the JS layout is our rendering of cmocan's description"),
    _g("MODEL_TITLE_PATTERN", "the login page <title> names the model",
       "used only by the probe, and only when it looks like a ZTE model name"),
    _c("ERR_SUCCESS", "IF_ERRORSTR SUCC on success", _TRACKER_WAN, _TRACKER_DEV),
    _p("ERR_SESSION_TIMEOUT", "SessionTimeout when the page context or session is missing",
       _CMOCAN, _NOTES),
    _g("ERR_CHECK_FAIL", "IF_ERRORSTR for a failed Check/stale _sessionTOKEN",
       "cmret 1452 per H3600 notes; the IF_ERRORSTR text is ours"),
    _g("ERRORID_CHECK_FAIL", "IF_ERRORID for that refusal", "-1452 from cmret 1452"),
    _g("ERR_INVALID_PARAM", "IF_ERRORSTR for a refused value", "no capture of a refused write"),
    _g("ERRORID_INVALID_PARAM", "IF_ERRORID for a refused value", "no capture"),
    *(_p(n, "status/WAN-status page and module names", _TRACKER, _CMOCAN) for n in _PAGES),
    *(_c(n, "page/module names of the firmware menus", _FW, _NOTES) for n in _OTHER_PAGES),
    _c("OBJ_DEVINFO", "device info object", _TRACKER_DEV),
    _c("OBJ_POWERONTIME", "uptime object (PowerOnTime, s)", _TRACKER_DEV),
    _c("OBJ_WAN", "WAN instances object (sic COMFIG)", _TRACKER_WAN),
    *(_c(n, "object names of the firmware lua modules", _FW) for n in _FW_OBJECTS),
    _g("WAN_TR069_INST", "simulated TR-069 WAN instance id", "the driver reads ids from answers"),
    _c("WAN_INTERNET_INST", "INTERNET WAN instance DEV.IP.IF3", _TRACKER_WAN,
       note="one capture; the driver still reads ids from the answer"),
    _p("DHCP_INST", "DHCP instance id IGD", _NOTES),
    _g("DNS_INST", "DNS instance id IGD", "the driver reads ids from answers"),
    _c("INTERNET_SERVICE", "the INTERNET connection is the one StrServList names",
       _TRACKER_WAN, note="combined lists like INTERNET_TR069_VOIP exist: matched as a part"),
    _c("CONN_CONNECTED", "ConnStatus Connected", _TRACKER_WAN, _TRACKER),
    _g("CONN_CONNECTING", "ConnStatus while dialling", "TR-098 ConnectionStatus value"),
    _g("CONN_DISCONNECTED", "ConnStatus when down", "TR-098 ConnectionStatus value"),
    _g("CONN_ERRORS", "ConnError names and their WAN error", "TR-098 LastConnectionError "
       "names; only ERROR_NONE seen in a capture"),
    _g("CONN_ERROR_FOR", "what the simulator reports per WAN error", "mirror of CONN_ERRORS"),
    _g("REG_REGISTERED", "RegStatus values meaning registered (O5)", "GPON state naming"),
    _g("REG_SIM_UP", "simulated RegStatus when registered", "GPON O5"),
    _g("REG_SIM_DOWN", "simulated RegStatus when not", "GPON O1"),
    _g("AP_PER_RADIO", "4 SSIDs per radio (AP1-4, AP5-8)", "instance ids read from answers"),
    _p("RADIO_INSTANCES", "RD1 = 2.4 GHz, RD2 = 5 GHz", _NOTES),
    _g("BAND_VALUES", "Band strings of OBJ_WLANSETTING_ID", "no capture of the Wi-Fi page"),
    _c("WIFI_SECURITY_FIELDS", "WPA2-PSK field names of a Wi-Fi write", _FW,
       note="field names from firmware lua; the values are the notes' [P]"),
    _p("PPPOE_FORCED_FIELDS", "fields forced on the PPPoE re-post", _NOTES,
       note="an Argentine provisioning tool per the notes; repository not recorded"),
    _p("WAN_CONFIG_FIELDS", "fields of the WAN config instance", _NOTES),
    _p("DNS_SOURCE_MANUAL", "DnsServerSource 0 = manual", _NOTES),
    _g("DNS_SOURCE_PROXY", "DnsServerSource 1 = the ONU's proxy", "no source"),
    _g("DNS_SOURCE_WAN", "DnsServerSource 2 = the WAN's servers", "no source"),
    _c("DHCP_FIELDS", "fields of the DHCP instance", _FW),
    _c("DNS_FIELDS", "fields of the local DNS object", _FW),
    _p("READ_ENCODED", "which read fields come AES-encoded", _NOTES, _ACESS),
    _p("WRITE_ENCODED", "which write fields must be encoded", _NOTES,
       note="transToPostTab also takes plaintext without `encode` (F6107A)"),
)
