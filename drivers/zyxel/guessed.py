"""Zyxel protocol details the driver and the simulator share, each with its evidence.

Imported by the driver AND the simulator, so one capture from a real unit corrects both
in one edit. Notes = ../shared/docs/protocols/zyxel-fiberhome-zte.md, section 1. The
`LEDGER` at the end grades every constant (drivers/evidence.py): confirmed (firmware
source or a recorded live answer), corroborated (public clients for the real units rely
on it) or guessed.
"""

from __future__ import annotations

from drivers.evidence import Fact, Grade

# --- unauthenticated endpoints and paths -------------------------------------------------

#: What the login page asks before anyone logs in: ModelName (and branding). Some
#: firmware also sets the session cookie here, which the login must then carry.
PRELOGIN_PATH = "/GetInfoNoLogin"
#: Identity fallback (notes 1.2.1): result, ModelName, SoftwareVersion, RemoAddr_Type.
BASIC_INFO_PATH = "/getBasicInformation"
PUBLIC_KEY_PATH = "/getRSAPublickKey"
#: The key field's value on builds without payload encryption.
PUBLIC_KEY_NONE = "None"
LOGIN_PATH = "/UserLogin"
LOGOUT_PATH = "/cgi-bin/UserLogout"
#: "Is my session still valid?" probe of the web UI; we answer it (simulator) but the
#: driver never needs it. Its answer shape (200 + result) is our guess.
LOGIN_CHECK_PATH = "/UserLoginCheck"
DAL_PATH = "/cgi-bin/DAL"
#: HTTP status of a DAL oid the firmware does not serve.
UNSERVED_OID_STATUS = 404
#: The dashboard objects, in the order the driver tries them.
STATUS_OIDS: tuple[str, ...] = ("status", "cardpage_status")
#: Field of a write's answer carrying the next sessionkey on firmware that rotates it.
ROTATED_SESSIONKEY_FIELD = "sessionkey"

# --- web login -------------------------------------------------------------------------

#: [P] 1.2.5: one client saw 401 "Decrypt Fail" with raw JSON and success with the JSON
#: text sent form-encoded (as the browser does). We send form-encoded first, then JSON.
LOGIN_CONTENT_TYPES: tuple[str, ...] = (
    "application/x-www-form-urlencoded; charset=UTF-8",
    "application/json",
)
#: [G] 1.2.5: the word in a login answer meaning "could not decrypt the body".
LOGIN_DECRYPT_FAIL = "Decrypt Fail"
#: [G] 1.2.6: name of the session cookie (clients only need to keep the jar).
SESSION_COOKIE = "Session"
#: [G] 1.7: `result` of a refused login. The driver matches them loosely (see web.py).
LOGIN_RESULT_WRONG = "Invalid Username or Password"
LOGIN_RESULT_LOCKED = "Account Locked"
#: A public client matches "Duplicated" in this refusal; the rest of the text is ours.
LOGIN_RESULT_BUSY = "Duplicated login"
#: [G] 1.7: fields of a refused login that let a client see how close the lock is.
#: `AccountRetryTime`/`AccountLockTime` are the real account settings [C]; that the login
#: answer carries them, and the two counters below, are guessed.
LOGIN_FAIL_COUNT_KEY = "loginFailCount"
LOGIN_RETRY_KEY = "AccountRetryTime"
LOGIN_LOCK_REMAIN_KEY = "lockRemainTime"
LOGIN_LOCK_TIME_KEY = "AccountLockTime"

# --- DAL -------------------------------------------------------------------------------

