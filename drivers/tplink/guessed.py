"""Every TP-Link ONU detail that is not a plain public-client fact, with its evidence.

Imported by both the driver and the simulator, so one capture from a real XC220-G3v /
XZ000-G3 (the browser's own requests, read-only first) corrects both in one edit. The
module ends with `LEDGER`: one `Fact` per constant, graded `confirmed` (seen in a capture
or the firmware's own files), `corroborated` (public clients for the EX web stack rely on
it; each source is "owner/repo:path", an issue or a pull request) or `guessed`.

Sources that are public but whose repository was never recorded (the protocol note's S11:
a gdprJson.ts client for EX220/NE200, an Android app for the XGB430v, a VX800v client)
cannot be followed by a reader, so a fact resting only on them stays `guessed`; it names
them, and moves up the day their repository is recorded. Names the public EX client _S1
(AlexandrErohin/TP-Link-Archer-C6U) itself sends live in `protocol.py`.
"""

from __future__ import annotations

from cpe.models import WanError
from drivers.evidence import Fact, Grade
from drivers.tplink.crypto import CipherProfile

# --- accounts and login (§4 "Login", §3 "71233") -------------------------------------------

#: Account used when the vault names none: the EX firmware default (`admin` also exists on
#: ISP builds and sees the WAN/PON pages).
DEFAULT_USERNAME = "user"
#: The XZ000-G3 web UI account (its firmware default; the vault holds the real password).
BRIDGE_DEFAULT_USERNAME = "admin"
#: `currAuthTimes` in the 71233 answer counts the attempts *left* before the lock. If a
#: capture shows it counts failures instead, set False: the driver then computes
#: `LOCK_THRESHOLD - currAuthTimes` and the simulator sends the failure count.
CURR_AUTH_TIMES_IS_REMAINING = True
#: Failed logins before the lock.
LOCK_THRESHOLD = 5
#: Lock length (`currForbidTime` counts it down in seconds).
LOCK_SECONDS = 600.0
#: Web session idle timeout.
SESSION_IDLE_S = 300.0
#: `$.ret` of a correct login while another client holds the one admin session.
RET_USER_CONFLICT = 71235

# --- transport, session and error answers ---------------------------------------------------

#: Accept-Encoding the driver sends: an XX230v (the XC220-G3v's GPON sibling) refuses
#: requests offering gzip.
ACCEPT_ENCODING = "identity"
#: HTTP status for an act whose TokenID/JSESSIONID is missing, wrong or expired; the
#: driver logs in again once on it.
SESSION_REFUSED_STATUS = 406
#: HTTP status for a body whose `sign` does not check out on raw-RSA firmware (bad RSA
#: block, wrong `s`, wrong `h`).
BAD_SIGN_STATUS = 400
#: OAEP firmware answers a `sign` it cannot open by closing the connection, with no code.
BAD_SIGN_CLOSES_CONNECTION = True
#: `errorcode` for a stack naming no instance.
ERR_NO_INSTANCE = 9003
#: `errorcode` for an unknown object or field (CWMP fault numbering, like 9003).
ERR_BAD_NAME = 9005
#: `errorcode` for a value the firmware refuses (CWMP "invalid parameter value").
ERR_BAD_VALUE = 9007

# --- cipher profiles (§4 "AES-CBC, or AES-GCM on newer fw") ---------------------------------

