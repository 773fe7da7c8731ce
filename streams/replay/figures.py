"""The report's pictures, drawn with plotly and returned as HTML fragments.

Plotly gives a reviewer what a picture on paper cannot: zoom into one night of a timeline, hover
a dot to read the event. The fragments carry no script of their own; :mod:`streams.replay.report`
puts plotly.js once, inline, in the page, so the file works offline and can be mailed.

Plotly ships no type information, so it is imported as a plain module object here, the one
place that touches it.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

from schemas.events import AccessEvent, BadgeEvent
from streams.replay.reportdata import AlertStats, DeadLetterStats, OfficerRisk, Timeline

_CONFIG: Final = {"displaylogo": False, "responsive": True}
_FONT: Final = {"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 12}
# Roster changes by what they mean for presence: duty, absence, cancellation.
_ROSTER_COLOURS: Final = {
    "shift_planned": "#4c78a8",
    "shift_swapped": "#72b7b2",
    "duty_changed": "#72b7b2",
    "overtime_claimed": "#f58518",
    "overtime_approved": "#e45756",
    "rest_day_worked": "#b279a2",
    "leave_booked": "#54a24b",
    "sickness_started": "#9d755d",
    "sickness_ended": "#bab0ac",
    "shift_cancelled": "#bab0ac",
    "leave_cancelled": "#bab0ac",
}


def _go() -> Any:
    return importlib.import_module("plotly.graph_objects")


def _subplots() -> Any:
    return importlib.import_module("plotly.subplots")


def _palette(names: Sequence[str]) -> dict[str, str]:
    """One colour per detector, the same in every picture (24 colours: the catalogue fits)."""
    colours: Any = importlib.import_module("plotly.colors")
    swatch: list[str] = list(colours.qualitative.Dark24)
    return {name: swatch[i % len(swatch)] for i, name in enumerate(sorted(names))}


def plotly_js() -> str:
    """The plotly.js bundle that the package ships, to inline once per page."""
    offline: Any = importlib.import_module("plotly.offline")
    source: str = offline.get_plotlyjs()
    return source


def _html(figure: Any, div_id: str) -> str:
    figure.update_layout(template="plotly_white", font=_FONT)
    if figure.layout.margin.l is None:
        figure.update_layout(margin={"l": 60, "r": 20, "t": 50})
    fragment: str = figure.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id, config=_CONFIG
    )
    return fragment


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def alerts_per_day(stats: AlertStats) -> str:
    """Stacked bars: alerts per local day, one colour per detector."""
    go = _go()
    days = sorted({day for day, _ in stats.per_day})
    detectors = sorted({detector for _, detector in stats.per_day})
    colours = _palette(list(stats.scores))
    figure = go.Figure(
        [
            go.Bar(
                name=name,
                x=days,
                y=[stats.per_day.get((day, name), 0) for day in days],
                marker_color=colours[name],
            )
            for name in detectors
        ]
    )
    figure.update_layout(
        barmode="stack",
        title="Alerts per day by detector",
        xaxis_title="day (force local time)",
        yaxis_title="alerts",
        height=420,
        legend={"font": {"size": 10}},
    )
    return _html(figure, "fig-alerts-per-day")


def risk_ranking(officers: Sequence[OfficerRisk]) -> str:
    """Horizontal bars: the officers with the highest integrity risk reached."""
    go = _go()
    ranked = list(reversed(officers))
    figure = go.Figure(
        go.Bar(
            x=[o.max_risk for o in ranked],
            y=[o.officer_id for o in ranked],
            orientation="h",
            marker_color="#e45756",
            customdata=[[o.integrity, o.welfare] for o in ranked],
            hovertemplate="%{y}: risk %{x:.1f}<br>%{customdata[0]} integrity, "
            "%{customdata[1]} welfare alerts<extra></extra>",
        )
    )
    figure.update_layout(
        title="Highest integrity risk reached, by officer",
        xaxis_title="risk (decaying sum of alert points)",
        height=max(260, 24 * len(ranked) + 120),
    )
    return _html(figure, "fig-risk-ranking")


def timeline(line: Timeline, number: int) -> str:
    """One officer: risk over time above; roster, badge, access and alerts on one time axis."""
    go = _go()
    figure = _subplots().make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.28, 0.72], vertical_spacing=0.04
    )
    integrity = [a for a in line.alerts if a.category == "integrity"]
    figure.add_trace(
        go.Scatter(
            x=[a.event_time for a in integrity],
            y=[a.risk.score for a in integrity],
            mode="lines+markers",
            line_shape="hv",
            name="integrity risk",
            line_color="#e45756",
            hovertemplate="%{x}<br>risk %{y:.1f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    periods: dict[str, tuple[list[Any], list[Any], list[str]]] = defaultdict(lambda: ([], [], []))
    for event in line.roster:
        xs, ys, texts = periods[event.change_type]
        label = f"{event.change_type} ({event.event_id}), changed {event.event_time:%d %b %H:%M}"
        xs.extend((event.period_start, event.period_end, None))
        ys.extend(("roster", "roster", None))
        texts.extend((label, label, ""))
    for change, (xs, ys, texts) in sorted(periods.items()):
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=change,
                line={"width": 10, "color": _ROSTER_COLOURS.get(change, "#888")},
                opacity=0.75,
                text=texts,
                hovertemplate="%{text}<extra></extra>",
                legendgroup="roster",
            ),
            row=2,
            col=1,
        )
    drawn = line.events()
    badge = [e for e in drawn if isinstance(e, BadgeEvent)]
    access = [e for e in drawn if isinstance(e, AccessEvent)]
    for outcome, colour in (("granted", "#4c78a8"), ("denied", "#e45756")):
        chosen = [e for e in badge if e.outcome == outcome]
        if chosen:
            figure.add_trace(
                go.Scatter(
                    x=[e.event_time for e in chosen],
                    y=["badge"] * len(chosen),
                    mode="markers",
                    name=f"badge {outcome}",
                    marker={"size": 6, "color": colour, "symbol": "line-ns-open"},
                    text=[f"{e.site_id} {e.zone} {e.direction} ({e.event_id})" for e in chosen],
                    hovertemplate="%{x}<br>%{text}<extra></extra>",
                ),
                row=2,
                col=1,
            )
    if access:
        figure.add_trace(
            go.Scatter(
                x=[e.event_time for e in access],
                y=["access"] * len(access),
                mode="markers",
                name="system access",
                marker={
                    "size": 6,
                    "symbol": "line-ns-open",
                    "color": ["#f58518" if e.case_ref is None else "#54a24b" for e in access],
                },
                text=[
                    f"{e.system} {e.action} {e.record_type}"
                    + (f" case {e.case_ref}" if e.case_ref else " (no case)")
                    for e in access
                ],
                hovertemplate="%{x}<br>%{text}<extra></extra>",
            ),
            row=2,
            col=1,
        )
    if line.alerts:
        figure.add_trace(
            go.Scatter(
                x=[a.event_time for a in line.alerts],
                y=["alerts"] * len(line.alerts),
                mode="markers",
                name="alerts",
                marker={
                    "size": 12,
                    "symbol": "diamond",
                    "color": [
                        "#d62728" if a.category == "integrity" else "#9467bd" for a in line.alerts
                    ],
                },
                text=[f"<b>{a.detector}</b> ({a.severity})<br>{a.summary}" for a in line.alerts],
                hovertemplate="%{x}<br>%{text}<extra></extra>",
            ),
            row=2,
            col=1,
        )
    officer = line.officer
    shown = len(badge) + len(access)
    figure.update_layout(
        title=(
            f"{officer.officer_id}: risk up to {officer.max_risk:.1f}, "
            f"{officer.integrity} integrity and {officer.welfare} welfare alerts "
            f"({shown:,} of {line.events_in_window:,} badge and system events drawn)"
        ),
        height=460,
        legend={"font": {"size": 10}},
    )
    figure.update_xaxes(range=[_iso(line.start), _iso(line.end)], row=2, col=1)
    figure.update_yaxes(
        categoryorder="array",
        categoryarray=["roster", "badge", "access", "alerts"],
        row=2,
        col=1,
    )
    figure.update_yaxes(title_text="risk", row=1, col=1)
    return _html(figure, f"fig-timeline-{number}")


def score_distributions(stats: AlertStats) -> str:
    """One panel per detector, each on its own scale: scores mean different things per detector."""
    go = _go()
    names = sorted(stats.scores)
    colours = _palette(names)
    columns = 3
    rows = max(1, -(-len(names) // columns))
    figure = _subplots().make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[f"{name} ({stats.scores[name].seen:,})" for name in names],
        vertical_spacing=min(0.12, 0.6 / rows),
        horizontal_spacing=0.06,
    )
    for i, name in enumerate(names):
        figure.add_trace(
            go.Box(
                x=stats.scores[name].items,
                name=name,
                boxpoints="all",
                jitter=0.5,
                pointpos=0,
                marker={"size": 4, "opacity": 0.5},
                orientation="h",
                line_color=colours[name],
                hoverinfo="x",
            ),
            row=i // columns + 1,
            col=i % columns + 1,
        )
    figure.update_yaxes(showticklabels=False)
    figure.update_annotations(font_size=11)
    figure.update_layout(
        title="Alert scores by detector (alerts in brackets; at most 2,000 drawn each)",
        showlegend=False,
        height=130 * rows + 120,
    )
    return _html(figure, "fig-scores")


def dead_letter_reasons(stats: DeadLetterStats) -> str:
    """Horizontal bars: rejected lines by reason."""
    go = _go()
    top = list(reversed(stats.reasons.most_common(15)))
    figure = go.Figure(
        go.Bar(
            x=[count for _, count in top],
            y=[reason if len(reason) < 70 else reason[:67] + "..." for reason, _ in top],
            orientation="h",
            marker_color="#9d755d",
            hovertext=[reason for reason, _ in top],
        )
    )
    figure.update_layout(
        title="Rejected lines by reason",
        xaxis_title="lines",
        height=max(260, 26 * len(top) + 120),
        margin={"l": 320},
    )
    return _html(figure, "fig-dead-letters")
