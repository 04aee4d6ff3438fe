"""Every Fiberhome detail we had to guess, in one place (driver and simulator import it),
each with its evidence in `LEDGER` at the end (confirmed / corroborated / guessed).

Source tags as in `shared/docs/protocols/zyxel-fiberhome-zte.md` §2: [C] confirmed, [P]
seen once / inferred from firmware JS, [G] our guess. One capture from a real unit of the
ISP's fleet corrects an item here with one edit.
"""

from __future__ import annotations

from typing import Final

from drivers.evidence import Fact, Grade

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

#: [P] Unauthenticated `get_device_name` answers `ModelName` (and a sessionid): a public
#: HG6145D2 adapter uses it as the device signature before login. The probe reads it.
DEVICE_NAME_METHOD: Final = "get_device_name"

#: [P] Every ajax answer carries a `sessionid`, and a POST may use the one the last answer
#: carried: public clients log in with `get_acs_random`'s or `get_login_user`'s sessionid
#: instead of calling `get_refresh_sessionid` first. The driver does so when that one is
#: unused, and falls back to a fresh one when the unit refuses it.
POST_WITH_LAST_ANSWER_SID: Final = True

#: [G] Fixed-key (pre-RP4552) firmware sets no session cookie and binds the session to the
#: client address (issue 12, point 6). The driver keeps no cookie of its own either way.
FIXED_KEY_BINDS_TO_ADDRESS: Final = True

# --- the evidence ledger ---------------------------------------------------------------------
# One Fact per constant above (drivers/evidence.py). Sources: "owner/repo:path".

_EXPORTER = "mcbyte-it/fiberhome_exporter:docs/authentication.md"
_EXPORTER_CODE = "mcbyte-it/fiberhome_exporter:code/collector.py (per notes §2.A)"
_REBOOT = "jurnalmuis/Auto-Reboot-FH-HG6145D2:reboot.py"
_PHP = "chandra35/internet35:app/Services/FiberhomeWebUiService.php"
_TS = "FiberHomeHG6145D2Adapter.ts (public TypeScript client, repository not identified)"
_NOTES = "shared/docs/protocols/zyxel-fiberhome-zte.md §2"


def _f(name: str, grade: Grade, summary: str, *sources: str, note: str = "") -> Fact:
    return Fact(name, grade, summary, sources, note)


_C, _P, _G = Grade.CONFIRMED, Grade.CORROBORATED, Grade.GUESSED

LEDGER: tuple[Fact, ...] = (
    _f("DEFAULT_USERNAME", _P, "admin account 'admin' when the vault names none", _EXPORTER,
       note="units also ship 'user' (jurnalmuis's script logs in as user)"),
    _f("LOGOUT_METHOD", _P, "logout is POST ajaxmethod=do_logout with the sessionid", _TS),
    _f("LAN_READ_METHOD", _G, "LAN page read get_ipv4_lan_info",
       note="a copy of the firmware LAN JS (repository not recorded); notes guessed "
       "get_ipv4_lan; the driver treats this read as optional"),
    _f("LAN_READ_KEY", _G, "its object key lan_ipv4", note="same copy of the LAN JS"),
    _f("STALE_SESSIONID_STATUS", _G, "a stale/reused sessionid or wrong page token gets 403",
       note="the refusal itself is undocumented; only that XHR.post refreshes the sid"),
    _f("BUSY_TEXT", _G, "'Somebody has already logged in' plain-text variant",
       note="seen on FHNCAPIS units per the notes; source not recorded"),
    _f("PPPOE_PASSWORD_FIELDS", _P, "PPPoE password field WPd (wandwp on some operators)",
       _PHP, note="the PHP client sends WPd = fhencrypt(password)"),
    _f("VLAN_ENABLE_FIELDS", _P, "VLAN flag VLANEnable / VLANEnabled by operator build", _PHP,
       note="the PHP client sends VLANEnabled; which one the ISP's build wants is unknown"),
    _f("WAN_NAME_OLD_FIELD", _G, "wan_name_old in wan_modify",
       note="the PHP client does not send it; the firmware JS sends wan_name"),
    _f("SESSION_COOKIE", _G, "name of the session cookie on acsRandom firmware",
       note="borrowed from the goform stack's fhstamp; the driver never reads it by name"),
    _f("UNKNOWN_METHOD_HAS_SESSION_FIELDS", _G,
       "an unknown ajaxmethod answers sessionid/session_valid and no data",
       note="old firmware without get_acs_random is taken to answer like this or 404"),
    _f("PON_REGISTERED", _P, "pon_reg_state 5 = registered (O5)", _EXPORTER_CODE),
    _f("PON_UNREGISTERED", _G, "pon_reg_state 1 when not registered", note="GPON O1"),
    _f("LAST_ERROR_AUTH", _G, "LastConnectionError for a PPPoE auth failure",
       note="TR-098 names; which one this firmware picks is unknown"),
    _f("LAST_ERROR_NO_SERVER", _G, "LastConnectionError when no PPPoE server answers",
       note="TR-098 name"),
    _f("LAST_ERROR_LINK", _G, "LastConnectionError with no carrier", note="TR-098 name"),
    _f("LAST_ERROR_UNKNOWN", _G, "LastConnectionError otherwise", note="TR-098 name"),
    _f("WAN_RESTART_ONLY_ON_CREDENTIAL_CHANGE", _G, "a DNS-only wan_modify does not redial",
       note="no capture of a DNS-only change"),
    _f("POST_DOTTED_IPS", _G, "answers encode IPs with _point_, POSTs send them dotted",
       _EXPORTER, note="_point_ in answers is corroborated; dotted POSTs are our guess"),
    _f("REFERER_PAGE", _P, "Referer of reads and writes is an /html/*_inter.html page", _TS,
       _PHP, note="clients use main_inter/broadband_inter; which page is checked is unknown"),
    _f("LOGIN_REFERER_PAGE", _P, "login Referer /html/login_inter.html", _REBOOT, _TS),
    _f("WIFI_5G_FIRST_INDEX", _G, "5 GHz wifiIndex starts at 5",
       note="from a copy of the firmware Wi-Fi JS (repository not recorded)"),
    _f("SIM_OPERATOR", _G, "operator name the simulator reports", note="simulator only"),
    _f("FIRMWARE_ACS_RANDOM", _P, "RP4552+ firmware offers get_acs_random", _EXPORTER),
    _f("FIRMWARE_FIXED_KEY", _G, "a fixed-key firmware string (RP2613)",
       note="RP2613 is a real Fiberhome release (CVE-2021-27141 names HG6245D through it); "
       "that an HG6145F runs it is ours"),
    _f("FIRMWARE_FHNCAPIS", _G, "FHNCAPIS ships from RP3084", note="notes [P], source not "
       "recorded"),
    _f("DEVICE_NAME_METHOD", _P, "get_device_name answers ModelName unauthenticated", _TS),
    _f("POST_WITH_LAST_ANSWER_SID", _P, "a POST may use the last answer's sessionid", _TS,
       _EXPORTER, note="the firmware's own XHR.post refreshes first; both work on real units"),
    _f("FIXED_KEY_BINDS_TO_ADDRESS", _G, "fixed-key firmware binds the session to the address",
       note="issue 12 point 6 (public clients against the lab); no public source found"),
)
