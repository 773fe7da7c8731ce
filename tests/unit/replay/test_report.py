"""The HTML report: one self-contained file with the expected sections and pictures."""

from __future__ import annotations

import re
from pathlib import Path

from streams.replay.report import ReportInputs, write_report
from streams.replay.run import ReplayOptions, replay
from tests.unit.replay.support import fake_factory, history, write_jsonl

SECTIONS = ("summary", "alerts-per-day", "top-risk", "timelines", "scores", "dead-letters")


def _replayed(tmp_path: Path, lines: list[bytes]) -> ReportInputs:
    events = write_jsonl(tmp_path / "events.jsonl.gz", lines, compress=True)
    options = ReplayOptions(
        inputs=(events,),
        out=tmp_path / "alerts.jsonl",
        dead_letter=tmp_path / "dead.jsonl",
        progress=False,
    )
    summary = replay(options, fake_factory(every=4))
    return ReportInputs(tmp_path / "alerts.jsonl", tmp_path / "dead.jsonl", (events,), summary)


def test_the_report_is_one_self_contained_file_with_every_section(tmp_path: Path) -> None:
    lines = [*history(400, officers=12, step_minutes=30), b"{bad", b'{"type": "badge"}']
    inputs = _replayed(tmp_path, lines)
    path = tmp_path / "report" / "report.html"
    write_report(path, inputs)
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for section in SECTIONS:
        assert f"id='{section}'" in page, section
    # Self-contained: no script, style sheet or image fetched from anywhere.
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"<link[^>]*\bhref=[\"']?https?:", page)
    assert not re.search(r"<img[^>]*\bsrc=[\"']?https?:", page)
    assert page.count("Plotly.newPlot(") >= 5  # per day, ranking, a timeline, scores, dead letters
    assert "2 rejected lines" in page
    assert len(page) < 8_000_000


def test_the_plotly_bundle_cannot_close_its_script_tag_early(tmp_path: Path) -> None:
    from streams.replay.figures import plotly_js

    assert "</script" not in plotly_js().lower()


def test_a_replay_without_alerts_or_bad_lines_still_reports(tmp_path: Path) -> None:
    inputs = _replayed(tmp_path, history(3))
    path = tmp_path / "report.html"
    write_report(path, inputs)
    page = path.read_text(encoding="utf-8")
    assert "No alerts." in page and "No line was rejected." in page
