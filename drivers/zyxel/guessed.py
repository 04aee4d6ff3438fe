"""Zyxel details the protocol notes mark as guessed ([G]) or only partly confirmed ([P]).

Imported by the driver AND the simulator, so one capture from a real unit corrects both
in one edit. Notes = ../shared/docs/protocols/zyxel-fiberhome-zte.md, section 1.
"""

from __future__ import annotations

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
LOGIN_RESULT_BUSY = "Duplicate Login"
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