#: AES-CBC bodies, 16-digit key and IV sent as ASCII in a raw-RSA sign.
PROFILE_CBC = CipherProfile("cbc", aes="cbc", rsa="raw")
#: AES-GCM bodies (12-digit nonce, `tag=` line), key and nonce base64 in a raw-RSA sign.
PROFILE_GCM = CipherProfile("gcm", aes="gcm", rsa="raw")
#: AES-GCM bodies with an RSA-OAEP (SHA-1) sign: 22-byte chunks on a 512-bit key.
PROFILE_GCM_OAEP = CipherProfile("gcm-oaep", aes="gcm", rsa="oaep")
#: The order profiles are tried in when nothing is known about a device yet. Every
#: profile answers a login it cannot open with something that does not decrypt, so a try
#: in the wrong profile spends no password attempt (see CIPHER_TRIAL_IS_FREE).
PROFILE_TRIAL_ORDER = (PROFILE_CBC, PROFILE_GCM, PROFILE_GCM_OAEP)
#: A login the firmware cannot decrypt (wrong cipher or sign padding) is not counted as a
#: failed attempt: it never reaches the password check. False: try only the first
#: candidate (plus what the login page's scripts say) and stop with Unsupported.
CIPHER_TRIAL_IS_FREE = True
#: Model key -> profile name, to pin a model's firmware (empty: detect per device).
PROFILE_BY_MODEL: dict[str, str] = {}
#: How GCM answers carry their tag: "split" = base64(ct) + base64(tag), "joined" =
#: base64(ct + tag). The driver reads both; the simulator offers both.
GCM_REPLY_TAG_LAYOUTS = ("split", "joined")
#: The login page's crypto script, and the line OAEP firmware has in it.
TPENCRYPT_JS_PATH = "/js/tpEncrypt.js"
OAEP_JS_MARKER = "$.rsa.encryptOAEP"
#: What the same script calls on raw-RSA firmware (only the OAEP line is published).
RAW_JS_MARKER = "= $.rsa.encrypt;"
#: The web UI library that names the key-exchange URL (`cgi/getGDPRParm`).
LIB_JS_PATH = "/js/lib.js"
#: JSON fields of an ECC (NIST P-224) key exchange that replaced RSA on some MR
#: firmware: no profile here speaks it, the driver stops with Unsupported naming it.
ECC_KEY_FIELDS = ("eccPubKey_X_HEX", "eccPubKey_Y_HEX")

# --- WAN objects (§4) ------------------------------------------------------------------------

#: Object holding the PPPoE credentials, written with `so` at the WAN's stack.
PPPOE_OID = "DEV2_ADT_WAN"
#: PPPoE username/password fields of that object.
PPPOE_USER_FIELD = "PPPUserName"
PPPOE_PASSWORD_FIELD = "PPPPassword"  # noqa: S105 - a field name, not a secret
#: Manual DNS switch and servers on the WAN ("1" / "a,b").
DNS_OID = "DEV2_ADT_WAN"
DNS_MANUAL_FIELD = "specifiedDnsv4Enabled"
DNS_SERVERS_FIELD = "connIPv4DnsServer"
#: Connection state field and its values.
WAN_STATUS_FIELD = "connStatusV4"
WAN_STATUS_UP = "Connected"
WAN_STATUS_DOWN = "Disconnected"
WAN_STATUS_CONNECTING = "Connecting"
#: Why the last dial failed, with TR-181 Device.PPP.Interface.LastConnectionError values.
WAN_ERROR_FIELD = "PPPLastConnError"
WAN_ERROR_CODES: dict[WanError, str] = {
    WanError.PPPOE_AUTH: "ERROR_AUTHENTICATION_FAILURE",
    WanError.NO_SERVER: "ERROR_ISP_TIME_OUT",
    WanError.LINK_DOWN: "ERROR_NO_CARRIER",
    WanError.CONNECTING: "ERROR_NONE",
    WanError.OTHER: "ERROR_UNKNOWN",
}
#: Connection type field of a WAN entry, and the values seen in it.
WAN_CONN_TYPE_FIELD = "connType"
WAN_TYPE_BY_CONN_TYPE: dict[str, str] = {"PPPoE": "pppoe", "DHCP": "dhcp"}
#: Values nobody has published for static and bridged WANs.
WAN_TYPE_BY_CONN_TYPE_GUESSED: dict[str, str] = {"Static": "static", "Bridge": "bridge"}
#: Connection type from the WAN `name` prefix, when `connType` is absent.
WAN_TYPE_BY_PREFIX: tuple[tuple[str, str], ...] = (("pppoe_", "pppoe"), ("ipoe_", "dhcp"))
WAN_TYPE_BY_PREFIX_GUESSED: tuple[tuple[str, str], ...] = (
    ("static_", "static"),
    ("bridge_", "bridge"),
)

