"""Wire format of the TP-Link EX/"gdprJson" web protocol (protocol note §3 and §4), shared
by the driver and the simulator. Names the public EX client S1 (AlexandrErohin/
TP-Link-Archer-C6U, tplinkrouterc6u/client/ex.py and mr.py) itself sends or reads live
here ([C] in the note); everything else, with its graded evidence, is in `guessed.py`.

    POST /cgi/getGDPRParm   -> var ee="..";\\nvar nn="..";\\nvar seq="..";\\n$.ret=0;
    POST /cgi_gdpr?9        body "sign=<hex>\\r\\ndata=<base64>\\r\\n" (+ "tag=<b64>\\r\\n" on GCM)
                            data = one JSON act: {"data":{"stack","pstack",attrs},
                                                  "operation":"go|gl|gs|so|op|cgi","oid":..}
    GET /                   -> <script type="text/javascript">var token="..";</script>
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping

from cpe.models import Band

# --- endpoints and codes ---------------------------------------------------------------------

PARM_PATH = "/cgi/getGDPRParm"
BUSY_PATH = "/cgi/getBusy"
GDPR_PATH = "/cgi_gdpr"
#: The JSON dialect posts to `cgi_gdpr?9` (the text dialect of family C has no `?9`).
GDPR_URL = GDPR_PATH + "?9"

RET_OK = 0
#: Wrong user or password; the answer carries currAuthTimes / currForbidTime.
RET_WRONG_PASSWORD = 71233
RET_BAD_REQUEST = 71234

LOGIN_OID = "/cgi/login"
LOGOUT_OID = "/cgi/logout"
OP_CGI = "cgi"
OP_GET = "go"
OP_LIST = "gl"
OP_SUB = "gs"
OP_SET = "so"
OP_ACTION = "op"
READ_OPS = frozenset({OP_GET, OP_LIST, OP_SUB})

DEFAULT_STACK = "0,0,0,0,0,0"
#: What the device shows for "no address" (a WAN that is down, an unset DNS server).
NO_ADDRESS = "0.0.0.0"  # noqa: S104 - a displayed value, nothing binds to it

# --- objects and fields read by public clients (S1 ex.py) ---------------------------------------

DEV_INFO_OID = "DEV2_DEV_INFO"
DEV_INFO_FIELDS = ("modelName", "softwareVersion", "hardwareVersion")
WAN_OID = "DEV2_ADT_WAN"
WAN_ENABLE_FIELD = "enable"
WAN_NAME_FIELD = "name"
WAN_IP_FIELD = "connIPv4Address"
WAN_GATEWAY_FIELD = "connIPv4Gateway"
WAN_DNS_FIELD = "connIPv4DnsServer"
WAN_MAC_FIELD = "MACAddr"
WAN_MASK_FIELD = "connIPv4SubnetMask"
WIFI_OID = "DEV2_ADT_WIFI_COMMON"
WIFI_STACKS: dict[Band, str] = {Band.GHZ_2_4: "1,0,0,0,0,0", Band.GHZ_5: "2,0,0,0,0,0"}
WIFI_ENABLE_FIELD = "primaryEnable"
#: The guest network's switch on the same instance (S1 `set_wifi` writes it with `so`).
WIFI_GUEST_ENABLE_FIELD = "guestEnable"
#: [I S11] rather than [C], but every Wi-Fi client of the dialect reads it.
WIFI_SSID_FIELD = "primarySSID"
REBOOT_OID = "ACT_REBOOT"

# Read by S1 `get_status` / `get_ipv4_status` / `get_ipv4_dhcp_leases` at every poll: a
# device (or simulator) that refuses them breaks every public EX client.
LAN_OID = "DEV2_ADT_LAN"
LAN_FIELDS = ("MACAddress", "IPAddress", "IPSubnetMask", "DHCPv4Enable")
HOST_OID = "DEV2_HOST_ENTRY"
HOST_FIELDS = (
    "active", "X_TP_LanConnType", "physAddress", "IPAddress", "hostName", "leaseTimeRemaining",
)
#: `X_TP_LanConnType` codes (S1 `CLIENT_TYPES`): wired, then host/guest per band.
HOST_WIRED, HOST_24, HOST_GUEST_24, HOST_5, HOST_GUEST_5 = 0, 1, 2, 3, 4
MEM_OID = "DEV2_MEM_STATUS"
MEM_FIELDS = ("total", "free")
PROC_OID = "DEV2_PROC_STATUS"
PROC_FIELDS = ("CPUUsage",)

# --- JavaScript answers ------------------------------------------------------------------------

# The `;` tail is an optional group checked in js_vars: a required tail made every failed
# match rescan to the end of the line from each later `var` (quadratic).
_JS_VAR = re.compile(r'var\s+(\w+)\s*=\s*"?([^";\r\n]*)("?\s*;)?')
_RET = re.compile(r"\$\.ret\s*=\s*(-?\d+)\s*;")
_TOKEN = re.compile(r'var\s+token\s*=\s*"([^"]*)"\s*;')


def js_vars(text: str) -> dict[str, str]:
    """`var name="value";` / `var name=value;` lines of a JavaScript answer."""
    return {m.group(1): m.group(2) for m in _JS_VAR.finditer(text) if m.group(3) is not None}


def ret_code(text: str) -> int | None:
    """The `$.ret=N;` code of an answer, None when there is none."""
    m = _RET.search(text)
    try:
        return int(m.group(1)) if m else None
    except ValueError:  # more digits than int() accepts: not a code
        return None


def page_token(html: str) -> str | None:
    m = _TOKEN.search(html)
    return m.group(1) if m and m.group(1) else None


def parm_answer(ee: str, nn: str, seq: int, extra: Mapping[str, str] | None = None) -> str:
    lines = [f'var ee="{ee}";', f'var nn="{nn}";', f'var seq="{seq}";']
    lines += [f'var {k}="{v}";' for k, v in (extra or {}).items()]
    lines.append(f"$.ret={RET_OK};")
    return "\n".join(lines) + "\n"


def login_failed_answer(auth_times: int, forbid_s: int) -> str:
    return (
        f"var currAuthTimes={auth_times};\nvar currForbidTime={forbid_s};\n"
        f"$.ret={RET_WRONG_PASSWORD};"
    )


def ret_answer(code: int) -> str:
    return f"$.ret={code};"


# --- request bodies ----------------------------------------------------------------------------


def format_body(sign: str, data: str, tag: str | None = None) -> str:
    body = f"sign={sign}\r\ndata={data}\r\n"
    return body + (f"tag={tag}\r\n" if tag is not None else "")


def parse_body(text: str) -> dict[str, str]:
    """`key=value` lines of a request body (values may hold `=`: base64 padding)."""
    out: dict[str, str] = {}
    for line in text.split("\r\n"):
        key, sep, value = line.partition("=")
        if sep and key:
            out[key.strip()] = value.strip()
    return out


def sign_string(hash_hex: str, s: int, key_iv: str | None = None) -> str:
    """`key=..&iv=..&h=..&s=..` at login (`key_iv` given), `h=..&s=..` afterwards."""
    tail = f"h={hash_hex}&s={s}"
    return f"{key_iv}&{tail}" if key_iv else tail


def parse_sign_string(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split("&"):
        key, sep, value = part.partition("=")
        if sep:
            out[key] = value
    return out


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode()


def login_payload(username: str, password: str) -> str:
    """The encrypted /cgi/login act of the JSON dialect (user and password base64)."""
    return json.dumps(
        {
            "data": {
                "UserName": _b64(username),
                "Passwd": _b64(password),
                "Action": "1",
                "stack": DEFAULT_STACK,
                "pstack": DEFAULT_STACK,
            },
            "operation": OP_CGI,
            "oid": LOGIN_OID,
        },
        separators=(",", ":"),
    )


def act_payload(
    operation: str,
    oid: str,
    stack: str = DEFAULT_STACK,
    attrs: Mapping[str, str] | None = None,
    pstack: str = DEFAULT_STACK,
) -> str:
    """One act. Reads name the wanted fields with empty values, writes give the values."""
    data: dict[str, str] = {"stack": stack, "pstack": pstack}
    data.update(attrs or {})
    return json.dumps({"data": data, "operation": operation, "oid": oid}, separators=(",", ":"))


def read_attrs(*names: str) -> dict[str, str]:
    return dict.fromkeys(names, "")
