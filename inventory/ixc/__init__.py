"""IXC Soft webservice: client, field knowledge, subscriber source and simulator.

Import the submodules you need (`inventory.ixc.client`, `.source`, `.fields`,
`.simulator`); nothing is imported eagerly so the CSV path stays light.
"""
