"""Per-model differences of the classic Mercusys protocol, kept as data.

The AC12G v1 and the MR30G v1 speak the same protocol, but their firmware differs in
small ways (read `asyn`, Wi-Fi stack layout, ids answered without a token). The driver and
the simulator both look the model up here; the values themselves come from `guessed.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cpe.models import Band
from drivers.mercusys import guessed as g
from drivers.mercusys.wire import ObjectRef

__all__ = ["PROFILES", "ModelProfile", "profile_for"]


@dataclass(frozen=True)
class ModelProfile:
    key: str
    model_name: str
    hardware: str
    #: Firmware string pattern for the simulator ("{rel}" = build counter).
    firmware: str
    read_asyn: int
    #: Stack of the main SSID object; "{band}" is the radio number (1 = 2.4 GHz, 2 = 5 GHz).
    wifi_stack: str
    #: Data ids this firmware answers without a session token.
    open_read_ids: frozenset[int] = frozenset()
    lock_threshold: int = g.LOCK_THRESHOLD

    def single(self, data_id: int) -> ObjectRef:
        return ObjectRef(data_id, g.STACK_SINGLE)

    def wifi(self, band: Band) -> ObjectRef:
        return ObjectRef(g.DATA_WLAN_MAIN, self.wifi_stack.format(band=g.BAND_INDEX[band]))

    def band_of(self, ref: ObjectRef) -> Band | None:
        """Which band a main-SSID reference addresses on this model (None: not one)."""
        if ref.data_id != g.DATA_WLAN_MAIN:
            return None
        return next((b for b in g.BAND_INDEX if self.wifi(b) == ref), None)

    def status_refs(self) -> tuple[ObjectRef, ...]:
        """Everything `get_status` reads, in one request."""
        return (
            self.single(g.DATA_DEVICE),
            self.single(g.DATA_LINK),
            self.single(g.DATA_LINK_STATUS),
            self.single(g.DATA_PPPOE),
            *(self.wifi(b) for b in g.BAND_INDEX),
        )


PROFILES: dict[str, ModelProfile] = {
    "mercusys-ac12g": ModelProfile(
        key="mercusys-ac12g",
        model_name=g.AC12G_MODEL_NAME,
        hardware=g.AC12G_HARDWARE,
        firmware=g.AC12G_FIRMWARE,
        read_asyn=g.AC12G_READ_ASYN,
        wifi_stack=g.AC12G_WIFI_STACK,
    ),
    "mercusys-mr30g": ModelProfile(
        key="mercusys-mr30g",
        model_name=g.MR30G_MODEL_NAME,
        hardware=g.MR30G_HARDWARE,
        firmware=g.MR30G_FIRMWARE,
        read_asyn=g.MR30G_READ_ASYN,
        wifi_stack=g.MR30G_WIFI_STACK,
        open_read_ids=g.MR30G_OPEN_READ_IDS,
    ),
}


def profile_for(model: str) -> ModelProfile | None:
    return PROFILES.get(model)
