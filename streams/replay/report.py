"""`--report report.html`: one self-contained page about a replay, with pictures.

Sections (each with an ``id``, for links and tests): ``summary`` (the replay's counts),
``alerts-per-day``, ``top-risk`` (the ranking and each top officer's timeline: roster periods,
badge and system events, alerts and risk on one time axis), ``scores`` (score distributions per
detector) and ``dead-letters``. Plotly's script is inlined once, so the page needs no network;
events on timelines are sampled, so its size stays a few megabytes (most of it plotly.js).
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from streams.pseudonym import Pseudonymiser
from streams.replay import figures
from streams.replay.reportdata import (
    TIMELINE_OFFICERS,
    TOP_OFFICERS,
    alert_stats,
    dead_letter_stats,
    timelines,
)
from streams.replay.summary import ReplaySummary

_STYLE: Final = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1200px; padding: 0 24px 48px; color: #222; }
h1 { font-size: 1.5em; margin-top: 1.2em; } h2 { border-bottom: 1px solid #ddd; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 0.85em; word-break: break-all; }
.note { color: #666; font-size: 0.9em; }
"""


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """The files and the summary of one finished replay."""

    alerts: Path | None
    dead_letter: Path
    inputs: Sequence[Path]
    summary: ReplaySummary
    timezone: str = "Europe/London"
    # The replay's pseudonym key, if it had one: the alerts then name officers by pseudonym.
    pseudonyms: Pseudonymiser | None = None


def _table(rows: Sequence[tuple[str, str]]) -> str:
    cells = "".join(
        f"<tr><th>{html.escape(k)}</th><td class='n'>{html.escape(v)}</td></tr>" for k, v in rows
    )
    return f"<table>{cells}</table>"


def _summary_section(summary: ReplaySummary) -> str:
    rows = [
        ("input files", f"{summary.inputs:,}"),
        ("events", f"{summary.events:,}"),
        ("alerts", f"{summary.alerts:,}"),
        *((f"  {k}", f"{v:,}") for k, v in sorted(summary.alerts_by_category.items())),
        ("bad lines (dead-lettered)", f"{summary.bad_lines + summary.reference_bad_lines:,}"),
        ("late events", f"{summary.late_events:,}"),
        ("duplicate events", f"{summary.duplicates:,}"),
        ("outside --from/--to, read only to build state", f"{summary.state_events:,}"),
        ("past --to, not read", f"{summary.out_of_range:,}"),
        ("replay rate", f"{summary.rate:,.0f} events/s"),
    ]
    return f"<section id='summary'><h2>Summary</h2>{_table(rows)}</section>"


def _dead_letter_section(path: Path) -> str:
    stats = dead_letter_stats(path)
    head = "<section id='dead-letters'><h2>Dead letters</h2>"
    if not stats.total:
        return head + "<p>No line was rejected.</p></section>"
    files = _table([(f, f"{n:,}") for f, n in stats.files.most_common(20)])
    examples = "".join(
        f"<tr><td><code>{html.escape(f)}:{line}</code></td><td>{html.escape(reason)}</td>"
        f"<td><code>{html.escape(preview)}</code></td></tr>"
        for f, line, reason, preview in stats.examples
    )
    return (
        f"{head}<p>{stats.total:,} rejected lines, kept whole in "
        f"<code>{html.escape(str(path))}</code>.</p>{figures.dead_letter_reasons(stats)}"
        f"<h3>By file</h3>{files}<h3>First rejected lines</h3>"
        f"<table><tr><th>where</th><th>reason</th><th>line (start)</th></tr>{examples}</table>"
        "</section>"
    )


def render_report(inputs: ReportInputs) -> str:
    """The whole page as text."""
    summary = inputs.summary
    parts = [_summary_section(summary)]
    if inputs.alerts is not None and inputs.alerts.is_file():
        stats = alert_stats(inputs.alerts, inputs.timezone)
    else:
        stats = None
    if stats is None or not stats.total:
        parts.append(
            "<section id='alerts-per-day'><h2>Alerts per day</h2><p>No alerts.</p></section>"
            "<section id='top-risk'><h2>Highest risk</h2><p>No alerts.</p></section>"
            "<section id='scores'><h2>Scores</h2><p>No alerts.</p></section>"
        )
    else:
        parts.append(
            f"<section id='alerts-per-day'><h2>Alerts per day</h2>"
            f"{figures.alerts_per_day(stats)}</section>"
        )
        top = stats.top(TOP_OFFICERS)
        risk = "<section id='top-risk'><h2>Highest risk</h2>"
        if top:
            assert inputs.alerts is not None
            lines = timelines(
                top[:TIMELINE_OFFICERS], inputs.alerts, inputs.inputs, inputs.pseudonyms
            )
            risk += figures.risk_ranking(top)
            risk += (
                "<h3 id='timelines'>Timelines</h3><p class='note'>Roster periods, badge and "
                "system events and alerts on one time axis, from two weeks before the "
                "officer's first alert to three days after the last. Hover for details; drag "
                "to zoom. Events are sampled; every evidence event is drawn.</p>"
            )
            risk += "".join(figures.timeline(line, i) for i, line in enumerate(lines, 1))
        else:
            risk += "<p>No integrity alert raised anyone's risk.</p>"
        parts.append(risk + "</section>")
        parts.append(
            f"<section id='scores'><h2>Score distributions</h2>"
            f"{figures.score_distributions(stats)}</section>"
        )
    parts.append(_dead_letter_section(inputs.dead_letter))
    title = "watchfloor replay report"
    sources = ", ".join(html.escape(str(p)) for p in inputs.inputs)
    # The bundle is inlined as-is: it contains no "</script" (checked by the tests).
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title><style>{_STYLE}</style>"
        f"<script>{figures.plotly_js()}</script></head><body>"
        f"<h1>{title}</h1><p class='note'>Alerts are signals for review, not verdicts. "
        f"Inputs: {sources}.</p>{''.join(parts)}</body></html>"
    )


def write_report(path: Path, inputs: ReportInputs) -> None:
    """Write the page to `path` (atomically: a half-written report is never left behind)."""
    text = render_report(inputs)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
