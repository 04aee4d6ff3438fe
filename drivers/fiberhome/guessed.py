"""Every Fiberhome detail we had to guess, in one place (driver and simulator import it).

Source tags as in `shared/docs/protocols/zyxel-fiberhome-zte.md` §2: [C] confirmed, [P]
seen once / inferred from firmware JS, [G] our guess. One capture from a real unit of the
ISP's fleet corrects an item here with one edit.
"""

from __future__ import annotations

from typing import Final

#: [G] Admin account when the vault gives none. Units ship "admin" (superuser) and
#: "user"; the ISP's vault should name it.
DEFAULT_USERNAME: Final = "admin"

#: [P] Logout: `POST ajaxmethod=do_logout` with `sessionid` and `username` (seen in a
#: public Puppeteer client; not in the notes).
LOGOUT_METHOD: Final = "do_logout"

#: [P] LAN page read method and the key of its object. The notes guess `get_ipv4_lan`;
#: a public copy of the firmware's LAN page JS calls `get_ipv4_lan_info` and reads
#: `data.lan_ipv4`. The driver treats this read as optional (status still works).
LAN_READ_METHOD: Final = "get_ipv4_lan_info"
LAN_READ_KEY: Final = "lan_ipv4"

#: [G] What a POST with a stale, reused or unknown `sessionid` gets: HTTP 403 and no
#: JSON. The firmware's XHR.post always fetches a fresh sessionid first, which only makes
#: sense if the CGI refuses old ones; the exact refusal is not documented. The LAN and
#: Wi-Fi pages also send `token` (from `get_operator`); a wrong token gets the same 403.
STALE_SESSIONID_STATUS: Final = 403

#: [C firmware login JS] `login_result` 1 means "another user is logged in elsewhere".
#: [P] Some firmware (seen on FHNCAPIS units) answers this plain text instead.
BUSY_TEXT: Final = "Somebody has already logged in"

#: [C JS] The WAN page sends the PPPoE password as `WPd`; [P notes] some operator builds
#: use `wandwp`. The first name is what the driver sends; the simulator accepts both.
#: (China-Mobile builds send `Password` in base64: not supported.)
PPPOE_PASSWORD_FIELDS: Final = ("WPd", "wandwp")

#: [C JS] `VLANEnable` on most builds (and in `get_allwan_info`), `VLANEnabled` on the
#: China Unicom/Mobile builds. [G] which one the ISP's operator build uses.
VLAN_ENABLE_FIELDS: Final = ("VLANEnable", "VLANEnabled")

#: [G] The `wan_name_old` field of the notes; the firmware JS sends `wan_name` as
#: "<wan_index>_<wan_session_index>". The driver sends both.
WAN_NAME_OLD_FIELD: Final = "wan_name_old"

#: [G] Name of the session cookie the simulator sets at login. The driver never reads a
#: cookie by name (its jar keeps whatever the unit sets); `fhstamp` is the legacy goform
#: stack's cookie ([C] fiberhome-reset), borrowed for want of a capture.
SESSION_COOKIE: Final = "fhstamp"

#: [G] Simulator: an unknown ajaxmethod answers `{"sessionid", "session_valid"}` and no
#: data (old firmware has no `get_acs_random`). The driver takes "no `acsRandom` in the
#: answer" (or HTTP 404) as "this firmware uses the fixed key".
UNKNOWN_METHOD_HAS_SESSION_FIELDS: Final = True

#: [C exporter] `pon_reg_state` 5 = registered (O5). [G] 1 (O1, initial) when not.
PON_REGISTERED: Final = "5"
PON_UNREGISTERED: Final = "1"

#: [G] TR-098 `LastConnectionError` names the ONU uses for the WAN-down reasons
#: (the names are TR-098's [C]; which ones this firmware picks is not known).
LAST_ERROR_AUTH: Final = "ERROR_AUTHENTICATION_FAILURE"
LAST_ERROR_NO_SERVER: Final = "ERROR_ISP_TIME_OUT"
LAST_ERROR_LINK: Final = "ERROR_NO_CARRIER"
LAST_ERROR_UNKNOWN: Final = "ERROR_UNKNOWN"

#: [G] A `wan_modify` that leaves Username and password as they are (a DNS-override
#: change) is applied without redialling, so the management port stays up. A credential
#: change restarts the WAN ([C] notes: expect 5-60 s link loss).
WAN_RESTART_ONLY_ON_CREDENTIAL_CHANGE: Final = True

#: [G] Answers carry IPs as `a_point_b_point_c_point_d` ([C] in get_allwan_info and
#: get_lan_status captures; assumed for every IP field); POSTs carry dotted IPs, as the
#: page JS sends its input values.
POST_DOTTED_IPS: Final = True

#: [G] Referer page sent with reads and writes ([P] clients use the page that issued the
#: call; the firmware is not known to check which page).
REFERER_PAGE: Final = "/html/main_inter.html"
LOGIN_REFERER_PAGE: Final = "/html/login_inter.html"

#: [C JS] 2.4 GHz `wifiIndex` = position in `wifi_status` + 1; 5 GHz `wifiIndex` = the
#: entry's `index` (5.. on the units seen). [G] the main SSID is the first entry.
WIFI_5G_FIRST_INDEX: Final = 5

#: [G] Operator name the simulator reports (the UI varies fields by operator; the notes
#: cite `BZ_ALGAR` builds as showing the WAN DNS override).
SIM_OPERATOR: Final = "BZ_ALGAR"

#: [G] Firmware strings: RP4552+ offers `get_acs_random` ([C] exporter); the older one
#: uses the fixed key. The FHNCAPIS stack ships on newer builds ([P] RP3084+ per notes).
FIRMWARE_ACS_RANDOM: Final = "RP4552"
FIRMWARE_FIXED_KEY: Final = "RP2613"
FIRMWARE_FHNCAPIS: Final = "RP3084"
