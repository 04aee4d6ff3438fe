"""Every driver family that runs the shared conformance suite: one line (or entry) each."""

from __future__ import annotations

from collections.abc import Callable

from cpe.models import Capability, Target, Transport
from drivers.fiberhome.simulator import FiberhomeFamily
from drivers.sim import SimDevice
from drivers.zte.simulator import ZteFamily
from drivers.zyxel.sim_profiles import apply_profile
from tests.conformance.harness import Harness


def _tplink(profile: str) -> Callable[[SimDevice], None]:
    """A TP-Link firmware profile (drivers/tplink/simulator.py SIM_PROFILES)."""

    def customize(dev: SimDevice) -> None:
        dev.extra["profile"] = profile

    return customize


_tplink_gcm = _tplink("gcm")  # newer firmware: AES-GCM bodies


def _fiberhome_fixed_key(dev: SimDevice) -> None:
    # Pre-RP4552 firmware: fixed fhencrypt key, session bound to the client address.
    FiberhomeFamily.apply_profile(dev, "fixed-key")


def _zte(profile: str) -> Callable[[SimDevice], None]:
    def dress(dev: SimDevice) -> None:
        ZteFamily.apply_profile(dev, profile)

    return dress


#: Mercusys: one harness per firmware profile (drivers/mercusys/profiles.py); the first two
#: keep their historic ids and play each model's default profile. The AC12G v1 hides its
#: failure counter (six-line challenge): the driver declares 3 (guessed.py).
_MERCUSYS_HIDDEN = 3

HARNESSES: list[Harness] = [
    Harness(id="mercusys-ac12g", model="mercusys-ac12g", hidden_lock_threshold=_MERCUSYS_HIDDEN),
    Harness(
        id="mercusys-ac12g-200909", model="mercusys-ac12g", profile="ac12g-v1-200909",
        hidden_lock_threshold=_MERCUSYS_HIDDEN,
    ),
    Harness(
        id="mercusys-ac12g-dhcp-wan", model="mercusys-ac12g",
        profile="ac12g-v1-210128-dhcp-wan", hidden_lock_threshold=_MERCUSYS_HIDDEN,
        pppoe_wan=False,
    ),
    Harness(id="mercusys-mr30g", model="mercusys-mr30g"),
    Harness(id="mercusys-mr30g-open-read", model="mercusys-mr30g", profile="mr30g-v1-open-read"),
    Harness(id="tplink-onu", model="tplink-onu"),
    Harness(id="tplink-onu-gcm", model="tplink-onu", customize=_tplink_gcm),
    Harness(id="tplink-onu-gcm-oaep", model="tplink-onu", customize=_tplink("gcm-oaep")),
    Harness(
        id="tplink-onu-gcm-oaep-joined", model="tplink-onu",
        customize=_tplink("gcm-oaep-joined"),
    ),
    Harness(id="tplink-xz000-g3", model="tplink-xz000-g3", expects=frozenset({Capability.STATUS})),
    Harness(
        id="tplink-xz000-g3-gcm", model="tplink-xz000-g3", customize=_tplink("gcm"),
        expects=frozenset({Capability.STATUS}),
    ),
    Harness(id="zte-onu", model="zte-onu", garbage_content_type="text/xml"),
    # F6600R-style: change-password prompt, then a reload of / before any data call.
    Harness(
        id="zte-onu-activate", model="zte-onu", customize=_zte("thinklua-activate"),
        garbage_content_type="text/xml",
    ),
    # F6600P: the page's asyEncode() key is 4096-bit.
    Harness(
        id="zte-onu-rsa4096", model="zte-onu", customize=_zte("thinklua-rsa4096"),
        garbage_content_type="text/xml",
    ),
    Harness(
        id="fiberhome-onu", model="fiberhome-onu", garbage_content_type="application/json",
        hidden_lock_threshold=3,
    ),
    Harness(
        id="fiberhome-onu-fixed-key", model="fiberhome-onu", customize=_fiberhome_fixed_key,
        garbage_content_type="application/json", hidden_lock_threshold=3,
    ),
]


# --- Zyxel: one web harness per firmware profile, two CLI harnesses (ZySH over SSH / telnet)


def _zyxel_cli(dev: SimDevice) -> None:
    dev.extra["cli"] = True  # start the SSH and telnet listeners (off in big labs)


def _zyxel_target(transport: Transport, port_key: str) -> Callable[[SimDevice, str, int], Target]:
    def build(dev: SimDevice, host: str, port: int) -> Target:
        return Target(
            host=host, port=port, model="zyxel", transport=transport,
            cli_port=int(dev.extra[port_key]),
        )

    return build


def _zyxel_profile(name: str) -> Callable[[SimDevice], None]:
    def customize(dev: SimDevice) -> None:
        apply_profile(dev, name)

    return customize


HARNESSES += [
    Harness(id="zyxel-web", model="zyxel"),  # profile "aes", the default
    Harness(id="zyxel-web-aes-rotating", model="zyxel", customize=_zyxel_profile("aes-rotating")),
    Harness(id="zyxel-web-plain", model="zyxel", customize=_zyxel_profile("plain")),
    Harness(id="zyxel-web-cardpage", model="zyxel", customize=_zyxel_profile("cardpage")),
    Harness(
        id="zyxel-ssh", model="zyxel", transport=Transport.SSH, customize=_zyxel_cli,
        target_for=_zyxel_target(Transport.SSH, "ssh_port"),
    ),
    Harness(
        id="zyxel-telnet", model="zyxel", transport=Transport.TELNET, customize=_zyxel_cli,
        target_for=_zyxel_target(Transport.TELNET, "telnet_port"),
    ),
]