#: [G] 1.4: result codes besides ZCFG_SUCCESS / ZCFG_NO_SUCH_PARAMETER [C].
ZCFG_INVALID_PARAM_VALUE = "ZCFG_INVALID_PARAM_VALUE"
ZCFG_NO_SUCH_OBJECT = "ZCFG_NO_SUCH_OBJECT"
ZCFG_REQUEST_REJECT = "ZCFG_REQUEST_REJECT"
ZCFG_NOT_LOGIN = "ZCFG_NOT_LOGIN"
#: [G] 1.5: field of a WanLanInfo entry with the PPP failure reason, valued like TR-181
#: `PPP.Interface.LastConnectionError` (ERROR_AUTHENTICATION_FAILURE, ERROR_NO_ANSWER...).
WAN_LAST_ERROR_FIELD = "LastConnectionError"
#: [C] 1.5 (zyxeltool README, NR5307 script): usual Index of the main 2.4 / 5 GHz SSIDs.
#: The driver never relies on them (it selects by MainSSID + band); the simulator uses
#: them as defaults (`extra["wlan_5g_index"]` moves the 5 GHz one).
MAIN_24_INDEX = 1
MAIN_5_INDEX = 5
#: [C] 1.6 NR5307 script: what the GUI sends for a WPA2-PSK network.
WIFI_WPA_MODE = "wpa2psk"
WIFI_ENCRYPTION = "aes"
WIFI_SECURITY_LEVEL = "MoreSecure"
#: [C] 1.6: LAN group edited for the DHCP DNS.
LAN_GROUP = "Default"
#: [G] 1.6: GET after a Wi-Fi PUT; the notes say the radio needs ~15 s to apply.
WLAN_CHECK_PATH = "/cgi-bin/Wireless?action=WlCheck"
#: [G] 1.5: GponStatsInfo power strings; the simulator writes them like this and the
#: driver parses any number with an optional dBm/mW/uW unit.
POWER_FORMAT = "{:.2f} dBm"
#: [G] 1.6: a WAN read may return the PPP password masked; such a value is never written
#: back (it would replace the real password).
MASKED_SECRET_CHARS = frozenset("*")

# --- ZySH CLI --------------------------------------------------------------------------

PROMPT = "ZySH> "  # [C] 1.8
CMD_OK = "Command Successful."  # [C] 1.8
#: [G] 1.8: lines ZySH prints for a refused or unknown command start with this.
CMD_ERROR_PREFIX = "ERROR:"
#: [G] 1.8: `cfg <oid> get` prints each DAL object as a block of `key : value` lines
#: (blank line between objects; nested values flattened as `Parent[i].Child`), the same
#: layout `sys atsh` uses.
KV_SEPARATOR = " : "
#: [G] 1.8: edit syntax `cfg <oid> edit --<Field> <value> ...`; values with anything but
#: these characters go in double quotes with `\\` and `"` backslash-escaped.
CLI_BARE_VALUE = r"[A-Za-z0-9_.,:@/+=-]+"
#: [P] 1.8: `sys atsh` keys.
ATSH_FIRMWARE = "Firmware Version"
ATSH_MODEL = "Product Model"
ATSH_SERIAL = "Serial Number"
ATSH_VENDOR = "Vendor Name"
#: [G] telnet login prompts and answers; SSH sends the same sentences as auth banners.
#: The regexes are matched case-insensitively.
TELNET_LOGIN_PROMPT = "Login: "
TELNET_PASSWORD_PROMPT = "Password: "  # noqa: S105 - a prompt, not a secret
LOGIN_INCORRECT = "Login incorrect."
#: Followed by the number of attempts; the driver reads `(\d+) attempt`.
ATTEMPTS_LEFT_TEMPLATE = "{n} attempt(s) left before lockout."
# Word boundary and bounded digit runs keep these linear on hostile banners.
ATTEMPTS_LEFT_RE = r"\b(\d{1,6})\s+attempt\(s\)\s+left"
LOCKED_TEMPLATE = "Account is locked. Try again in {s} seconds."
LOCKED_MARK = r"account is locked"
LOCKED_SECONDS_RE = r"account is locked[^\n]{0,120}?\b(\d{1,6})\s+seconds"
BUSY_LINE = "Another administrator is logged in. Try again later."
BUSY_RE = r"another administrator is logged in"
#: [G] CLI ports on real units (the inventory/vault gives the ISP's, in Target.cli_port).
DEFAULT_SSH_PORT = 22
DEFAULT_TELNET_PORT = 23

# --- evidence ledger ----------------------------------------------------------------------

