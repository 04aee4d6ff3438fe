"""A stranger's CLI client against the ZySH simulator: scrapli 2.x (libscrapli, its own SSH
and telnet transports, written in Zig; none of our code or of netmiko's) logs in over SSH
and over telnet, reads `sys atsh`, writes a Wi-Fi name, and is refused a wrong password.

scrapli ships no ZySH platform (its `zyxel_dslam` is another product), so the test loads a
definition whose only mode is the unit's `ZySH>` prompt, as any scrapli user would. The
refusal cases also show what drivers/zyxel/zysh.py says about scrapli: over telnet it
answers the re-prompted `Login:` again, so one wrong candidate costs two counted failures;
the simulator counts every password it is given, as the unit does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from scrapli import Cli
from scrapli.auth import Options as AuthOptions
from scrapli.cli import LoadedDefinition
from scrapli.exceptions import ScrapliException
from scrapli.session import Options as SessionOptions
from scrapli.transport import Options as TransportOptions
from scrapli.transport import Ssh2Options, TelnetOptions

from cpe.models import Band
from drivers.sim import SimRunner
from drivers.zyxel import guessed
from tests.conformance.harness import ADMIN_PASSWORD
from tests.zyxel_helpers import Unit, make_unit

ZYSH_DEFINITION = LoadedDefinition(
    platform_name="zyxel_zysh",
    definition="""---
prompt_pattern: '^ZySH>\\s?$'
default_mode: 'zysh'
modes:
  - name: 'zysh'
    prompt_pattern: '^ZySH>\\s?$'
failure_indicators:
  - 'ERROR:'
on_close_instructions:
  - write:
      input: 'exit'
""",
)

# libssh2 inside libscrapli (no ssh binary needed) and scrapli's own telnet.
TRANSPORTS: dict[str, tuple[str, type[TransportOptions]]] = {
    "ssh": ("ssh_port", Ssh2Options),
    "telnet": ("telnet_port", TelnetOptions),
}


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


def _cli(unit: Unit, transport: str, password: str) -> Cli:
    port_key, options = TRANSPORTS[transport]
    return Cli(
        unit.host,
        port=int(unit.device.extra[port_key]),
        definition_file_or_name=ZYSH_DEFINITION,
        auth_options=AuthOptions(username="supervisor", password=password),
        session_options=SessionOptions(operation_timeout_s=10),
        transport_options=options(),
    )


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_scrapli_reads_and_writes_zysh(runner: SimRunner, transport: str) -> None:
    unit = make_unit(runner, cli=True)
    new_ssid = f"Interop {transport}"
    with _cli(unit, transport, ADMIN_PASSWORD) as cli:
        atsh = cli.send_input("sys atsh")
        edit = cli.send_input(f'cfg wlan edit --Index 1 --SSID "{new_ssid}"')
        unknown = cli.send_input("frobnicate")
    assert f"Serial Number        : {unit.device.serial}" in atsh.result
    assert not atsh.failed
    assert edit.result.strip() == guessed.CMD_OK and not edit.failed
    assert unknown.failed  # the definition's failure indicator matched the ERROR: line
    assert unit.sync(lambda: unit.device.wifi[Band.GHZ_2_4].ssid) == new_ssid
    # scrapli's `exit` on close ended the session: the single admin slot is free again.
    assert not unit.sync(unit.device.open_toolkit_session)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_scrapli_is_refused_a_wrong_password(runner: SimRunner, transport: str) -> None:
    unit = make_unit(runner, cli=True)
    cli = _cli(unit, transport, "not-the-password")
    try:
        with pytest.raises(ScrapliException):
            cli.open()
    finally:
        # force: skip the definition's `exit` (libscrapli 0.0.6 panics writing it on the
        # transport a refused SSH login left unset); still frees its driver.
        with contextlib.suppress(ScrapliException):
            cli.close(force=True)
    counters = unit.device.counters
    assert counters.logins == 0 and counters.sessions_opened == 0 and counters.writes == 0
    # Two over telnet: scrapli answers the re-prompted `Login:` (why the driver is on netmiko).
    assert counters.failed_logins == (2 if transport == "telnet" else 1), counters
    assert not unit.sync(unit.device.locked)
