"""The agent service: `cpe serve` (HTTP API + web page over cpe.actions).

Entry points: `cpe.service.app.create_app`, `cpe.service.server.serve` and
`ServerThread`. Kept import-light so `cpe user …` does not load the web stack.
"""
