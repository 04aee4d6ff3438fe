"""Optical power, for every harness whose driver declares it: the suite's `optical` row.

Kept apart from test_conformance.py (shared) so the support matrix can say "verified in
the simulator" for optics too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cpe.models import Capability
from drivers.registry import driver_class
from drivers.sim import SimRunner
from tests.conformance.harness import Rig, rig
from tests.conformance.harnesses import HARNESSES


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


@pytest.fixture(params=HARNESSES, ids=[h.id for h in HARNESSES])
def r(request: pytest.FixtureRequest, runner: SimRunner) -> Iterator[Rig]:
    with rig(request.param, runner) as made:
        yield made


def test_optical_reads_the_device_power(r: Rig) -> None:
    if Capability.OPTICAL not in driver_class(r.harness.model, r.harness.transport).capabilities:
        pytest.skip(f"{r.harness.id} does not declare optical")
    with r.driver() as drv:
        st = drv.get_status()
    dev = r.device
    assert st.optical is not None
    assert st.optical.registered is True
    assert st.optical.rx_dbm == pytest.approx(dev.rx_dbm, abs=0.11)
    if dev.tx_dbm is not None:
        assert st.optical.tx_dbm == pytest.approx(dev.tx_dbm, abs=0.11)
    assert not dev.open_toolkit_session()
