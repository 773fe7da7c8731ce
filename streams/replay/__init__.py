"""`watchfloor replay` and `watchfloor evaluate`: history through the same core, with pictures.

Replay reads history files (JSONL, gzip or not, or directories of them), merges them in event
time, runs them through the detector core with no broker, and writes the alerts as JSONL. Bad
lines go to a dead-letter file; a long replay checkpoints into a state directory and resumes to
the byte-identical result. Modules, from the bytes up:

- ``lines``: file bytes to numbered lines (gzip detected by its magic bytes), never whole.
- ``inputs``: which files an input names, decoding, the time filter and the event-time merge.
- ``reference``: the reference directory (officers, sites, watchlist) for the core.
- ``engine``: the small protocol replay drives, and its adapter to the detector core.
- ``deadletters`` and ``outputs``: the dead-letter and alert files, with their counts.
- ``checkpoint``: atomic checkpoints of a replay in ``--state-dir``.
- ``progress`` and ``summary``: what a person sees while and after it runs.
- ``run``: the replay loop; ``command``: the CLI of both commands.
- ``evaluate``: alerts against simulator labels; ``report`` and ``figures``: the HTML report.
"""
