"""Zyxel routers (zcfg/DAL firmware, account `supervisor`): web DAL driver, ZySH CLI
drivers over SSH and telnet, and their simulator. Notes: shared/docs/protocols, §1 and §4.
"""