_GPL = "ErnyTech/zyxel-ex5601t0:package/public-zyxel/libzcfg_fe_dal/libzcfg_fe_dal-2.0/"
_GPL_NETWORKMAP = _GPL + "js/zcfg_fe_dal_networkmap.c"
_GPL_BROADBAND = _GPL + "network/broadband/zcfg_fe_dal_broadband.c"
_GPL_LANSETUP = _GPL + "network/homeNetworking/zcfg_fe_dal_lansetup.c"
_GPL_ACCOUNT = _GPL + "maintenance/useraccount/zcfg_fe_dal_user_account.c"
_ZYXEL_CLI = "millaguie/zyxel-cli:zyxel_cli/cli.py"  # PyPI zyxel-cli 0.1.0 (AX7501-B0)
_HA_ZYXEL = "zulufoxtrot/ha-zyxel:custom_components/ha_zyxel/nr7101/nr7101.py"
_T50 = "zyxel-t50-modem 0.0.2 (PyPI):zyxelt50/modem.py"
_ANSIBLE = "jwnmulder/ansible-collection-zyxel-vmg8825:plugins/httpapi/zyxel_vmg8825.py"
_NR5307 = "mmdmcy/odido-nr5307-wx5600-wifi-fix:scripts/fix_5ghz_channel.py"
_VMG4005 = "collectd-plugin-vmg4005-xdsl 1.0.1 (PyPI):VMG4005_xDSL/__init__.py"
#: Public notes recorded live on an EX3301-T0, V5.50(ABVY.5.5)b6_Y0 (the ISP's model).
_EX3301_LIVE = (
    "EX3301-T0 web API notes, confirmed live on V5.50(ABVY.5.5)b6_Y0 (repository not identified)"
)
_DX3301_CLIENT = "DX3301-T0 DAL async client, Home Assistant component (repository not identified)"
_NOTES_ONLY = "shared/docs/protocols/zyxel-fiberhome-zte.md §1 (public source not re-found)"

_C, _K, _G = Grade.CONFIRMED, Grade.CORROBORATED, Grade.GUESSED

