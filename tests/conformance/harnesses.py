"""Every driver family that runs the shared conformance suite: one line (or entry) each."""

from __future__ import annotations

from collections.abc import Callable

from cpe.models import Capability, Target, Transport
from drivers.sim import SimDevice
from tests.conformance.harness import Harness


def _tplink(profile: str) -> Callable[[SimDevice], None]:
    """A TP-Link firmware profile (drivers/tplink/simulator.py SIM_PROFILES)."""

    def customize(dev: SimDevice) -> None:
        dev.extra["profile"] = profile

    return customize


_tplink_gcm = _tplink("gcm")  # newer firmware: AES-GCM bodies


def _fiberhome_fixed_key(dev: SimDevice) -> None:
    dev.extra["acs_random"] = False  # pre-RP4552 firmware: fixed fhencrypt key


HARNESSES: list[Harness] = [
    Harness(id="mercusys-ac12g", model="mercusys-ac12g"),
    Harness(id="mercusys-mr30g", model="mercusys-mr30g"),
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
    Harness(
        id="fiberhome-onu", model="fiberhome-onu", garbage_content_type="application/json",
        hidden_lock_threshold=3,
    ),
    Harness(
        id="fiberhome-onu-fixed-key", model="fiberhome-onu", customize=_fiberhome_fixed_key,
        garbage_content_type="application/json", hidden_lock_threshold=3,
    ),
]


# --- Zyxel: one web harness, two CLI harnesses (ZySH over SSH / telnet) -------------------


def _zyxel_cli(dev: SimDevice) -> None:
    dev.extra["cli"] = True  # start the SSH and telnet listeners (off in big labs)


def _zyxel_target(transport: Transport, port_key: str) -> Callable[[SimDevice, str, int], Target]:
    def build(dev: SimDevice, host: str, port: int) -> Target:
        return Target(
            host=host, port=port, model="zyxel", transport=transport,
            cli_port=int(dev.extra[port_key]),
        )

    return build


HARNESSES += [
    Harness(id="zyxel-web", model="zyxel"),
    Harness(
        id="zyxel-ssh", model="zyxel", transport=Transport.SSH, customize=_zyxel_cli,
        target_for=_zyxel_target(Transport.SSH, "ssh_port"),
    ),
    Harness(
        id="zyxel-telnet", model="zyxel", transport=Transport.TELNET, customize=_zyxel_cli,
        target_for=_zyxel_target(Transport.TELNET, "telnet_port"),
    ),
]