# --- device info and Wi-Fi ---------------------------------------------------------------------

#: Uptime in seconds on DEV2_DEV_INFO.
UPTIME_FIELD = "upTime"
#: Wi-Fi passphrase of the main network on DEV2_ADT_WIFI_COMMON.
WIFI_PSK_FIELD = "primaryPSK"
#: Guest network name and passphrase on the same object (`guestEnable` is in protocol.py).
WIFI_GUEST_SSID_FIELD = "guestSSID"
WIFI_GUEST_PSK_FIELD = "guestPSK"

# --- optics (§4 "S8 lists ... PON RX/TX power"; web object unknown) ------------------------

#: The GPON interface statistics object, read with `gl` (first instance).
OPTICAL_OID = "DEV2_GPON_INTF_STATS"
#: Received/transmitted optical power fields of that object.
OPTICAL_RX_FIELD = "rxPower"
OPTICAL_TX_FIELD = "txPower"
#: Unit of the power fields: integers in 0.1 dBm ("-195" = -19.5 dBm).
OPTICAL_UNIT_DBM = 0.1
#: PON registration: TR-181 Device.XPON.ONU.1.ANI.1.Status ("Up" when ranged).
PON_OID = "DEV2_XPON_ONU_ANI"
PON_STACK = "1,1,0,0,0,0"
PON_STATUS_FIELD = "status"
PON_STATUS_UP = "Up"


# --- the evidence ledger ----------------------------------------------------------------------

_S1 = "AlexandrErohin/TP-Link-Archer-C6U"
_S1_EX = f"{_S1}:tplinkrouterc6u/client/ex.py"
_S1_MR = f"{_S1}:tplinkrouterc6u/client/mr.py"
_S1_ENC = f"{_S1}:tplinkrouterc6u/common/encryption.py"
_S1_PROVIDER = f"{_S1}:tplinkrouterc6u/provider.py"
_HA393 = "AlexandrErohin/home-assistant-tplink-router#393 (EX920 fw 3.2.2 capture)"
_PR104 = f"{_S1}#104 (VX231v: GCM, base64 key/iv)"
_PR143 = f"{_S1}#143 + tplinkrouterc6u/client/vx220.py (VX220-G2v: GCM, OAEP, joined tag)"
_WAN_GO = "ikholmatov/tplink-wan:main.go (XX230v GPON)"
_WAN_README = "ikholmatov/tplink-wan:README.md (XX230v wan-list output)"
_XZ000 = "hack-gpon/hack-gpon.github.io:_ont/ont-tplink-xz000-g3.md"
#: Public, repository not recorded (protocol note S11): named, never enough to corroborate.
_S11_TS = "S11 gdprJson.ts DEV2_ADT_WAN/DEV2_DEV_INFO types (EX220/NE200; repo not recorded)"
_S11_APP = "S11 es.routerapp Catalog.kt (XGB430v Pro live reads; repo not recorded)"
_S11_VX = "S11 VX800v client on tplinkrouterc6u (repo not recorded)"

_C, _O, _G = Grade.CONFIRMED, Grade.CORROBORATED, Grade.GUESSED

