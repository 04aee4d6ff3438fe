"""Every Mercusys protocol detail we rely on, with its evidence, in one place.

Imported by the driver, the simulator and the probe, so one capture from a real unit (the
browser's own requests, read-only first) corrects all three in one edit. Each constant has
one `Fact` in `LEDGER` at the end (drivers/evidence.py): confirmed (seen on a real unit:
a capture, a firmware dump, a PoC's recorded answer), corroborated (public clients for
the real device rely on it) or guessed. Comments keep the short tags of the protocol note
`shared/docs/protocols/tplink-mercusys.md` ([C] confirmed/corroborated, [I] one indirect
source, [G] guess) so the matrix's tag reader still works.

Sources (full names in `_S`): S1 tplinkrouterc6u (TP-Link C80 class of the same
`/?code=` transport), S3 mercusys-cli (a Mercusys classic client with the firmware's
constant tables), S4 the AC12G v1 advisories and PoCs (firmware dumped and tested live),
S5 the MR30G unauthenticated-read PoC, FM Flashman's MR30G model, W1-W3 three independent
Mercury PPPoE writers and B1 a Mercury block map read live from a unit (public code the
search index holds without a repository name: cited by index id).
"""

from __future__ import annotations

from cpe.models import Band
from drivers.evidence import Fact, Grade

# --- data ids (S3 constants table; S1 reads the same ids on C80) ---------------------------

#: DEVICE: hardVer, modelName, softVer. [C S1, S3]
DATA_DEVICE = 0
#: SYSTEM: `mac 0` LAN, `mac 1` WAN. [C S1, S3]
DATA_SYSTEM = 1
#: LAN: ip, mask. [C S1, S3]
DATA_LAN = 4
#: DHCPS (LAN DHCP server): enable, poolStart/End, leaseTime, dns rows. [C S1, S3]
DATA_DHCPS = 8
#: LINK: linkMode, linkType. [C S1, S3]
DATA_LINK = 22
#: LINK_STATUS: ip, mask, gateway, dns rows, status, code, upTime. [C S1, S3, S5]
DATA_LINK_STATUS = 23
#: STATIC_IP: ip, mask, gateway, dns rows, mtu (the DNS of a static WAN). [C S1, S3, B1]
DATA_STATIC_IP = 24
#: DHCPC: name, mtu, ucast, manualDns, dns rows, lastIp (the DNS of a DHCP WAN). [C S3, B1]
DATA_DHCPC = 25
#: PPPOE: name, paswd, manualDns, dns rows... (the DNS of a PPPoE WAN). [C S3, W1-W3]
DATA_PPPOE = 26
#: MBSSID_MAIN: the SSIDs (ids shift between generations: Mercury keeps guests in 35). [C S1, S3]
DATA_WLAN_MAIN = 33
#: CLOUD_CURRENT_USER_CFG: cloud account data (what the MR30G leak exposes). [C S3, S5]
DATA_CLOUD_USER_CFG = 68
#: WEB_SWITCH: feature switches ("router features" in the MR30G PoC). [C S3, S5]
DATA_WEB_SWITCH = 85

# --- stacks ---------------------------------------------------------------------------------

#: Stack of single-instance objects (0, 1, 22, 23, 24, 25, 26). [C S1, S3, S5]
STACK_SINGLE = "1,0,0"
#: Radio number, the first element of a Wi-Fi stack. [C S1]
BAND_INDEX: dict[Band, int] = {Band.GHZ_2_4: 1, Band.GHZ_5: 2}
#: Main SSIDs numbered from unit 0 (`33|1,0,0`, `33|2,0,0`): S3 reads with the default
#: stack 1,0,0 and names UNIT_MAIN = 0, UNIT_GUESTNETWORK = 1. [C S3]
WIFI_STACK_UNIT0 = "{band},0,0"
#: Main SSIDs numbered from unit 1 (`33|1,1,0`): the C80-class numbering (host 1, guest 2,
#: IoT 9). [C S1 on C80]
WIFI_STACK_UNIT1 = "{band},1,0"
#: Where each numbering keeps the guest network: on the unit-0 numbering the guest sits at
#: unit 1, the unit-1 numbering's main: reading `<band>,1,0` first could find a guest SSID
#: and write the customer's SSID into it. [C S1, S3]
WIFI_GUEST_STACK: dict[str, str] = {WIFI_STACK_UNIT0: "{band},1,0", WIFI_STACK_UNIT1: "{band},2,0"}
#: Discovery order, a read before any write: unit 0 first (it does not exist on the unit-1
#: numbering, whereas `<band>,1,0` exists on both, as the guest on unit-0 firmware). [G]
WIFI_STACK_ORDER = (WIFI_STACK_UNIT0, WIFI_STACK_UNIT1)

