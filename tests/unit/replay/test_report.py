"""The HTML report: one self-contained file with the expected sections and pictures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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


def test_under_a_pseudonym_key_timelines_show_the_officers_events_and_no_real_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from streams.cli import main

    sim = tmp_path / "sim"
    # A scenario rate well above the default, so that three days of 20 officers raise alerts.
    force = ["--officers", "20", "--days", "3", "--seed", "1", "--scenario-rate", "20"]
    assert main(["simulate", *force, "--out", str(sim)]) == 0
    key = tmp_path / "key"
    key.write_bytes(b"report-test-key-0123456789abcdef-0123456789")
    pages = {}
    for name, extra in (("plain", []), ("keyed", ["--pseudonym-key-file", str(key)])):
        report = tmp_path / f"{name}.html"
        replay = ["replay", str(sim / "events.jsonl.gz"), "--reference", str(sim / "reference")]
        replay += ["--out", str(tmp_path / f"{name}.jsonl"), "--report", str(report)]
        assert main([*replay, "--no-progress", *extra]) == 0
        pages[name] = report.read_text(encoding="utf-8")
    capsys.readouterr()

    def traces(page: str, name: str) -> int:
        return page.count(f'"name":"{name}"')

    timelines = traces(pages["keyed"], "integrity risk")
    assert timelines >= 1
    assert timelines == traces(pages["plain"], "integrity risk")
    # Every timeline has its officer's badge and system events, as without a key.
    for kind in ("badge granted", "system access"):
        assert traces(pages["keyed"], kind) == traces(pages["plain"], kind) == timelines, kind
    directory = (sim / "reference" / "officers.jsonl").read_text()
    ids = set(re.findall(r'"officer_id":"([^"]+)"', directory))
    assert ids and not any(officer in pages["keyed"] for officer in ids)
