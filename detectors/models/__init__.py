"""Statistical detectors of the peer-group stage, one per module (`detectors.base.PeerDetector`).

Each keeps one small model per peer group (role/rank), never one per officer: the officer's own
normal travels in the `DayVector` from the officer stage.
"""