# --- request shape per model ------------------------------------------------------------------

#: `asyn` on reads: the UI and S3 read with asyn=1. [C S1, S3]
AC12G_READ_ASYN = 1
#: The MR30G PoC reads with asyn=0; we read the way it does. [C S5]
MR30G_READ_ASYN = 0
#: Ids the vulnerable MR30G answers without a session (S5 reads exactly these three). The
#: driver never relies on it; the simulator's open-read profile reproduces it. [C S5]
MR30G_OPEN_READ_IDS: frozenset[int] = frozenset({DATA_LINK_STATUS, DATA_CLOUD_USER_CFG,
                                                 DATA_WEB_SWITCH})

# --- login challenge (401 body, lines split on CRLF) ---------------------------------------------

#: Line [1]: the client state (FULL, LOCK, TIMEOUT, PSWERR, NORMAL...). [C S3]
CHALLENGE_STATE_LINE = 1
#: Line [2]: a failure counter on some builds; on the AC12G v1 it is the constant below. [G]
CHALLENGE_COUNTER_LINE = 2
#: Lines [3] and [4]: nonce and dictionary (the token is securityEncode of both). [C S1, S3, S4]
CHALLENGE_NONCE_LINE = 3
CHALLENGE_DICTIONARY_LINE = 4
#: The AC12G v1 answers six lines, `00007 / <n> / 00000 / nonce / dictionary / 00000`:
#: line [2] never moves, so it tells nothing about attempts. [C S4 PoC CVE-2026-36609]
SIX_LINE_CONSTANT = "00000"
#: Five-line builds: line [2] counts attempts *left* (if it counts failures, set False and
#: the driver computes `LOCK_THRESHOLD - counter`). A value the state contradicts (0 left
#: while not locked) is read as unknown, never as 0. [G]
COUNTER_IS_ATTEMPTS_LEFT = True
#: Failed code=7 logins before the AC12G v1 locks ("approximately 5"). [C S4 CVE-2026-36607]
LOCK_THRESHOLD = 5
#: How long that lock lasts (2 hours, per source IP). [C S4 CVE-2026-36607]
LOCK_SECONDS = 7200.0
#: Threshold the login policy assumes when the device hides its counter: 3 leaves a
#: margin under the "approximately 5" and allows at most two failures per session. [G]
DECLARED_LOCK_THRESHOLD = 3
#: Admin session idle timeout (S4 saw tokens never rotate, which says nothing of idle
#: sessions). [G]
SESSION_IDLE_S = 300.0
#: Length of the nonce; static per boot and source IP, so tokens repeat. [C S4 CVE-2026-36609]
NONCE_LENGTH = 32
#: Length of the dictionary ("group key") in the challenge. [C S4 CVE-2026-36609]
DICTIONARY_LENGTH = 255

# --- values on the wire -----------------------------------------------------------------------

#: String values travel percent-encoded (encodeURIComponent): S1 unquotes hardVer/softVer
#: and matches `modelName Archer%20C80`; W1 encodes the PPPoE user. [C reads S1, G writes]
VALUES_PERCENT_ENCODED = True

# --- LINK / LINK_STATUS ------------------------------------------------------------------------

