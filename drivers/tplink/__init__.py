"""TP-Link GPON ONUs over the EX/"gdprJson" web protocol: XC220-G3v and XZ000-G3 (bridged).

Driver (`driver.TplinkOnuDriver`, `driver.TplinkBridgeDriver`), simulator
(`simulator.TplinkFamily`), the shared wire format (`protocol`), the RSA/AES crypto of
both ends (`crypto`), and every guessed object or field name (`guessed.py`) live here.
"""
