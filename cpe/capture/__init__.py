"""Record one device's read-only session into a scrubbed fixture folder, and replay it.

See docs/capture.md. Entry points: `run.record`, `run.save`, `run.replay_folder`.
"""
