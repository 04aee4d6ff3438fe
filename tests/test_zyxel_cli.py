"""Zyxel ZySH drivers (SSH and telnet) against the simulator: quoting, error lines, logs."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from cpe.errors import DeviceRejected, Unsupported
from cpe.models import Band, Credential, Target, Transport
from drivers.sim import SimRunner
from drivers.zyxel import zysh
from drivers.zyxel.cli import ZyxelCliDriver, ZyxelTelnetDriver
from tests.conformance.harness import ADMIN_PASSWORD, FAST, RADIUS_PASSWORD
from tests.zyxel_helpers import Unit, make_unit

CLI = [Transport.SSH, Transport.TELNET]


@pytest.fixture(scope="module")
def runner() -> Iterator[SimRunner]:
    with SimRunner() as r:
        yield r


@pytest.fixture
def unit(runner: SimRunner) -> Unit:
    return make_unit(runner, cli=True)


def cli_driver(unit: Unit, transport: Transport) -> ZyxelCliDriver:
    drv = unit.driver(transport)
    assert isinstance(drv, ZyxelCliDriver)
    return drv


@pytest.mark.parametrize("transport", CLI)
@pytest.mark.parametrize(
    "ssid", ["Casa do João 2", 'Sala "Nova"', "a\\b c", "--SSID", "$HOME #1 'x'"]
)
def test_ssid_with_spaces_and_quotes(unit: Unit, transport: Transport, ssid: str) -> None:
    drv = cli_driver(unit, transport)
    with drv:
        drv.set_wifi(Band.GHZ_2_4, ssid, 'chave "com" espaço \\ 1'.replace("ç", "c"))
        st = drv.get_status()
    assert unit.device.wifi[Band.GHZ_2_4].ssid == ssid
    assert unit.device.wifi[Band.GHZ_2_4].psk == 'chave "com" espaco \\ 1'
    assert st.wifi_for(Band.GHZ_2_4) is not None
    assert st.wifi_for(Band.GHZ_2_4).ssid == ssid  # type: ignore[union-attr]
    assert st.transport is transport


@pytest.mark.parametrize("transport", CLI)
def test_pppoe_password_with_spaces(unit: Unit, transport: Transport) -> None:
    unit.device.radius = ("novo.login", 'p w "x" \\')
    drv = cli_driver(unit, transport)
    with drv:
        drv.set_pppoe("novo.login", 'p w "x" \\')
    assert (unit.device.pppoe_user, unit.device.pppoe_password) == ("novo.login", 'p w "x" \\')


@pytest.mark.parametrize("transport", CLI)
def test_error_line_is_a_clear_error_without_the_value(unit: Unit, transport: Transport) -> None:
    drv = cli_driver(unit, transport)
    with drv:
        with pytest.raises(DeviceRejected) as info:
            drv._edit("wlan", {"Index": 1, "psk_value": "curta7"}, "set_wifi")
        assert "ZCFG_INVALID_PARAM_VALUE" in str(info.value)
        assert "curta7" not in str(info.value)
        with pytest.raises(DeviceRejected) as bogus:
            drv._edit("wan", {"Name": "Internet", "X_Nao_Existe": "1"}, "set_dns")
        assert "ZCFG_NO_SUCH_PARAMETER" in str(bogus.value)
        with pytest.raises(Unsupported):
            drv._cfg("frobnicate now", "status")
        # The session is still usable after refused commands.
        assert drv.get_status().firmware == unit.device.firmware
    assert unit.device.counters.writes == 0


@pytest.mark.parametrize("transport", CLI)
def test_cli_port_is_the_management_address(unit: Unit, transport: Transport) -> None:
    drv = cli_driver(unit, transport)
    key = "ssh_port" if transport is Transport.SSH else "telnet_port"
    assert drv.management_address() == (unit.host, unit.device.extra[key])
    assert drv.management_address()[1] != unit.port


@pytest.mark.parametrize("transport", CLI)
def test_no_secret_reaches_the_logs(
    unit: Unit,
    transport: Transport,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unit.device.radius = ("outro.login", "pppoe-segredo-42")
    caplog.set_level(logging.DEBUG)
    dropped: list[bool] = []
    keep = zysh._FILTER.filter

    def counting(record: logging.LogRecord) -> bool:
        kept = keep(record)
        dropped.append(not kept)
        return kept

    monkeypatch.setattr(zysh._FILTER, "filter", counting)
    drv = cli_driver(unit, transport)
    with drv:
        drv.set_wifi(Band.GHZ_5, "Rede Log", "wifi-segredo-42")
        drv.get_status()  # `cfg status get` lists the PSKs
        drv.set_pppoe("outro.login", "pppoe-segredo-42")
    assert any(dropped), "netmiko logged the channel at DEBUG, and those records were dropped"
    for secret in ("wifi-segredo-42", "pppoe-segredo-42", ADMIN_PASSWORD, RADIUS_PASSWORD,
                   "velha-senha-24"):  # fmt: skip
        assert secret not in caplog.text


def test_wrong_password_over_ssh_reads_the_banner(unit: Unit) -> None:
    drv = cli_driver(unit, Transport.SSH)
    attempt = drv._attempt_login("supervisor", SecretStr("errada"))
    assert attempt.attempts_left == unit.device.knobs.lock_threshold - 1
    assert unit.device.counters.failed_logins == 1


def _foreign_telnet_server() -> tuple[socket.socket, int]:
    """A telnet box with a root shell, not ZySH."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve() -> None:
        conn, _ = srv.accept()
        with conn:
            conn.settimeout(5)
            conn.sendall(b"login: ")
            conn.recv(100)
            conn.sendall(b"Password: ")
            conn.recv(100)
            conn.sendall(b"\r\nroot@box:~# ")
            conn.recv(100)

    threading.Thread(target=serve, daemon=True).start()
    return srv, int(srv.getsockname()[1])


def test_a_foreign_shell_is_unsupported() -> None:
    srv, port = _foreign_telnet_server()
    with srv:
        target = Target(
            host="127.0.0.1", port=2389, model="zyxel", transport=Transport.TELNET, cli_port=port
        )
        drv = ZyxelTelnetDriver(target, Credential(passwords=(SecretStr("x"),)), timeouts=FAST)
        with pytest.raises(Unsupported) as info:
            drv.open()
    assert "não parece ser Zyxel" in str(info.value)
    assert "prompt='root@box:~#'" in str(info.value)  # the variant's fingerprint
