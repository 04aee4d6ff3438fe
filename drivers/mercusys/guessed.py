"""Every Mercusys detail that public sources did not confirm, in one place.

Imported by both the driver and the simulator, so one capture from a real unit (the
browser's own requests, read-only first) corrects both in one edit. Tags follow the
protocol note `shared/docs/protocols/tplink-mercusys.md`: [I] seen once or indirectly,
[G] our guess. Each item names the section of the note it comes from.
"""

from __future__ import annotations

from cpe.models import Band

# --- data ids (§1 "Data ids"; numbers [C] for Mercusys MW306R in S3, [I] for AC12G/MR30G) ---

#: DEVICE: hardVer, modelName, softVer. [I] §1 "Data ids"
DATA_DEVICE = 0
#: SYSTEM: `mac 0` LAN, `mac 1` WAN. [I] §1 "Data ids"
DATA_SYSTEM = 1
#: LINK: linkMode, linkType. [I] §1 "Data ids"
DATA_LINK = 22
#: LINK_STATUS: ip, dns 0/1, status, code, upTime. [I] §1 "Data ids"
DATA_LINK_STATUS = 23
#: PPPOE: name, paswd, manualDns, dns 0/1 ... [I] §1 "Data ids" and "Write"
DATA_PPPOE = 26
#: MBSSID_MAIN: the main SSIDs (ids shift between generations). [I] §1 "Data ids"
DATA_WLAN_MAIN = 33

# --- stacks (§1 "Write": "Stack format on classic Mercusys may be `1,0,0` — verify") ---

#: Stack of single-instance objects (0, 1, 22, 23, 26). [I] §1 "Read"/"Write"
STACK_SINGLE = "1,0,0"
#: Radio number inside a Wi-Fi stack. [C] for C80-class builds (S1), [I] here.
BAND_INDEX: dict[Band, int] = {Band.GHZ_2_4: 1, Band.GHZ_5: 2}
#: AC12G main-SSID stack `<band>,1,0` (C80/EC225 layout). [I] §1 "Data ids"
AC12G_WIFI_STACK = "{band},1,0"
#: MR30G main-SSID stack `<band>,0,0`: older Mercusys builds number the main unit 0
#: (S3 constants: UNIT_MAIN = 0). [G] §1 "Data ids"
MR30G_WIFI_STACK = "{band},0,0"

# --- request shape per model ------------------------------------------------------------

#: `asyn` on reads: the AC12G UI reads with asyn=1. [C S3] §1 "code values"
AC12G_READ_ASYN = 1
#: The MR30G PoC reads with asyn=0 (S5); we read the way it does. [I] §0 / §1 "Read"
MR30G_READ_ASYN = 0
#: Ids the MR30G answers without a token (S5 PoC reads 23, 68, 85; we only model 23,
#: the one we use). The driver never relies on it; the simulator reproduces it. [I] §1
MR30G_OPEN_READ_IDS: frozenset[int] = frozenset({DATA_LINK_STATUS})

# --- login challenge (§1 "Login handshake", "Client-state codes", "Lockout") ----------------

#: Line [2] of the 401 challenge counts *remaining* attempts before the lock (the UI
#: shows "N attempts left"); if a capture shows it counts failures instead, set False and
#: the driver computes `LOCK_THRESHOLD - counter`. [G] §1 "Lockout"
COUNTER_IS_ATTEMPTS_LEFT = True
#: Failed code=7 logins before the AC12G v1 locks. [I S4 CVE-36607] §1 "Lockout"
LOCK_THRESHOLD = 5
#: How long the lock lasts (not published for these models). [G] §1 "Lockout"
LOCK_SECONDS = 300.0
#: Admin session idle timeout. [G] §1 "Session"
SESSION_IDLE_S = 300.0
#: Length of the nonce ("short code", line [3]); static per boot and source IP on the
#: AC12G v1 (S4 CVE-36609), which the simulator reproduces. [G length, I behaviour] §1
NONCE_LENGTH = 15

# --- values on the wire (§1 "Read", §8 "Keep special characters out of SSID/PSK") ----------

