"""The lab's fleet plan: which devices, where, and what drift or fault each one carries.

Deterministic for a given seed, so a test can start a lab and know exactly what an audit
must find. Small labs (the demo) get one device per planted condition; large labs get
conditions at realistic rates.
"""

from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass, field

from drivers.registry import SIMULATORS, simulator_family

log = logging.getLogger("cpe.lab")

# Plant names, as design.md fixes them (drifts) plus other conditions.
DNS, SSID, WIFI_KEY, PPPOE, OPTICAL = "dns", "ssid", "wifi_key", "pppoe", "optical"
UNREACHABLE, BLOCKED, REDUCED, LATE, BUSY = "unreachable", "blocked", "reduced", "late", "busy"
WRONG_FIRST = "wrong_first_password"
DUP_ONU = "duplicate_onu_rows"
WEB_DOWN = "web_down"  # Zyxel: web UI does not answer, the ZySH CLI does
#: A router on a DHCP WAN (a reset unit, from its firmware profile): IXC says PPPoE, so the
#: audit shows a PPPoE drift without an authentication error; the fix switches it over.
DHCP_WAN = "dhcp_wan"
FAULTS = ("hang", "reset", "garbage", "slow", "reboot_mid_write")

ONU_MODELS = {"zte-onu", "fiberhome-onu", "tplink-onu", "tplink-xz000-g3"}
ROUTER_MODELS = {"zyxel", "mercusys-ac12g", "mercusys-mr30g"}
#: The model text IXC holds for each key (what the inventory maps back to a key).
MODEL_TEXT = {
    "zyxel": "Zyxel EX3301-T0",
    "mercusys-ac12g": "Mercusys AC12G",
    "mercusys-mr30g": "Mercusys MR30G",
    "zte-onu": "ZTE F670L",
    "fiberhome-onu": "Fiberhome HG6145F",
    "tplink-onu": "TP-Link XC220-G3v",
    "tplink-xz000-g3": "TP-Link XZ000-G3",
}

FIRST = [
    "joao",
    "maria",
    "ana",
    "pedro",
    "lucas",
    "julia",
    "carlos",
    "fernanda",
    "rafael",
    "beatriz",
    "gabriel",
    "larissa",
    "marcos",
    "patricia",
    "thiago",
    "camila",
    "bruno",
    "aline",
    "diego",
    "renata",
    "felipe",
    "vanessa",
    "rodrigo",
    "juliana",
    "mateus",
]
LAST = [
    "silva",
    "santos",
    "oliveira",
    "souza",
    "lima",
    "pereira",
    "costa",
    "ferreira",
    "almeida",
    "ribeiro",
    "carvalho",
    "gomes",
    "martins",
    "araujo",
    "barbosa",
    "rocha",
]


@dataclass
class DevicePlan:
    index: int
    login: str
    model: str
    host: str
    port: int
    customer: str
    cpf: str
    pppoe_password: str
    ssid24: str
    psk24: str
    ssid5: str
    psk5: str
    planted: list[str] = field(default_factory=list)
    fault: str | None = None
    #: Which vault candidate the device's admin password is (0 first, 1 second).
    admin_candidate: int = 0
    rx_dbm: float | None = None
    pon_registered: bool = True
    #: Firmware profile the simulator gives this device (None: the model's default).
    profile: str | None = None

    @property
    def is_onu(self) -> bool:
        return self.model in ONU_MODELS


def host_for(index: int, block: int = 0) -> str:
    """127.<block>.x.y: each lab takes one /16 of the loopback range (block 0 by default;
    a second lab on the same machine, e.g. a parallel test, takes the next free one)."""
    return f"127.{block}.{1 + index // 250}.{1 + index % 250}"


def available_lab_models() -> list[str]:
    """Models whose simulator imports in this build."""
    out = []
    for key in SIMULATORS:
        if key not in MODEL_TEXT:
            # A finer registry key (e.g. a firmware generation) the lab does not plan yet.
            continue
        try:
            simulator_family(key)
        except Exception:  # a family still being built must not stop the lab
            log.warning("simulator for %s not available", key)
            continue
        out.append(key)
    return out


def model_profiles(model: str) -> tuple[str, ...]:
    """The firmware profiles the model's simulator offers (first = default)."""
    try:
        family = simulator_family(model)
    except Exception:
        return ()
    return tuple(getattr(family, "profiles", {}).get(model, ()))


def profile_plants(model: str, profile: str | None) -> tuple[str, ...]:
    """Plants a firmware profile implies (the family's `profile_plants`): a Mercusys unit
    on a DHCP WAN cannot match an IXC contract that says PPPoE, so it audits as a PPPoE
    drift, and the fix (set_pppoe) switches it over, carrying its DNS along."""
    if profile is None:
        return ()
    try:
        family = simulator_family(model)
    except Exception:
        return ()
    return tuple(getattr(family, "profile_plants", {}).get(profile, ()))


def _cpf(rng: random.Random) -> str:
    d = [rng.randrange(10) for _ in range(11)]
    return f"{d[0]}{d[1]}{d[2]}.{d[3]}{d[4]}{d[5]}.{d[6]}{d[7]}{d[8]}-{d[9]}{d[10]}"