#: linkType in id 22. [C S1 CONNECTION_TYPE_MAP, S3]
LINK_TYPE_DHCP = 0
LINK_TYPE_STATIC = 1
LINK_TYPE_PPPOE = 2
#: Where each link type keeps its WAN DNS: DHCP in DHCPC (25), static in STATIC_IP (24),
#: PPPoE in PPPOE (26). Fields [C S3, B1]; that the firmware uses the active type's object
#: and ignores the others [G].
DNS_OBJECT_BY_LINK_TYPE: dict[int, int] = {
    LINK_TYPE_DHCP: DATA_DHCPC,
    LINK_TYPE_STATIC: DATA_STATIC_IP,
    LINK_TYPE_PPPOE: DATA_PPPOE,
}
#: The PPPoE save always sends `id 22 linkType 2` after the id-26 block, even when it is
#: already 2: all three public writers do. [C W1-W3]
PPPOE_COMMIT_ALWAYS = True
#: `status` values in id 23. [C S3]
LINK_DOWN, LINK_UP, LINKING_UP, LINKING_DOWN = 0, 1, 2, 3
#: `code` values in id 23 that we map. [C S3]
LINK_CODE_NORMAL = 0
LINK_CODE_UNKNOWN = 2
LINK_CODE_PHY_DOWN = 4
LINK_CODE_NO_ECHO = 5
LINK_CODE_SERVER_DOWN = 6
LINK_CODE_AUTH_ERROR = 8
#: `upTime` in id 23 is in hundredths of a second. [C S1]
UPTIME_DIVISOR = 100

# --- PPPoE and DNS fields -----------------------------------------------------------------------

#: PPPoE user and password keys in id 26. [C W1-W3, B1]
PPPOE_USER_KEY = "name"
PPPOE_PASSWORD_KEY = "paswd"  # noqa: S105 - a field name
#: The other keys of id 26 the writers carry along. [C W1-W3]
PPPOE_OTHER_KEYS = (
    "svName", "acName", "fixipEnb", "fixip", "lcpMru", "linkType", "dialMode", "maxIdleTime",
)
#: WAN DNS override in ids 25/26: `manualDns 1` plus rows `dns 0` / `dns 1`. [C W1-W3, B1]
MANUAL_DNS_KEY = "manualDns"
DNS_ROW_KEY = "dns"
#: `manualDns 0` means "use the DNS the ISP hands out" (the rows then read 0.0.0.0). [C W1-W3]
MANUAL_DNS_ON, MANUAL_DNS_OFF = "1", "0"

# --- Wi-Fi fields in id 33 ------------------------------------------------------------------------

#: SSID, WPA key, radio on/off. [C S1 bEnable, B1 cSsid/cPskSecret]
WIFI_SSID_KEY = "cSsid"
WIFI_PSK_KEY = "cPskSecret"
WIFI_ENABLE_KEY = "bEnable"

#: Keys whose values are secrets: never shown in a repr, a log line or an error. [C, from above]
SECRET_KEYS = frozenset({PPPOE_PASSWORD_KEY, WIFI_PSK_KEY})

# --- error replies (the 5-digit codes: S3 constants table) -------------------------------------

#: Errors come back with HTTP 200 and the code on the first line; only EUNAUTH (00007)
#: uses 401: S1 reads `00006` from a 2xx answer, S4 reads `00120` after code=10. [C S1, S4]
ERRORS_USE_HTTP_200 = True
#: Which code the firmware picks for which refusal (numbers from S3, choice [G]):
ERR_BAD_ARGUMENT = 2  # EINVARG: unknown data id, stack or key
ERR_BAD_FORMAT = 3  # EINVFMT: body we cannot parse
ERR_BAD_CODE = 5  # EINVCODE: unknown `code=`
ERR_FORBIDDEN = 6  # EFORBID: write to a read-only object
ERR_WAN_TYPE = 21  # EWANTYPE: linkType out of range
ERR_PRIMARY_DNS = 46  # EINVFDNSVR
ERR_SECONDARY_DNS = 47  # EINVSDNSVR
ERR_BOOL = 69  # EINVBOOL
ERR_SSID_LENGTH = 70  # EINVSSIDLEN
ERR_PSK_LENGTH = 77  # EINVPSKLEN
ERR_NAME_BLANK = 100  # ENAMEBLANK
ERR_PASSWORD_BLANK = 101  # EPWDBLANK