#: String values travel percent-encoded (encodeURIComponent) in both directions: reads
#: show `modelName Archer%20C80` (S1) and one writer encoded the PPPoE user (S11). With
#: every value encoded, a value never holds a space and `key idx value` rows parse
#: unambiguously. [I reads, G writes] §1 "Read"/"Write"
VALUES_PERCENT_ENCODED = True

# --- LINK / LINK_STATUS (§1 "Data ids") -------------------------------------------------------

#: linkType in id 22. [C S1 c80] §1
LINK_TYPE_DHCP = 0
LINK_TYPE_STATIC = 1
LINK_TYPE_PPPOE = 2
#: The PPPoE save always sends `id 22 linkType 2`, even when it is already 2: both public
#: Mercury writers do, and it is what makes the firmware redial. [I S11] §1 "Write"
PPPOE_COMMIT_ALWAYS = True
#: `status` values in id 23. [C S3] §1
LINK_DOWN, LINK_UP, LINKING_UP, LINKING_DOWN = 0, 1, 2, 3
#: `code` values in id 23 that we map. [C S3 constants; meaning on these models I] §1
LINK_CODE_NORMAL = 0
LINK_CODE_UNKNOWN = 2
LINK_CODE_PHY_DOWN = 4
LINK_CODE_NO_ECHO = 5
LINK_CODE_SERVER_DOWN = 6
LINK_CODE_AUTH_ERROR = 8
#: `upTime` in id 23 is in hundredths of a second (S1 divides by 100). It is the WAN
#: uptime; no documented id carries the system uptime, so the driver reports it as the
#: device's `uptime_s`. [C unit, G use] §1 "Data ids"
UPTIME_DIVISOR = 100

# --- PPPoE and DNS fields in id 26 (§1 "Write") ------------------------------------------

#: PPPoE user and password keys. [I, two independent Mercury writers]
PPPOE_USER_KEY = "name"
PPPOE_PASSWORD_KEY = "paswd"  # noqa: S105 - a field name
#: The other keys of id 26 the writers carry along. [I]
PPPOE_OTHER_KEYS = (
    "svName", "acName", "fixipEnb", "fixip", "lcpMru", "linkType", "dialMode", "maxIdleTime",
)
#: WAN DNS override: `manualDns 1` plus rows `dns 0` / `dns 1`; `manualDns 0` means "use
#: the DNS the ISP hands out" and the rows then read 0.0.0.0. [G semantics, I names]
MANUAL_DNS_KEY = "manualDns"
DNS_ROW_KEY = "dns"
MANUAL_DNS_ON, MANUAL_DNS_OFF = "1", "0"

# --- Wi-Fi fields in id 33 (§1 "Data ids", "Write") -----------------------------------------

#: SSID, WPA key, radio on/off. [I field names, C write path S1]
WIFI_SSID_KEY = "cSsid"
WIFI_PSK_KEY = "cPskSecret"
WIFI_ENABLE_KEY = "bEnable"

#: Keys whose values are secrets: never shown in a repr, a log line or an error.
SECRET_KEYS = frozenset({PPPOE_PASSWORD_KEY, WIFI_PSK_KEY})

# --- error replies (§1 "Write": error bodies start with a non-zero 5-digit code) -----------

#: Errors come back with HTTP 200 and the code on the first line; only EUNAUTH (00007)
#: uses HTTP 401. [G] §1 "Write"
ERRORS_USE_HTTP_200 = True
#: Which code the firmware picks for which refusal (codes from S3's list, choice [G]):
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

# --- identity (§0 table; S4 firmware names, MR30G [G]) ------------------------------------

#: modelName / hardVer / softVer patterns; "{rel}" is a build counter.
AC12G_MODEL_NAME = "AC12G"
AC12G_HARDWARE = "AC12G v1.0"
AC12G_FIRMWARE = "1.0.1 Build 200909 Rel.{rel}"  # S4 tested AC12G(EU)_V1_200909 [I]
MR30G_MODEL_NAME = "MR30G"
MR30G_HARDWARE = "MR30G v1.0"
MR30G_FIRMWARE = "1.0.0 Build 211102 Rel.{rel}"  # [G]
