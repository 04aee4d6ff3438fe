"""Per-model and per-firmware differences of the classic Mercusys protocol, kept as data.

`ModelProfile`: what the driver knows of a model before it talks to a unit (how it reads,
the model name to expect). Everything else the driver learns from the unit itself: the
challenge layout from the first 401, the Wi-Fi numbering from a read (see
`driver.MercusysDriver`), the link type from id 22.

`FirmwareProfile`: one firmware variant the simulator can play, named so the lab and the
conformance suite can ask for it. Each carries the evidence it stands on. The values come
from `guessed.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cpe.models import Band
from drivers.mercusys import guessed as g
from drivers.mercusys.wire import ChallengeLayout, ObjectRef

__all__ = [
    "FIRMWARE_PROFILES",
    "MODEL_FIRMWARE",
    "PROFILES",
    "DriverProfile",
    "FirmwareProfile",
    "ModelProfile",
    "WanStart",
    "driver_profile",
    "firmware_profile",
    "profile_for",
    "wifi_ref",
]


def wifi_ref(stack: str, band: Band) -> ObjectRef:
    """The main-SSID reference of `band` in a numbering (`{band},0,0` or `{band},1,0`)."""
    return ObjectRef(g.DATA_WLAN_MAIN, stack.format(band=g.BAND_INDEX[band]))


@dataclass(frozen=True)
class ModelProfile:
    key: str
    model_name: str
    read_asyn: int

    def single(self, data_id: int) -> ObjectRef:
        return ObjectRef(data_id, g.STACK_SINGLE)

    def status_refs(self, wifi_stack: str) -> tuple[ObjectRef, ...]:
        """Everything `get_status` reads, in one request, for one Wi-Fi numbering."""
        return (
            self.single(g.DATA_DEVICE),
            self.single(g.DATA_LINK),
            self.single(g.DATA_LINK_STATUS),
            self.single(g.DATA_DHCPC),
            self.single(g.DATA_PPPOE),
            *(wifi_ref(wifi_stack, b) for b in g.BAND_INDEX),
        )


PROFILES: dict[str, ModelProfile] = {
    "mercusys-ac12g": ModelProfile("mercusys-ac12g", g.AC12G_MODEL_NAME, g.AC12G_READ_ASYN),
    "mercusys-mr30g": ModelProfile("mercusys-mr30g", g.MR30G_MODEL_NAME, g.MR30G_READ_ASYN),
}


def profile_for(model: str) -> ModelProfile | None:
    return PROFILES.get(model)


# --- driver profiles: what the driver does for each challenge layout it knows ---------------


@dataclass(frozen=True)
class DriverProfile:
    """How the driver logs in to a unit answering one challenge layout."""

    name: str
    layout: ChallengeLayout
    #: Whether the challenge shows a usable failure counter.
    shows_counter: bool
    summary: str


DRIVER_PROFILES: dict[ChallengeLayout, DriverProfile] = {
    ChallengeLayout.COUNTER: DriverProfile(
        "classic-counter", ChallengeLayout.COUNTER, True,
        "5-line challenge; line [2] read as attempts left",
    ),
    ChallengeLayout.CONSTANT: DriverProfile(
        "classic-no-counter", ChallengeLayout.CONSTANT, False,
        f"6-line challenge (line [2] always {g.SIX_LINE_CONSTANT}): counter unknown, the "
        f"policy assumes {g.DECLARED_LOCK_THRESHOLD} attempts",
    ),
}


def driver_profile(layout: ChallengeLayout) -> DriverProfile:
    return DRIVER_PROFILES[layout]


# --- firmware profiles the simulator plays ------------------------------------------------------


class WanStart(StrEnum):
    """The WAN a simulated unit starts with."""

    PPPOE = "pppoe"
    #: A reset unit: Mercusys routers leave the factory on a dynamic-IP WAN.
    DHCP = "dhcp"


@dataclass(frozen=True)
class FirmwareProfile:
    name: str
    model: str
    #: softVer pattern ("{rel}" = build counter).
    firmware: str
    hardware: str
    challenge: ChallengeLayout
    #: Main-SSID numbering (`g.WIFI_STACK_UNIT0` or `g.WIFI_STACK_UNIT1`).
    wifi_stack: str
    #: Data ids this firmware answers without a session token.
    open_read_ids: frozenset[int] = frozenset()
    wan: WanStart = WanStart.PPPOE
    #: What the variant stands on (for readers; the ledger holds the sources).
    evidence: str = ""

    @property
    def model_name(self) -> str:
        return PROFILES[self.model].model_name

    def wifi(self, band: Band) -> ObjectRef:
        return wifi_ref(self.wifi_stack, band)

    def guest(self, band: Band) -> ObjectRef:
        return wifi_ref(g.WIFI_GUEST_STACK[self.wifi_stack], band)


_AC12G_210128 = FirmwareProfile(
    name="ac12g-v1-210128",
    model="mercusys-ac12g",
    firmware=g.AC12G_FIRMWARE_210128,
    hardware=g.AC12G_HARDWARE,
    challenge=ChallengeLayout.CONSTANT,
    wifi_stack=g.WIFI_STACK_UNIT0,
    evidence="S4 PoC's six-line challenge on 210128; S3's unit-0 Wi-Fi numbering",
)
FIRMWARE_PROFILES: dict[str, FirmwareProfile] = {
    p.name: p
    for p in (
        _AC12G_210128,
        FirmwareProfile(
            name="ac12g-v1-200909",
            model="mercusys-ac12g",
            firmware=g.AC12G_FIRMWARE_200909,
            hardware=g.AC12G_HARDWARE,
            challenge=ChallengeLayout.CONSTANT,
            wifi_stack=g.WIFI_STACK_UNIT1,
            evidence="S4 tested 200909; the C80-class unit-1 numbering (S1), our former guess",
        ),
        FirmwareProfile(
            name="ac12g-v1-210128-dhcp-wan",
            model="mercusys-ac12g",
            firmware=g.AC12G_FIRMWARE_210128,
            hardware=g.AC12G_HARDWARE,
            challenge=ChallengeLayout.CONSTANT,
            wifi_stack=g.WIFI_STACK_UNIT0,
            wan=WanStart.DHCP,
            evidence="a reset unit on its factory dynamic-IP WAN: DNS in id 25 (S3, B1)",
        ),
        FirmwareProfile(
            name="mr30g-v1-current",
            model="mercusys-mr30g",
            firmware=g.MR30G_FIRMWARE_CURRENT,
            hardware=g.MR30G_HARDWARE,
            challenge=ChallengeLayout.COUNTER,
            wifi_stack=g.WIFI_STACK_UNIT0,
            evidence="FM's current firmware; nothing answered without login; five-line "
            "challenge with a counter (the layout S3 reads)",
        ),
        FirmwareProfile(
            name="mr30g-v1-open-read",
            model="mercusys-mr30g",
            firmware=g.MR30G_FIRMWARE_OLD,
            hardware=g.MR30G_HARDWARE,
            challenge=ChallengeLayout.COUNTER,
            wifi_stack=g.WIFI_STACK_UNIT0,
            open_read_ids=g.MR30G_OPEN_READ_IDS,
            evidence="S5 PoC: ids 23, 68, 85 answer without login",
        ),
    )
}

#: Model → its firmware profiles, the default first (the lab gives them in turn).
MODEL_FIRMWARE: dict[str, tuple[str, ...]] = {
    "mercusys-ac12g": ("ac12g-v1-210128", "ac12g-v1-200909", "ac12g-v1-210128-dhcp-wan"),
    "mercusys-mr30g": ("mr30g-v1-current", "mr30g-v1-open-read"),
}


def firmware_profile(model: str, name: str | None = None) -> FirmwareProfile:
    """The named firmware profile of `model` (None: its default)."""
    names = MODEL_FIRMWARE.get(model)
    if not names:
        raise ValueError(f"not a Mercusys model: {model!r}")
    chosen = names[0] if name is None else name
    if chosen not in names:
        raise ValueError(f"{model} has no firmware profile {chosen!r} (known: {', '.join(names)})")
    return FIRMWARE_PROFILES[chosen]
