"""Shared simulator plumbing: device state model, fleet server, knobs and faults."""

from drivers.sim.server import FleetServer, SimFamily, SimRunner, client_ip, make_app
from drivers.sim.state import (
    PHANTOM_IP,
    Counters,
    Fault,
    Knobs,
    LoginCheck,
    Session,
    SimDevice,
    WifiState,
)

__all__ = [
    "PHANTOM_IP",
    "Counters",
    "Fault",
    "FleetServer",
    "Knobs",
    "LoginCheck",
    "Session",
    "SimDevice",
    "SimFamily",
    "SimRunner",
    "WifiState",
    "client_ip",
    "make_app",
]
