"""ZTE ONUs (F670L and other ThinkLua web UIs): driver, simulator and guessed details.

    driver.py     ZteDriver: login, menuView/menuData reads, signed writes
    status.py     decoded objects → DeviceStatus pieces (pure)
    ajax.py       the ajax_response_xml_root document (parse and build)
    crypto.py     rolling-token AES, (ck, ci) field wrapping, `Check` signature
    guessed.py    details not yet confirmed on the ISP's units
    simulator.py  ZteFamily: the simulated unit (sim_model.py: objects, sim_pages.py: HTML)
"""