# One device per condition for small labs: (model preference, plants, fault).
SCRIPT: list[tuple[str | None, list[str], str | None]] = [
    ("mercusys-ac12g", [], None),
    ("mercusys-mr30g", [DNS], None),
    ("zyxel", [SSID, WIFI_KEY], None),
    ("zte-onu", [PPPOE], None),
    ("fiberhome-onu", [], None),
    ("tplink-onu", [BLOCKED, DNS], None),
    ("mercusys-ac12g", [REDUCED, DNS], None),
    ("zte-onu", [OPTICAL], None),
    ("mercusys-mr30g", [UNREACHABLE], None),
    ("fiberhome-onu", [BUSY], None),
    ("zyxel", [WRONG_FIRST], None),
    ("tplink-xz000-g3", [], None),
    ("fiberhome-onu", [DUP_ONU, WIFI_KEY], None),
    ("zyxel", [WEB_DOWN], None),
    ("tplink-onu", [LATE], None),
    ("mercusys-ac12g", [DNS, SSID], None),
]


def make_plan(
    size: int,
    *,
    seed: int = 2389,
    fault_rate: float = 0.0,
    models: list[str] | None = None,
    single_password: bool = False,
    block: int = 0,
) -> list[DevicePlan]:
    rng = random.Random(seed)
    models = models or available_lab_models()
    if not models:
        raise RuntimeError("no simulator family is available")
    plans: list[DevicePlan] = []
    used_logins: set[str] = set()
    # Each model's devices take its simulator's profiles in turn, the default first, so a
    # lab of a few devices per model already mixes firmware variants.
    profiles = {m: model_profiles(m) for m in models}
    per_model: dict[str, int] = {}
    for i in range(size):
        if i < len(SCRIPT) and size <= 64:
            want, plants, fault = SCRIPT[i]
            model = want if want in models else models[i % len(models)]
            plants = list(plants)
        else:
            model = models[i % len(models)]
            plants, fault = _random_plants(rng, model), None
            if fault_rate and rng.random() < fault_rate:
                fault = rng.choice(FAULTS)
                plants = [p for p in plants if p not in (UNREACHABLE, BUSY)]
        if WEB_DOWN in plants and model != "zyxel":
            plants.remove(WEB_DOWN)
        if model not in ONU_MODELS:
            plants = [p for p in plants if p not in (OPTICAL, DUP_ONU)]
        if model == "tplink-xz000-g3":
            plants = [p for p in plants if p not in (DNS, SSID, WIFI_KEY, PPPOE)]
        if single_password and WRONG_FIRST in plants:
            plants.remove(WRONG_FIRST)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        login = f"{first}.{last}"
        while login in used_logins:
            login = f"{first}.{last}{rng.randrange(10, 9999)}"
        used_logins.add(login)
        rx = None
        registered = True
        if model in ONU_MODELS:
            rx = round(rng.uniform(-23.5, -16.0), 1)
            if OPTICAL in plants:
                if i % 3 == 1:
                    registered, rx = False, -40.0
                else:
                    rx = round(rng.uniform(-28.5, -25.6), 1)
        ssid_base = f"{first.capitalize()}{last.capitalize()}"
        nth = per_model.get(model, 0)
        # An unreachable unit never shows its firmware: it takes the default profile and
        # leaves the variants to units an audit can read.
        if UNREACHABLE in plants:
            nth = 0
        else:
            per_model[model] = nth + 1
        choices = profiles.get(model) or model_profiles(model)
        profile = choices[nth % len(choices)] if choices else None
        plants += [p for p in profile_plants(model, profile) if p not in plants]
        plans.append(
            DevicePlan(
                index=i,
                login=login,
                model=model,
                host=host_for(i, block),
                port=2389,
                customer=f"{first.capitalize()} {last.capitalize()}",
                cpf=_cpf(rng),
                pppoe_password=secrets.token_urlsafe(9),
                ssid24=f"{ssid_base}_2G",
                psk24=secrets.token_urlsafe(10),
                ssid5=f"{ssid_base}_5G",
                psk5=secrets.token_urlsafe(10),
                planted=plants,
                fault=fault,
                admin_candidate=1 if WRONG_FIRST in plants else 0,
                rx_dbm=rx,
                pon_registered=registered,
                profile=profile,
            )
        )
    return plans


def _random_plants(rng: random.Random, model: str) -> list[str]:
    rates = [
        (DNS, 0.10),
        (SSID, 0.05),
        (WIFI_KEY, 0.05),
        (PPPOE, 0.03),
        (BLOCKED, 0.03),
        (REDUCED, 0.03),
        (LATE, 0.02),
        (UNREACHABLE, 0.01),
        (BUSY, 0.01),
        (WRONG_FIRST, 0.10),
        (OPTICAL, 0.06),
        (DUP_ONU, 0.02),
    ]
    return [name for name, rate in rates if rng.random() < rate]


def expected_verdict(plan: DevicePlan) -> str:
    """What an audit must conclude for this device (the lab's ground truth)."""
    p = set(plan.planted)
    if plan.fault in ("hang", "reset"):
        return "unreachable"
    if plan.fault == "garbage":
        # Zyxel's driver first reads getBasicInformation unauthenticated to make sure it
        # talks to a Zyxel (never guess by logging in); an unreadable page there is, to
        # it, another stack: "not supported", not a parse error.
        return "unsupported" if plan.model == "zyxel" else "error"
    if UNREACHABLE in p:
        return "unreachable"
    if BUSY in p:
        return "busy"
    if p & {DNS, SSID, WIFI_KEY, PPPOE, OPTICAL, DHCP_WAN}:
        return "drift"
    return "ok"


def expected_drifts(plan: DevicePlan) -> list[str]:
    """Drifts an audit can see: none on a device it could not read (a fault, unreachable,
    busy), whatever was planted in it."""
    if expected_verdict(plan) not in ("ok", "drift"):
        return []
    order = (PPPOE, DNS, SSID, WIFI_KEY, OPTICAL)
    planted = set(plan.planted) | ({PPPOE} if DHCP_WAN in plan.planted else set())
    return [d for d in order if d in planted]