# --- identity and the login page ------------------------------------------------------------------

#: The classic web UI loads its crypto from /lib/Quary.js, served without login. [C S4]
LOGIN_SCRIPT = "/lib/Quary.js"
#: The login page's <title> holds the model name (how the probe tells AC12G from MR30G). [G]
LOGIN_TITLE_IS_MODEL = True
#: modelName / hardVer values; hardVer like "AC12G 3.0" on a v3 unit (S2 #45). [G v1 values]
AC12G_MODEL_NAME = "AC12G"
AC12G_HARDWARE = "AC12G 1.0"
#: softVer of the two AC12G v1 builds the advisories tested (200909, 210128); the version
#: digits and "Rel." counter follow the TP-Link format of S2 #45 and FM. [G digits, C builds S4]
AC12G_FIRMWARE_200909 = "1.0.1 Build 200909 Rel.{rel}n"
AC12G_FIRMWARE_210128 = "1.0.2 Build 210128 Rel.{rel}n"
#: The MR30G product class (FM's TR-069 identifier). [C FM]
MR30G_MODEL_NAME = "MR30G"
MR30G_HARDWARE = "MR30G 1.0"  # [G]
#: The MR30G firmware Flashman (a Brazilian ACS) offers as the upgrade target. [C FM]
MR30G_FIRMWARE_CURRENT = "1.5.13 Build 220428 Rel.41353n(4252)"
#: An older MR30G build for the open-read profile (S5 names no version). [G]
MR30G_FIRMWARE_OLD = "1.0.0 Build 211102 Rel.{rel}n"


# --- evidence ledger ------------------------------------------------------------------------------

_S1_C80 = "AlexandrErohin/TP-Link-Archer-C6U:tplinkrouterc6u/client/c80.py"
_S3_CONST = "Blockzilla101/mercusys-cli:src/api/constants.ts"
_S3_SESSION = "Blockzilla101/mercusys-cli:src/api/user-session.ts"
_S3_CLIENT = "Blockzilla101/mercusys-cli:src/api/client.ts"
_S4_README = "Tymbark7372/MERCUSYS-AC12G:README.md"
_S4_36607 = "Tymbark7372/MERCUSYS-AC12G:advisories/CVE-2026-36607.md"
_S4_36609 = "Tymbark7372/MERCUSYS-AC12G:advisories/CVE-2026-36609.md"
_S4_POC_36609 = "Tymbark7372/MERCUSYS-AC12G:pocs/poc_CVE-2026-36609.py"
_S4_POC_36607 = "Tymbark7372/MERCUSYS-AC12G:pocs/poc_CVE-2026-36607.py"
_S5 = "2u1fuk4r/mercusys-mr30g-auth-bypass:mrg30-poc.sh"
_S2_45 = "AlexandrErohin/home-assistant-tplink-router#45"
_FM = "rilpires/flashman:controllers/external-genieacs/cpe-models/mercusys-mr30g.js"
_W1 = "public code #1772578239 (Mercury PPPoE writer, Java/Android; repository unnamed)"
_W2 = "public code #21133675480 (Mercury PPPoE writer, C#; repository unnamed)"
_W3 = "public code #14579729432 (Mercury PPPoE writer, Java; repository unnamed)"
_B1 = "public code #69610154258 (Mercury block map read live from a unit; repository unnamed)"
_W4 = "public code #69426947277 (Python classic-UI panel writing manualDns 0/1; unnamed)"

_C, _K, _G = Grade.CONFIRMED, Grade.CORROBORATED, Grade.GUESSED


def _err(name: str, code_name: str) -> Fact:
    return Fact(
        name, _G, f"the firmware answers {code_name} for this refusal",
        note=f"{code_name}'s number is in {_S3_CONST}; which refusal uses it is our guess",
    )


