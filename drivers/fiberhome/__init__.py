"""Fiberhome ONUs (HG6145D/F, AN5506-04-x): the `/cgi-bin/ajax` web stack.

`driver.FiberhomeDriver` speaks it; `simulator.FiberhomeFamily` simulates it (and just
enough of the FHNCAPIS and goform stacks for detection); `guessed.py` holds every detail
the protocol notes mark as guessed.
"""
