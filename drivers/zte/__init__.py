"""ZTE ONUs (F670L and other ThinkLua web UIs): driver, simulator and guessed details.

    driver.py     ZteDriver: menuView/menuData reads, signed writes
    session.py    login, the landing after it (firmware variants), page context, logout
    probe.py      unauthenticated fingerprint;  advisories.py: CVEs by firmware version
    status.py     decoded objects → DeviceStatus pieces (pure)
    ajax.py       the ajax_response_xml_root document (parse and build)
    crypto.py     rolling-token AES, (ck, ci) field wrapping, `Check` signature
    guessed.py    details not yet confirmed on the ISP's units
    simulator.py  ZteFamily: the simulated unit (sim_login.py: sessions, sim_model.py: menuData
                  modules, sim_objects.py: their objects, sim_apply.py: Apply handlers,
                  sim_family_state.py: WAN/DHCP/LAN state, sim_pages.py: HTML,
                  sim_profiles.py: firmware profiles, sim_keys.py: RSA)
"""
