"""Coordination shared by every process that touches devices: device locks and the
failure ledger (see base.py for the contracts).

Embedded default: local backends in a host-wide lock directory (`CPE_LOCK_DIR`), shared
by every `cpe` process on the machine whatever its `CPE_HOME`. With `CPE_BROKER_URL`
set, Redis backends, shared by every host.
"""
