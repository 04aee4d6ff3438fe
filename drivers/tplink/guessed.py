"""Every TP-Link ONU detail that public sources did not confirm, in one place.

Imported by both the driver and the simulator, so one capture from a real XC220-G3v /
XZ000-G3 (the browser's own requests, read-only first) corrects both in one edit. Tags
follow the protocol note `shared/docs/protocols/tplink-mercusys.md`: [I] seen once or
indirectly, [G] our guess. Each item names the section of the note it comes from.
Confirmed names ([C]: the key exchange, `/cgi_gdpr?9`, the act envelope, DEV2_DEV_INFO,
DEV2_ADT_WAN read fields, DEV2_ADT_WIFI_COMMON stacks) live in `protocol.py`.
"""

from __future__ import annotations

from cpe.models import WanError

# --- accounts and login (§4 "Login", §3 "71233") -------------------------------------------

#: Account used when the vault names none: the firmware default. ISP builds also have
#: `admin`, which sees the WAN/PON pages. [I S11] §4 "Default account is `user`"
DEFAULT_USERNAME = "user"
#: `currAuthTimes` in the 71233 answer counts the attempts *left* before the lock. If a
#: capture shows it counts failures instead, set False: the driver then computes
#: `LOCK_THRESHOLD - currAuthTimes` and the simulator sends the failure count. [G] §3
CURR_AUTH_TIMES_IS_REMAINING = True
#: Failed logins before the lock ("currAuthTimes of 5" on family C). [I] §3
LOCK_THRESHOLD = 5
#: Lock length (`currForbidTime` counts it down in seconds). [G] §3
LOCK_SECONDS = 600.0
#: Web session idle timeout. [G] §8
SESSION_IDLE_S = 300.0
#: `$.ret` of a correct login while another client holds the one admin session (the
#: "user conflict" of §2/§8). Our choice, next to 71233/71234; capture the real one. [G] §8
RET_USER_CONFLICT = 71235

# --- session and error answers ------------------------------------------------------------

#: HTTP status for an act whose TokenID/JSESSIONID is missing, wrong or expired. A public
#: Archer NX200 client saw 406 without TokenID; we assume an expired session looks the
#: same. The driver logs in again once on it. [I] §4 "Token"
SESSION_REFUSED_STATUS = 406
#: HTTP status for a body whose `sign` does not check out (bad RSA block, wrong `s`,
#: wrong `h`). [G] §3 ("Retry on HTTP 500/406" suggests the firmware uses 500s here)
BAD_SIGN_STATUS = 400
#: `errorcode` for a stack naming no instance (NX200 client: wrong stack → 9003). [I] §4
ERR_NO_INSTANCE = 9003
#: `errorcode` for an unknown object or field (CWMP fault numbering, like 9003). [G] §4
ERR_BAD_NAME = 9005
#: `errorcode` for a value the firmware refuses (CWMP "invalid parameter value"). [G] §4
ERR_BAD_VALUE = 9007

# --- cipher variant (§4 "AES-CBC, or AES-GCM on newer fw") --------------------------------

#: How GCM firmware announces itself: an extra JS variable in the getGDPRParm answer,
#: after `seq` and before `$.ret`. Public GCM clients pick the class by model instead,
#: so this marker is entirely our guess; `CIPHER_BY_MODEL` pins a model when a capture
#: shows the firmware says nothing. [G] §4
GCM_MARKER_VAR = "aesMode"
GCM_MARKER_VALUE = "gcm"
#: Model key → "cbc" | "gcm" to skip detection (empty: detect per device). [G] §4
CIPHER_BY_MODEL: dict[str, str] = {}

# --- WAN objects (§4 "Write [G]": "matching web OIDs are probably DEV2_ADT_WAN") ----------

#: Object holding the PPPoE credentials, written with `so` at the WAN's stack. [G] §4
PPPOE_OID = "DEV2_ADT_WAN"
#: PPPoE username/password fields (TR-181 Device.PPP.Interface.Username/Password,
#: lower-camel-cased the way DEV2_ objects name TR-181 fields). [G] §4
PPPOE_USER_FIELD = "username"
PPPOE_PASSWORD_FIELD = "password"  # noqa: S105 - a field name, not a secret
#: Manual DNS switch and servers on the WAN ("1" / "a,b"). [G] §4
DNS_OID = "DEV2_ADT_WAN"
DNS_MANUAL_FIELD = "manualDns"
DNS_SERVERS_FIELD = "manualDnsServer"
#: Connection state field and its "up" value (the XX230v tool lists Connected /
#: Disconnected; "Connecting" while dialling). [I] §4
WAN_STATUS_FIELD = "status"
WAN_STATUS_UP = "Connected"
WAN_STATUS_CONNECTING = "Connecting"
WAN_STATUS_DOWN = "Disconnected"
#: Why the last dial failed: TR-181 Device.PPP.Interface.LastConnectionError values
#: ([C] in TR-181) under a lower-camel field name ([G]). §4
WAN_ERROR_FIELD = "lastConnectionError"
WAN_ERROR_CODES: dict[WanError, str] = {
    WanError.PPPOE_AUTH: "ERROR_AUTHENTICATION_FAILURE",
    WanError.NO_SERVER: "ERROR_ISP_TIME_OUT",
    WanError.LINK_DOWN: "ERROR_NO_CARRIER",
    WanError.CONNECTING: "ERROR_NONE",
    WanError.OTHER: "ERROR_UNKNOWN",
}
#: Connection type from the WAN `name` prefix (`pppoe_gpon_3_3`, `ipoe_gpon_0_1_d` seen
#: on an XX230v; `bridge_` for bridged WANs is our guess). [I]/[G] §4
WAN_TYPE_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("pppoe_", "pppoe"),
    ("ipoe_", "dhcp"),
    ("static_", "static"),
    ("bridge_", "bridge"),
)

# --- device info and Wi-Fi (§4 "Read [C]" lists no uptime and no PSK) ---------------------

#: Uptime in seconds on DEV2_DEV_INFO (TR-181 DeviceInfo.UpTime, lower-camel). [G] §4
UPTIME_FIELD = "upTime"
#: Wi-Fi passphrase on DEV2_ADT_WIFI_COMMON ("PSK key name unknown"). [G] §4
WIFI_PSK_FIELD = "primaryPSKKey"

# --- optics (§4 "S8 lists ... PON RX/TX power"; web object unknown) ------------------------

#: TR-181 Device.XPON.ONU.1.ANI.1.Transceiver.1 as a DEV2_ object. [G] §4, anchors §2
OPTICAL_OID = "DEV2_XPON_ONU_ANI_TRANSCEIVER"
OPTICAL_STACK = "1,1,1,0,0,0"
#: TR-181 RxPower/TxPower, lower-camel like every DEV2_ field (modelName, upTime). [G]
OPTICAL_RX_FIELD = "rxPower"
OPTICAL_TX_FIELD = "txPower"
#: Unit of the power fields: integers in 0.1 dBm ("-195" = -19.5 dBm). [G]
OPTICAL_UNIT_DBM = 0.1
#: PON registration: TR-181 Device.XPON.ONU.1.ANI.1.Status ("Up" when ranged). [G]
PON_OID = "DEV2_XPON_ONU_ANI"
PON_STACK = "1,1,0,0,0,0"
PON_STATUS_FIELD = "status"
PON_STATUS_UP = "Up"
