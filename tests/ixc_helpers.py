"""Shared set-up for the IXC tests: the simulator on a real loopback socket."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import SecretStr

from drivers.sim import SimRunner
from inventory.ixc.client import IxcClient
from inventory.ixc.simulator import IxcSimState, add_subscriber, build_app


@contextmanager
def ixc_server(state: IxcSimState) -> Iterator[str]:
    """The simulator's base URL (http://127.0.0.1:<port>) while the block runs."""
    with SimRunner() as runner:
        port = runner.add_app(build_app(state), "127.0.0.1", 0)
        yield f"http://127.0.0.1:{port}"


def client_for(state: IxcSimState, url: str, **kwargs: object) -> IxcClient:
    opts: dict[str, object] = {"timeout_s": 5.0, "retries": 0, "backoff_s": 0.0}
    opts.update(kwargs)
    return IxcClient(url, SecretStr(state.token), **opts)  # type: ignore[arg-type]


def seed(state: IxcSimState, login: str, n: int, **overrides: object) -> dict[str, str]:
    """One consistent subscriber; `n` makes ip, names and documents distinct."""
    opts: dict[str, object] = {
        "login": login,
        "password": f"ppp-secret-{n:04d}",
        "ip": f"127.0.{n // 250 + 1}.{n % 250 + 1}",
        "model_text": "ZTE F670L",
        "ssid24": f"Casa {n}",
        "psk24": f"wifi24-secret-{n:04d}",
        "ssid5": f"Casa {n} 5G",
        "psk5": f"wifi5-secret-{n:04d}",
        "customer_name": f"Cliente Número {n}",
        "cpf": f"{n:011d}",
    }
    opts.update(overrides)
    return add_subscriber(state, **opts)  # type: ignore[arg-type]