LEDGER: tuple[Fact, ...] = (
    Fact("DEFAULT_USERNAME", _O, "the EX web UI logs in as `user` by default",
         (_S1_EX, _WAN_README, "AlexandrErohin/home-assistant-tplink-router#170")),
    Fact("BRIDGE_DEFAULT_USERNAME", _O, "XZ000-G3 web UI account is `admin`", (_XZ000,),
         "the page calls the XZ000-G3 a TCLinux build; its web protocol is not published"),
    Fact("CURR_AUTH_TIMES_IS_REMAINING", _G, "currAuthTimes counts the attempts left",
         (_S1_MR,), "S1 prints it as 'Auth times: x/5', which reads like failures. If so, "
         "our reading of a first failure (1) is 'one left' and the driver stops early; it "
         "errs unsafely only after 3 failures pile up across runs (the failure ledger's job)"),
    Fact("LOCK_THRESHOLD", _O, "five failed logins lock the web UI", (_S1_MR,)),
    Fact("LOCK_SECONDS", _G, "lock lasts 600 s (currForbidTime counts it down)"),
    Fact("SESSION_IDLE_S", _G, "an idle web session expires after 300 s"),
    Fact("RET_USER_CONFLICT", _G, "$.ret 71235 when another admin holds the session",
         note="our number next to 71233/71234; capture the real one"),
    Fact("ACCEPT_ENCODING", _O, "send Accept-Encoding: identity (gzip is refused)", (_WAN_GO,),
         "seen on the XX230v; the simulator accepts gzip too, since S1 sends it"),
    Fact("SESSION_REFUSED_STATUS", _G, "HTTP 406 for an act with a dead session", (_S1_MR,),
         "S1 retries on 406 without saying why; that it means 'session gone' is ours"),
    Fact("BAD_SIGN_STATUS", _G, "HTTP 400 for a raw-RSA sign that does not check out"),
    Fact("BAD_SIGN_CLOSES_CONNECTION", _C, "OAEP firmware closes the connection on a sign "
         "it cannot open", (_HA393,), "the reporter's client saw RemoteDisconnected"),
    Fact("ERR_NO_INSTANCE", _G, "errorcode 9003 for a stack naming no instance",
         note="an Archer NX200 client saw it (repository not recorded)"),
    Fact("ERR_BAD_NAME", _G, "errorcode 9005 for an unknown object or field"),
    Fact("ERR_BAD_VALUE", _G, "errorcode 9007 for a refused value"),
    Fact("PROFILE_CBC", _O, "AES-CBC + raw RSA sign (XC220-G3v era firmware)",
         (_S1_EX, _S1_ENC, _WAN_GO)),
    Fact("PROFILE_GCM", _O, "AES-GCM + raw RSA sign, base64 key/nonce", (_S1_EX, _S1_ENC, _PR104)),
    Fact("PROFILE_GCM_OAEP", _C, "AES-GCM + RSA-OAEP(SHA-1) sign in 22-byte chunks",
         (_HA393, _S1_ENC, _PR143), "browser capture: sign 640 hex, data 208, tag 24"),
    Fact("PROFILE_TRIAL_ORDER", _G, "try CBC, then GCM, then GCM-OAEP",
         note="_S1's provider tries OAEP, GCM, CBC; we start with the profile the "
         "XC220-G3v's listed firmware uses and reorder by what the device showed"),
    Fact("CIPHER_TRIAL_IS_FREE", _O, "a login in the wrong cipher spends no attempt",
         (_S1_PROVIDER, _HA393), "S1 tries each EX class with a real login on one device; "
         "OAEP firmware drops a sign it cannot open before reading the credentials"),
    Fact("PROFILE_BY_MODEL", _G, "no model is pinned to a profile", note="operator knob"),
    Fact("GCM_REPLY_TAG_LAYOUTS", _O, "GCM answers append the tag split or joined",
         (_S1_ENC, _PR143)),
    Fact("TPENCRYPT_JS_PATH", _C, "the login page's /js/tpEncrypt.js", (_HA393,)),
    Fact("OAEP_JS_MARKER", _C, "OAEP firmware sets rsaEncrypt = $.rsa.encryptOAEP", (_HA393,),
         "tpEncrypt.js line 111 on EX920 fw 3.2.2"),
    Fact("RAW_JS_MARKER", _G, "raw-RSA firmware's script sets rsaEncrypt = $.rsa.encrypt",
         note="only orders the tries: a wrong reading costs one login the device cannot read"),
    Fact("LIB_JS_PATH", _O, "/js/lib.js names cgi/getGDPRParm", (_PR143,)),
    Fact("ECC_KEY_FIELDS", _O, "ECC P-224 key exchange answers eccPubKey_X/Y_HEX", (_S1_MR,),
         "MR600 v2 capture (S1 issue #361); not seen on EX firmware"),
    Fact("PPPOE_OID", _G, "PPPoE credentials are written on DEV2_ADT_WAN", (_WAN_README, _S11_TS),
         "tplink-wan writes `so DEV2_ADT_WAN` (enable) at the WAN's stack and notes the PPP "
         "interfaces also exist at DEV2_PPP_INTF; S11's type lists the fields here"),
    Fact("PPPOE_USER_FIELD", _G, "PPPoE username field PPPUserName", (_S11_TS,)),
    Fact("PPPOE_PASSWORD_FIELD", _G, "PPPoE password field PPPPassword", (_S11_TS,)),
    Fact("DNS_OID", _G, "manual DNS lives on DEV2_ADT_WAN", (_S11_TS,)),
    Fact("DNS_MANUAL_FIELD", _G, "manual DNS switch specifiedDnsv4Enabled", (_S11_TS,)),
    Fact("DNS_SERVERS_FIELD", _G, "manual DNS servers written to connIPv4DnsServer", (_S11_TS,),
         "the only IPv4 DNS field in S11's type; that a write sets it is our inference"),
    Fact("WAN_STATUS_FIELD", _O, "WAN state in connStatusV4", (_WAN_GO, _S11_TS, _S11_APP)),
    Fact("WAN_STATUS_UP", _O, "connStatusV4 'Connected' when up", (_WAN_README, _S11_APP)),
    Fact("WAN_STATUS_DOWN", _O, "connStatusV4 'Disconnected' when down", (_WAN_README,)),
    Fact("WAN_STATUS_CONNECTING", _G, "connStatusV4 'Connecting' while dialling", (_S11_VX,)),
    Fact("WAN_ERROR_FIELD", _G, "last dial error in PPPLastConnError", (_S11_TS,)),
    Fact("WAN_ERROR_CODES", _G, "TR-181 LastConnectionError values in that field",
         note="the values are TR-181's; that this firmware uses them is ours"),
    Fact("WAN_CONN_TYPE_FIELD", _O, "connection type in connType", (_WAN_GO, _S11_TS)),
    Fact("WAN_TYPE_BY_CONN_TYPE", _O, "connType 'PPPoE' / 'DHCP'", (_WAN_README,)),
    Fact("WAN_TYPE_BY_CONN_TYPE_GUESSED", _G, "connType 'Static' / 'Bridge'"),
    Fact("WAN_TYPE_BY_PREFIX", _O, "WAN names pppoe_gpon_3_3 / ipoe_gpon_0_1_d", (_WAN_README,)),
    Fact("WAN_TYPE_BY_PREFIX_GUESSED", _G, "WAN names static_* / bridge_*"),
    Fact("UPTIME_FIELD", _G, "uptime in DEV2_DEV_INFO.upTime", (_S11_TS, _S11_APP)),
    Fact("WIFI_PSK_FIELD", _G, "Wi-Fi passphrase field primaryPSK", (_S11_APP,),
         "the app writes it per band on DEV2_ADT_WIFI_COMMON"),
    Fact("WIFI_GUEST_SSID_FIELD", _G, "guest network name guestSSID", (_S11_APP,)),
    Fact("WIFI_GUEST_PSK_FIELD", _G, "guest network passphrase guestPSK", (_S11_APP,)),
    Fact("OPTICAL_OID", _G, "optical power on DEV2_GPON_INTF_STATS (gl)", (_S11_APP,),
         "the app's spec reads rx/tx power there; its code shows only byte counters"),
    Fact("OPTICAL_RX_FIELD", _G, "received power field rxPower"),
    Fact("OPTICAL_TX_FIELD", _G, "transmitted power field txPower"),
    Fact("OPTICAL_UNIT_DBM", _G, "power in 0.1 dBm integers"),
    Fact("PON_OID", _G, "PON registration on DEV2_XPON_ONU_ANI (TR-181 XPON)"),
    Fact("PON_STACK", _G, "its instance at stack 1,1,0,0,0,0"),
    Fact("PON_STATUS_FIELD", _G, "registration in its `status` field"),
    Fact("PON_STATUS_UP", _G, "'Up' when ranged (TR-181 value)"),
)
