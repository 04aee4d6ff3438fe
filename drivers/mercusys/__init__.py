"""Mercusys classic web UI (`/?code=N&asyn=M`): AC12G v1 and MR30G v1.

Driver (`driver.MercusysDriver`), simulator (`simulator.MercusysFamily`), the login
encoding, the line-based wire format, per-model profiles and every guessed detail
(`guessed.py`) live in this package.
"""
