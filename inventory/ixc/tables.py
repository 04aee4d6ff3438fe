"""The IXC tables the inventory reads and writes (docs/protocols/ixc-api.md): the four
joined into a subscriber, and the service orders."""

from __future__ import annotations

LOGINS, CONTRACTS, CLIENTS, ONUS = (
    "radusuarios",
    "cliente_contrato",
    "cliente",
    "radpop_radio_cliente_fibra",
)
SERVICE_ORDERS = "su_oss_chamado"