LEDGER: tuple[Fact, ...] = (
    Fact("PRELOGIN_PATH", _K, "GET /GetInfoNoLogin before the login (identity, pre-login cookie)",
         (_ZYXEL_CLI, _HA_ZYXEL, _DX3301_CLIENT, _EX3301_LIVE)),
    Fact("BASIC_INFO_PATH", _K, "GET /getBasicInformation: ModelName, SoftwareVersion",
         (_HA_ZYXEL, _ANSIBLE)),
    Fact("PUBLIC_KEY_PATH", _K, "GET /getRSAPublickKey: {RSAPublicKey: PEM}",
         (_ZYXEL_CLI, _HA_ZYXEL, _T50, _EX3301_LIVE)),
    Fact("PUBLIC_KEY_NONE", _K, "RSAPublicKey 'None' = no payload encryption",
         (_HA_ZYXEL, _DX3301_CLIENT)),
    Fact("LOGIN_PATH", _K, "POST /UserLogin with {content, iv, key}",
         (_ZYXEL_CLI, _HA_ZYXEL, _T50, _EX3301_LIVE)),
    Fact("LOGOUT_PATH", _K, "logout at /cgi-bin/UserLogout (POST with CSRFToken, or GET)",
         (_DX3301_CLIENT, _ZYXEL_CLI, _ANSIBLE)),
    Fact("LOGIN_CHECK_PATH", _K, "GET /UserLoginCheck: session-still-valid probe",
         (_HA_ZYXEL, _EX3301_LIVE), "Its answer body is our guess (200 + result)."),
    Fact("DAL_PATH", _K, "objects at /cgi-bin/DAL?oid=<name>", (_ZYXEL_CLI, _HA_ZYXEL, _T50)),
    Fact("UNSERVED_OID_STATUS", _K, "an oid the firmware lacks answers HTTP 404",
         (_HA_ZYXEL, _DX3301_CLIENT), "One client saw 500 on some models as well."),
    Fact("STATUS_OIDS", _C, "dashboard object: oid=status, else oid=cardpage_status",
         (_GPL_NETWORKMAP, _ZYXEL_CLI, _T50),
         "Both handlers are in the GPL; the T50 client reads only cardpage_status."),
    Fact("ROTATED_SESSIONKEY_FIELD", _K, "a write's answer may carry the next sessionkey",
         (_DX3301_CLIENT,), "One client; the driver adopts it whenever an answer has one."),
    Fact("LOGIN_CONTENT_TYPES", _K, "login body as form-encoded JSON text, then as JSON",
         (_HA_ZYXEL, _DX3301_CLIENT, _ZYXEL_CLI)),
    Fact("LOGIN_DECRYPT_FAIL", _G, "result of a login body the unit could not decrypt",
         note="The notes cite one client's diagnosis; not found again in public code."),
    Fact("SESSION_COOKIE", _C, "session cookie name 'Session' (HttpOnly)", (_EX3301_LIVE,)),
    Fact("LOGIN_RESULT_WRONG", _G, "result text of a wrong password"),
    Fact("LOGIN_RESULT_LOCKED", _G, "result text of a locked account"),
    Fact("LOGIN_RESULT_BUSY", _K, "result text of a login refused for another session",
         (_DX3301_CLIENT,), "The client matches the word 'Duplicated'; the rest is ours."),
    Fact("LOGIN_FAIL_COUNT_KEY", _G, "failure counter in a refused login's answer"),
    Fact("LOGIN_RETRY_KEY", _G, "AccountRetryTime in a refused login's answer", (),
         f"The account setting is real ({_GPL_ACCOUNT}); its place in the answer is not."),
    Fact("LOGIN_LOCK_REMAIN_KEY", _G, "seconds left of a lock in the login answer"),
    Fact("LOGIN_LOCK_TIME_KEY", _G, "AccountLockTime in the login answer", (),
         f"The account setting is real ({_GPL_ACCOUNT}); its place in the answer is not."),
    Fact("ZCFG_INVALID_PARAM_VALUE", _G, "result code of a refused value"),
    Fact("ZCFG_NO_SUCH_OBJECT", _G, "result code of an edit on a missing object"),
    Fact("ZCFG_REQUEST_REJECT", _G, "result code of a write without a valid sessionkey"),
    Fact("ZCFG_NOT_LOGIN", _G, "result of a call (or a login) without a valid session"),
    Fact("WAN_LAST_ERROR_FIELD", _G, "PPP failure reason in the status WAN entry"),
    Fact("MAIN_24_INDEX", _K, "main 2.4 GHz SSID is usually wlan Index 1", (_NR5307,),
         "The driver selects by MainSSID + band; only the simulator uses the index."),
    Fact("MAIN_5_INDEX", _K, "main 5 GHz SSID is usually wlan Index 5", (_NR5307,)),
    Fact("WIFI_WPA_MODE", _K, "Wi-Fi PUT wpaMode wpa2psk", (_NR5307,)),
    Fact("WIFI_ENCRYPTION", _K, "Wi-Fi PUT encryp aes", (_NR5307,)),
    Fact("WIFI_SECURITY_LEVEL", _K, "Wi-Fi PUT securityLevel MoreSecure", (_NR5307,)),
    Fact("LAN_GROUP", _C, "LAN group 'Default' edited for the DHCP DNS", (_GPL_LANSETUP,),
         "Graded from the notes' reading of the GPL handler."),
    Fact("WLAN_CHECK_PATH", _K, "GET /cgi-bin/Wireless?action=WlCheck after a Wi-Fi PUT",
         (_NR5307,)),
    Fact("POWER_FORMAT", _G, "GponStatsInfo power strings as '<n> dBm'"),
    Fact("MASKED_SECRET_CHARS", _G, "a PPP password read back as '*' is never written"),
    Fact("PROMPT", _K, "ZySH prompt 'ZySH> '", (_VMG4005, _NOTES_ONLY)),
    Fact("CMD_OK", _K, "ZySH commands end with 'Command Successful.'", (_NOTES_ONLY,),
         "The notes cite public ZySH sample outputs."),
    Fact("CMD_ERROR_PREFIX", _G, "ZySH error lines start with 'ERROR:'"),
    Fact("KV_SEPARATOR", _G, "`cfg <oid> get` prints 'key : value' lines"),
    Fact("CLI_BARE_VALUE", _G, "ZySH argument quoting rule"),
    Fact("ATSH_FIRMWARE", _G, "`sys atsh` key for the firmware version"),
    Fact("ATSH_MODEL", _G, "`sys atsh` key for the model"),
    Fact("ATSH_SERIAL", _G, "`sys atsh` key for the serial number"),
    Fact("ATSH_VENDOR", _G, "`sys atsh` key for the vendor"),
    Fact("TELNET_LOGIN_PROMPT", _G, "telnet login prompt"),
    Fact("TELNET_PASSWORD_PROMPT", _G, "telnet password prompt"),
    Fact("LOGIN_INCORRECT", _G, "CLI refusal sentence for a wrong password"),
    Fact("ATTEMPTS_LEFT_TEMPLATE", _G, "CLI sentence with the attempts left"),
    Fact("ATTEMPTS_LEFT_RE", _G, "pattern reading the attempts left"),
    Fact("LOCKED_TEMPLATE", _G, "CLI sentence of a locked account"),
    Fact("LOCKED_MARK", _G, "pattern of a locked account"),
    Fact("LOCKED_SECONDS_RE", _G, "pattern reading the lock's seconds"),
    Fact("BUSY_LINE", _G, "CLI sentence when another admin is logged in"),
    Fact("BUSY_RE", _G, "pattern of that sentence"),
    Fact("DEFAULT_SSH_PORT", _G, "CLI SSH port when the inventory names none"),
    Fact("DEFAULT_TELNET_PORT", _G, "CLI telnet port when the inventory names none"),
)  # fmt: skip