LEDGER: tuple[Fact, ...] = (
    Fact("DATA_DEVICE", _K, "id 0 holds hardVer, modelName, softVer", (_S1_C80, _S3_CONST)),
    Fact("DATA_SYSTEM", _K, "id 1 holds the LAN and WAN MACs", (_S1_C80, _S3_CONST)),
    Fact("DATA_LAN", _K, "id 4 holds the LAN ip/mask", (_S1_C80, _S3_CONST)),
    Fact("DATA_DHCPS", _K, "id 8 is the LAN DHCP server", (_S1_C80, _S3_CONST)),
    Fact("DATA_LINK", _K, "id 22 holds linkMode/linkType", (_S1_C80, _S3_CONST, _W1)),
    Fact("DATA_LINK_STATUS", _K, "id 23 is the WAN status", (_S1_C80, _S3_CONST, _S5)),
    Fact("DATA_STATIC_IP", _K, "id 24 is the static WAN (ip/mask/gateway/dns/mtu)",
         (_S1_C80, _S3_CONST, _B1)),
    Fact("DATA_DHCPC", _K, "id 25 is the DHCP WAN, with manualDns and dns rows",
         (_S3_CONST, _B1), note="B1 read it live on a Mercury unit"),
    Fact("DATA_PPPOE", _K, "id 26 is the PPPoE WAN (name, paswd, manualDns, dns rows)",
         (_S3_CONST, _W1, _W2, _W3, _B1)),
    Fact("DATA_WLAN_MAIN", _K, "id 33 holds the SSIDs", (_S1_C80, _S3_CONST, _B1),
         note="Mercury MW325R keeps guests in 35 (B1); ids shift between generations"),
    Fact("DATA_CLOUD_USER_CFG", _K, "id 68 is the cloud account object", (_S3_CONST, _S5)),
    Fact("DATA_WEB_SWITCH", _K, "id 85 holds feature switches", (_S3_CONST, _S5)),
    Fact("STACK_SINGLE", _K, "single objects use stack 1,0,0", (_S1_C80, _S3_CLIENT, _S5)),
    Fact("BAND_INDEX", _K, "radio 1 = 2.4 GHz, radio 2 = 5 GHz", (_S1_C80,)),
    Fact("WIFI_STACK_UNIT0", _K, "main SSIDs at 33|<band>,0,0", (_S3_CLIENT, _S3_CONST),
         note="S3 reads with the default layer 1,0,0; UNIT_MAIN = 0"),
    Fact("WIFI_STACK_UNIT1", _K, "main SSIDs at 33|<band>,1,0 on C80-class firmware",
         (_S1_C80,), note="our former only layout; not seen on a Mercusys"),
    Fact("WIFI_GUEST_STACK", _K, "guest unit per numbering (1 on unit-0, 2 on unit-1)",
         (_S3_CONST, _S1_C80)),
    Fact("WIFI_STACK_ORDER", _G, "discovery reads unit 0 before unit 1",
         note="unit 1 is the guest on unit-0 firmware: never try it first"),
    Fact("AC12G_READ_ASYN", _K, "reads use asyn=1", (_S3_CLIENT, _S1_C80)),
    Fact("MR30G_READ_ASYN", _K, "the MR30G PoC reads with asyn=0", (_S5,)),
    Fact("MR30G_OPEN_READ_IDS", _K, "a vulnerable MR30G answers ids 23, 68, 85 unauthenticated",
         (_S5,), note="no firmware version or CVE published (CVE pending)"),
    Fact("CHALLENGE_STATE_LINE", _K, "401 line [1] is the client state", (_S3_SESSION,),
         note="S4's PoC labels line [1] 'attempts' without a recorded value"),
    Fact("CHALLENGE_COUNTER_LINE", _G, "401 line [2] counts attempts on five-line builds",
         note="S3 stores it without reading it; on the AC12G v1 it is constant (S4)"),
    Fact("CHALLENGE_NONCE_LINE", _K, "401 line [3] is the nonce",
         (_S1_C80, _S3_SESSION, _S4_POC_36609)),
    Fact("CHALLENGE_DICTIONARY_LINE", _K, "401 line [4] is the dictionary",
         (_S1_C80, _S3_SESSION, _S4_POC_36609)),
    Fact("SIX_LINE_CONSTANT", _C, "AC12G v1 answers six lines, [2] and [5] always 00000",
         (_S4_POC_36609,), note="firmware AC12G(EU)_V1_210128"),
    Fact("COUNTER_IS_ATTEMPTS_LEFT", _G, "a five-line counter counts attempts left"),
    Fact("LOCK_THRESHOLD", _C, "the AC12G v1 locks code=7 after about 5 failures",
         (_S4_36607, _S4_POC_36607), note="'approximately 5'; per source IP"),
    Fact("LOCK_SECONDS", _C, "the lock lasts about 2 hours", (_S4_36607,)),
    Fact("DECLARED_LOCK_THRESHOLD", _G, "policy assumes 3 when no counter is shown",
         note="margin under S4's approximate 5: at most two failures per session"),
    Fact("SESSION_IDLE_S", _G, "an idle admin session ends after 300 s",
         note="S4: tokens never rotate within a boot; idle expiry not documented"),
    Fact("NONCE_LENGTH", _C, "the nonce has 32 characters", (_S4_36609,)),
    Fact("DICTIONARY_LENGTH", _C, "the challenge dictionary has 255 characters",
         (_S4_36609, _S3_SESSION)),
    Fact("VALUES_PERCENT_ENCODED", _K, "string values travel percent-encoded", (_S1_C80, _W1),
         note="reads corroborated; writes: W1 encodes, W2 sends the password raw, and a C80 "
         "bot's fixture shows a raw SSID with a space"),
    Fact("LINK_TYPE_DHCP", _K, "linkType 0 = DHCP", (_S1_C80, _S3_CONST)),
    Fact("LINK_TYPE_STATIC", _K, "linkType 1 = static", (_S1_C80, _S3_CONST)),
    Fact("LINK_TYPE_PPPOE", _K, "linkType 2 = PPPoE", (_S1_C80, _S3_CONST, _W1)),
    Fact("DNS_OBJECT_BY_LINK_TYPE", _G, "the WAN DNS lives in 25/24/26 by link type",
         note=f"fields corroborated ({_S3_CONST}; {_B1}); which one the firmware applies "
         "is our reading"),
    Fact("PPPOE_COMMIT_ALWAYS", _K, "a PPPoE save ends with id 22 linkType 2",
         (_W1, _W2, _W3)),
    Fact("LINK_DOWN", _K, "id 23 status 0 = down", (_S3_CONST,)),
    Fact("LINK_UP", _K, "id 23 status 1 = up", (_S3_CONST,)),
    Fact("LINKING_UP", _K, "id 23 status 2 = linking up", (_S3_CONST,)),
    Fact("LINKING_DOWN", _K, "id 23 status 3 = linking down", (_S3_CONST,)),
    Fact("LINK_CODE_NORMAL", _K, "id 23 code 0 = normal", (_S3_CONST,)),
    Fact("LINK_CODE_UNKNOWN", _K, "id 23 code 2 = unknown", (_S3_CONST,)),
    Fact("LINK_CODE_PHY_DOWN", _K, "id 23 code 4 = cable down", (_S3_CONST,)),
    Fact("LINK_CODE_NO_ECHO", _K, "id 23 code 5 = no echo", (_S3_CONST,)),
    Fact("LINK_CODE_SERVER_DOWN", _K, "id 23 code 6 = server down", (_S3_CONST,)),
    Fact("LINK_CODE_AUTH_ERROR", _K, "id 23 code 8 = PPPoE authentication error", (_S3_CONST,)),
    Fact("UPTIME_DIVISOR", _K, "upTime is in hundredths of a second", (_S1_C80,),
         note="it is the WAN uptime; reported as the device's uptime_s (our choice)"),
    Fact("PPPOE_USER_KEY", _K, "id 26 `name` is the PPPoE user", (_W1, _W2, _W3, _B1)),
    Fact("PPPOE_PASSWORD_KEY", _K, "id 26 `paswd` is the PPPoE password", (_W1, _W2, _W3, _B1),
         note="B1: reads show it blank on Mercury (blank = keep)"),
    Fact("PPPOE_OTHER_KEYS", _K, "the other id-26 keys writers send", (_W1, _W2, _W3)),
    Fact("MANUAL_DNS_KEY", _K, "`manualDns` switches the WAN DNS override", (_W1, _W4, _B1)),
    Fact("DNS_ROW_KEY", _K, "DNS rows are `dns 0 <ip>` / `dns 1 <ip>`", (_S1_C80, _W1)),
    Fact("MANUAL_DNS_ON", _K, "manualDns 1 = use the rows", (_W4,)),
    Fact("MANUAL_DNS_OFF", _K, "manualDns 0 = ISP DNS, rows 0.0.0.0", (_W1, _W2, _W3)),
    Fact("WIFI_SSID_KEY", _K, "id 33 `cSsid` is the SSID", (_B1,)),
    Fact("WIFI_PSK_KEY", _K, "id 33 `cPskSecret` is the WPA key", (_B1,)),
    Fact("WIFI_ENABLE_KEY", _K, "id 33 `bEnable` switches the SSID", (_S1_C80,)),
    Fact("SECRET_KEYS", _K, "paswd and cPskSecret carry secrets", (_W1, _B1)),
    Fact("ERRORS_USE_HTTP_200", _K, "refusals answer HTTP 200 with the code",
         (_S1_C80, _S4_POC_36607)),
    _err("ERR_BAD_ARGUMENT", "EINVARG"),
    _err("ERR_BAD_FORMAT", "EINVFMT"),
    _err("ERR_BAD_CODE", "EINVCODE"),
    _err("ERR_FORBIDDEN", "EFORBID"),
    _err("ERR_WAN_TYPE", "EWANTYPE"),
    _err("ERR_PRIMARY_DNS", "EINVFDNSVR"),
    _err("ERR_SECONDARY_DNS", "EINVSDNSVR"),
    _err("ERR_BOOL", "EINVBOOL"),
    _err("ERR_SSID_LENGTH", "EINVSSIDLEN"),
    _err("ERR_PSK_LENGTH", "EINVPSKLEN"),
    _err("ERR_NAME_BLANK", "ENAMEBLANK"),
    _err("ERR_PASSWORD_BLANK", "EPWDBLANK"),
    Fact("LOGIN_SCRIPT", _C, "the login page loads /lib/Quary.js without login",
         (_S4_36607, _S4_36609)),
    Fact("LOGIN_TITLE_IS_MODEL", _G, "the login page title names the model"),
    Fact("AC12G_MODEL_NAME", _G, "AC12G v1 reports modelName AC12G",
         note=f"name from {_S4_README}"),
    Fact("AC12G_HARDWARE", _G, "AC12G v1 reports hardVer 'AC12G 1.0'",
         note=f"format of a v3 unit in {_S2_45}"),
    Fact("AC12G_FIRMWARE_200909", _G, "softVer of the 200909 build",
         note=f"build date confirmed in {_S4_README}; digits follow {_S2_45}"),
    Fact("AC12G_FIRMWARE_210128", _G, "softVer of the 210128 build",
         note=f"build date confirmed in {_S4_README}; digits follow {_S2_45}"),
    Fact("MR30G_MODEL_NAME", _K, "MR30G reports model MR30G", (_FM,)),
    Fact("MR30G_HARDWARE", _G, "MR30G v1 reports hardVer 'MR30G 1.0'"),
    Fact("MR30G_FIRMWARE_CURRENT", _K, "a current MR30G softVer", (_FM,)),
    Fact("MR30G_FIRMWARE_OLD", _G, "an older MR30G softVer (open-read profile)",
         note=f"{_S5} names no version"),
)
