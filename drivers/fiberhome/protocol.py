"""Wire facts of the `/cgi-bin/ajax` stack shared by the driver and the simulator.

Confirmed [C] by the notes (§2.A) or by public copies of the firmware's page JS; guessed
details live in `guessed.py`.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

AJAX_PATH: Final = "/cgi-bin/ajax"
IS_LOGINED_PATH: Final = "/cgi-bin/is_logined.cgi"

# Stack detection (notes §2): A answers JSON here, B has FHNCAPIS, C has the ASP login.
FHNCAPIS_PATHS: Final = ("/fh_api/tmp/FHNCAPIS", "/api/tmp/FHNCAPIS")
FHNCAPIS_LOGIN_PATH: Final = "/fh_api/sign/DO_WEB_LOGIN"
GOFORM_LOGIN_PAGE: Final = "/login_inter.asp"
GOFORM_LOGIN_PATH: Final = "/goform/webLogin"

# ajaxmethod names [C]
M_REFRESH_SID: Final = "get_refresh_sessionid"
M_LOGIN_USER: Final = "get_login_user"
M_ACS_RANDOM: Final = "get_acs_random"
M_OPERATOR: Final = "get_operator"
M_LOGIN: Final = "do_login"
M_BASE_INFO: Final = "get_base_info"
M_ALL_WAN: Final = "get_allwan_info"
M_WIFI_24: Final = "get_wifi_status"
M_WIFI_5: Final = "get_wifi_status_5G"
M_WAN_MODIFY: Final = "wan_modify"
M_SET_LAN: Final = "set_ipv4_lan"
M_SET_WIFI_24: Final = "setWlanAdvancedCfg"
M_SET_WIFI_5: Final = "setWlanAdvancedCfg_5G"
M_REBOOT: Final = "set_onu_reboot"

WIFI_24_KEY: Final = "wifi_status"
WIFI_5_KEY: Final = "wifi_status5g"


class LoginCode(IntEnum):
    """`login_result` of do_login [C firmware login JS]."""

    OK = 0
    OTHER_USER_LOGGED_IN = 1
    LOCKED = 2  # three consecutive failures; about one minute
    ACCOUNT_DISABLED = 3
    WRONG_CREDENTIALS = 4
    ACCOUNT_UNAVAILABLE = 9
    WAN_LOGIN_REFUSED = 100


POINT: Final = "_point_"


def decode_ip(value: object) -> str:
    """`192_point_168_point_1_point_1` -> `192.168.1.1` (lists joined by commas too)."""
    return str(value if value is not None else "").replace(POINT, ".").strip()


def encode_ip(value: str) -> str:
    return value.replace(".", POINT)


def split_ips(value: object) -> list[str]:
    """A comma-separated, possibly `_point_`-encoded, list of addresses."""
    return [p.strip() for p in decode_ip(value).split(",") if p.strip()]
