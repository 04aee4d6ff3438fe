"""TP-Link GPON ONUs over the EX/"gdprJson" web protocol: XC220-G3v and XZ000-G3 (bridged).

Driver (`driver.TplinkOnuDriver`, `driver.TplinkBridgeDriver`) on the web session
(`session`, `link`: key exchange, cipher-profile detection, acts) and a lean request path
(`transport`); simulator (`simulator.TplinkFamily`, `simmodel`, `simwrites`); the shared
wire format (`protocol`), the RSA/AES crypto of both ends (`crypto`), the unauthenticated
`probe`, `advisories`, and every graded protocol fact with its evidence (`guessed.py`).
"""
