"""`watchfloor check`: validate a deployment's configuration before it runs (or while it does).

It checks that the detector configuration loads; that every metric a dashboard panel or a
Prometheus rule reads is one the worker exports or a rule records (a renamed metric otherwise
leaves a panel silently empty); and, given a broker, that every topic exists with the partition
count and compaction the service expects. Each finding is one line on stdout: `ok`, `problem`
or `skipped` (a check that could not run, and why). Exit 0 when nothing is wrong, 1 when a
problem is found, 2 on a usage error (a path that does not exist, a bad option).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streams.cli_support import add_option, kafka_security_from

REPO_DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
# Series Prometheus makes itself for every target, so no exporter needs to export them.
SCRAPE_SERIES = frozenset(
    {
        "up",
        "scrape_duration_seconds",
        "scrape_samples_scraped",
        "scrape_samples_post_metric_relabeling",
        "scrape_series_added",
        "ALERTS",
        "ALERTS_FOR_STATE",
    }
)
# PromQL words that look like metric names: operators, aggregations, modifiers, constants.
PROMQL_WORDS = frozenset(
    {
        "and",
        "or",
        "unless",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "offset",
        "bool",
        "sum",
        "min",
        "max",
        "avg",
        "group",
        "stddev",
        "stdvar",
        "count",
        "count_values",
        "bottomk",
        "topk",
        "quantile",
        "limitk",
        "limit_ratio",
        "atan2",
        "inf",
        "nan",
        "start",
        "end",
    }
)
_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(
    r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", re.IGNORECASE
)
# Grafana's variables ($__rate_interval, ${job}) stand for values, never for metric names.
_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+")
_NAME = re.compile(r"(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads.

    Label names, label values, functions, keywords and durations are left out; this is a
    lexical reading, enough for the expressions dashboards and rules use.

    >>> sorted(metric_names(
    ...     'sum by (le) (rate(watchfloor_x_bucket{reason="bad time"}[5m] offset 1w)) '
    ...     '/ ignoring (source) group_left clamp_min(sum(up{job="w"}), 1e-9) or on () vector(0)'
    ... ))
    ['up', 'watchfloor_x_bucket']
    >>> sorted(metric_names("3600 * watchfloor:alerts:rate1h + 1 / 86400 > bool 0"))
    ['watchfloor:alerts:rate1h']
    >>> sorted(metric_names("rate(foo_total[$__rate_interval]) and bar"))
    ['bar', 'foo_total']
    """
    text = _STRING.sub('""', expr)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GROUPING.sub(r" \1 ", text)
    text = _VARIABLE.sub(" 1 ", text)
    names: set[str] = set()
    for match in _NAME.finditer(text):
        word = match.group()
        follows = text[match.end() :].lstrip()
        if follows.startswith("(") or word.lower() in PROMQL_WORDS:
            continue
        names.add(word)
    return names


@dataclass
class Report:
    """Findings in the order they were made; printed as one line each."""

    lines: list[tuple[str, str]] = field(default_factory=list)

    def ok(self, text: str) -> None:
        self.lines.append(("ok", text))

    def problem(self, text: str) -> None:
        self.lines.append(("problem", text))

    def skipped(self, text: str) -> None:
        self.lines.append(("skipped", text))

    @property
    def problems(self) -> int:
        return sum(1 for kind, _ in self.lines if kind == "problem")


class UsageError(Exception):
    """A flag the user must change; exits 2."""


# ----------------------------------------------------------------------------- the checks


def check_detector_config(path: Path | None, report: Report) -> None:
    from detectors.config import ConfigError, load_config

    where = str(path) if path else "built-in defaults"
    try:
        config = load_config(path)
    except (ConfigError, OSError, ValueError) as error:
        report.problem(f"detector configuration ({where}): {error}")
        return
    enabled = sum(1 for name in config.detectors if config.enabled(name))
    report.ok(
        f"detector configuration ({where}): {len(config.detectors)} detectors, {enabled} "
        f"enabled, {config.config_hash}"
    )


def exported_names() -> set[str]:
    """Every sample name a worker's registry exports, suffixes included."""
    from streams.service.metrics import WorkerMetrics

    return WorkerMetrics().names()


def rule_files(location: Path) -> list[Path]:
    if location.is_file():
        return [location]
    return sorted(location.glob("*.rules.yml")) + sorted(location.glob("*.rules.yaml"))


def load_rules(files: list[Path], report: Report) -> list[tuple[str, str, str]]:
    """(file, rule name, expression) of every rule; unreadable files are reported."""
    import yaml

    rules: list[tuple[str, str, str]] = []
    for path in files:
        try:
            document = yaml.safe_load(path.read_text())
            for group in document["groups"]:
                for rule in group["rules"]:
                    name = rule.get("record") or rule.get("alert") or "?"
                    rules.append((path.name, str(name), str(rule["expr"])))
        except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
            report.problem(f"rules {path}: cannot be read as Prometheus rules: {error!r}")
    return rules


def panel_expressions(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(panel title, expression) of every query, rows' nested panels included."""

    def walk(panels: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
        for panel in panels:
            for target in panel.get("targets", []):
                if target.get("expr"):
                    yield str(panel.get("title", "?")), str(target["expr"])
            yield from walk(panel.get("panels", []))

    yield from walk(dashboard.get("panels", []))


def provisioned_uids(dashboards: Path) -> set[str] | None:
    """Datasource uids provisioned beside the dashboards (`../provisioning/datasources`), if
    that folder exists, as it does in deploy/grafana."""
    import yaml

    folder = dashboards.parent / "provisioning" / "datasources"
    if not folder.is_dir():
        return None
    uids: set[str] = set()
    for path in sorted(folder.glob("*.y*ml")):
        try:
            document = yaml.safe_load(path.read_text()) or {}
            uids.update(str(d["uid"]) for d in document.get("datasources", []) if "uid" in d)
        except (OSError, yaml.YAMLError, TypeError, AttributeError):
            continue
    return uids


def provisioning_problems(dashboard: dict[str, Any], uids: set[str] | None) -> list[str]:
    """What keeps a dashboard from loading by file provisioning as it is: the leftovers of a
    Grafana export (`__inputs`, `${DS_...}` datasources, a numeric id) and unknown datasources.

    >>> provisioning_problems({"id": 3, "uid": "x", "__inputs": [], "panels": [
    ...     {"title": "A", "datasource": "${DS_PROMETHEUS}"},
    ...     {"title": "B", "datasource": {"type": "prometheus", "uid": "other"}}]}, {"p"})
    ... # doctest: +NORMALIZE_WHITESPACE
    ['"id" must be null for provisioning, not 3',
     '"__inputs" is left from an export; provisioning does not fill it in',
     'panel A: datasource ${DS_PROMETHEUS} is not a provisioned datasource uid',
     'panel B: datasource other is not a provisioned datasource uid']
    """
    problems = []
    if dashboard.get("id") is not None:
        problems.append(f'"id" must be null for provisioning, not {dashboard["id"]}')
    if not dashboard.get("uid"):
        problems.append('no "uid": links to it would change on every load')
    if "__inputs" in dashboard:
        problems.append('"__inputs" is left from an export; provisioning does not fill it in')

    def walk(panels: list[dict[str, Any]]) -> Iterator[tuple[str, Any]]:
        for panel in panels:
            title = str(panel.get("title", "?"))
            for node in (panel, *panel.get("targets", [])):
                if "datasource" in node:
                    yield title, node["datasource"]
            yield from walk(panel.get("panels", []))

    for title, source in walk(dashboard.get("panels", [])):
        uid = source.get("uid") if isinstance(source, dict) else source
        # A datasource by name or placeholder, or one not provisioned, leaves the panel empty.
        if not isinstance(source, dict) or (uids is not None and uid not in uids):
            text = f"panel {title}: datasource {uid} is not a provisioned datasource uid"
            if text not in problems:
                problems.append(text)
    return problems


def check_names(
    where: str, expressions: list[tuple[str, str]], known: set[str], recorded: set[str] | None
) -> list[str]:
    """One problem text per unknown metric name, per place it is read.

    `recorded` None means the rules were not read, so recorded names cannot be judged.
    """
    problems = []
    for place, expr in expressions:
        for name in sorted(metric_names(expr)):
            if ":" in name:
                if recorded is not None and name not in recorded:
                    problems.append(
                        f"{where}, {place}: {name} is not recorded by any recording rule"
                    )
            elif name not in known and name not in SCRAPE_SERIES:
                problems.append(f"{where}, {place}: {name} is not exported by the worker")
    return problems


def check_rules_and_dashboards(
    rules_location: Path | None, dashboards: Path | None, report: Report
) -> None:
    known = exported_names()
    rules: list[tuple[str, str, str]] = []
    if rules_location is None:
        report.skipped("prometheus rules: no rules directory (give --rules)")
    else:
        files = rule_files(rules_location)
        if not files:
            report.problem(f"prometheus rules: no *.rules.yml in {rules_location}")
        rules = load_rules(files, report)
    recorded = None if rules_location is None else {name for _, name, _ in rules if ":" in name}
    if rules:
        problems = []
        for file in sorted({file for file, _, _ in rules}):
            found = [(f"rule {name}", expr) for f, name, expr in rules if f == file]
            problems += check_names(f"rules {file}", found, known, recorded)
        for text in problems:
            report.problem(text)
        if not problems:
            report.ok(
                f"prometheus rules: {len(rules)} rules read only metrics the worker exports "
                "or other rules record"
            )
    if dashboards is None:
        report.skipped("dashboards: no dashboards directory (give --dashboards)")
        return
    files = sorted(dashboards.glob("*.json"))
    if not files:
        report.problem(f"dashboards: no *.json in {dashboards}")
    for path in files:
        try:
            document = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            report.problem(f"dashboard {path.name}: not readable JSON: {error}")
            continue
        expressions = list(panel_expressions(document))
        problems = check_names(f"dashboard {path.name}", expressions, known, recorded)
        problems += [
            f"dashboard {path.name}: {text}"
            for text in provisioning_problems(document, provisioned_uids(dashboards))
        ]
        for text in problems:
            report.problem(text)
        if not expressions:
            report.problem(f"dashboard {path.name}: no panel has a query")
        elif not problems:
            report.ok(
                f"dashboard {path.name}: {len(expressions)} queries read only exported or "
                "recorded metrics; fit for file provisioning"
            )


def check_topics(
    bootstrap: str | None,
    prefix: str,
    partitions: int,
    app_id: str,
    report: Report,
    *,
    client_options: dict[str, Any] | None = None,
) -> None:
    if not bootstrap:
        report.skipped("topics: no broker given (--bootstrap or WATCHFLOOR_KAFKA_BOOTSTRAP)")
        return
    from streams.service.settings import ServiceSettings, SettingsError
    from streams.service.topology import topic_specs

    try:
        settings = ServiceSettings(
            bootstrap=bootstrap, topic_prefix=prefix, partitions=partitions, app_id=app_id
        )
    except SettingsError as error:
        raise UsageError(str(error)) from error
    try:
        names = [spec.name for spec in topic_specs(settings)]
        actual = describe_topics(bootstrap, names, client_options or {})
    except Exception as error:  # kafka-python raises several unrelated types when unreachable
        report.problem(f"topics: the broker at {bootstrap} cannot be reached: {error!r}")
        return
    wrong = 0
    for spec in topic_specs(settings):
        found = actual.get(spec.name)
        if found is None:
            report.problem(f"topic {spec.name}: missing (`watchfloor serve` creates it)")
            wrong += 1
            continue
        count, policy = found
        if count != spec.partitions:
            report.problem(
                f"topic {spec.name}: {count} partitions, expected {spec.partitions} (re-keyed "
                "state would land on the wrong partition)"
            )
            wrong += 1
        if spec.compacted != ("compact" in policy):
            expected = "compact" if spec.compacted else "delete"
            report.problem(f"topic {spec.name}: cleanup.policy {policy}, expected {expected}")
            wrong += 1
    if not wrong:
        report.ok(f"topics: all {len(actual)} exist with the expected partitions and compaction")


def describe_topics(
    bootstrap: str, names: list[str], client_options: dict[str, Any]
) -> dict[str, tuple[int, str]]:
    """(partition count, cleanup.policy) of each of `names` that exists."""
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource, ConfigResourceType

    # The report says when the broker cannot be reached; the client's retries, one log line
    # each, would only bury it.
    quiet = logging.getLogger("kafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        # Short timeouts: a check should answer in seconds, not retry for half a minute.
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            request_timeout_ms=15_000,
            bootstrap_timeout_ms=10_000,
            **client_options,
        )
    finally:
        quiet.setLevel(level)
    try:
        existing = set(admin.list_topics()) & set(names)
        if not existing:
            return {}
        counts = {
            str(topic["topic"] if "topic" in topic else topic["name"]): len(topic["partitions"])
            for topic in admin.describe_topics(sorted(existing))
        }
        configs = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in sorted(existing)],
            config_filter="all",
        )
        topics = configs.get("topic", {})
        return {
            name: (
                counts.get(name, 0),
                str(topics.get(name, {}).get("cleanup.policy", {}).get("value", "delete")),
            )
            for name in existing
        }
    finally:
        admin.close()


# ----------------------------------------------------------------------------- the command


def _default_dir(*parts: str) -> str | None:
    candidate = REPO_DEPLOY.joinpath(*parts)
    return str(candidate) if candidate.is_dir() else None


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    from streams.service.command import add_service_options

    parser = subparsers.add_parser(
        "check",
        help="validate the detector config, dashboards, Prometheus rules and topics",
        description=(
            "Validate a deployment: the detector configuration loads; every metric the "
            "dashboards and Prometheus rules read is exported by the worker or recorded by a "
            "rule; and, with a broker, every topic exists with the expected partitions and "
            "compaction. Exit 0 when all is well, 1 when a problem is found, 2 on usage errors."
        ),
    )
    add_service_options(parser)
    add_option(
        parser,
        "--app-id",
        env="WATCHFLOOR_APP_ID",
        default="watchfloor",
        help="app id whose table changelog topics to check",
    )
    add_option(
        parser,
        "--config",
        env="WATCHFLOOR_CONFIG",
        help="detector configuration TOML (defaults built in)",
    )
    add_option(
        parser,
        "--dashboards",
        env="WATCHFLOOR_DASHBOARDS",
        default=_default_dir("grafana", "dashboards"),
        help="directory of Grafana dashboard JSON files",
    )
    add_option(
        parser,
        "--rules",
        env="WATCHFLOOR_PROMETHEUS_RULES",
        default=_default_dir("prometheus"),
        help="Prometheus rules file, or a directory of *.rules.yml",
    )
    parser.set_defaults(handler=run)


def _existing(path: str | None, flag: str) -> Path | None:
    if path is None:
        return None
    found = Path(path)
    if not found.exists():
        raise UsageError(f"{flag} {path}: no such file or directory")
    return found


def run(args: argparse.Namespace) -> int:
    report = Report()
    try:
        config = _existing(args.config, "--config")
        dashboards = _existing(args.dashboards, "--dashboards")
        rules = _existing(args.rules, "--rules")
        if args.partitions < 1:
            raise UsageError(f"--partitions must be at least 1, got {args.partitions}")
        check_detector_config(config, report)
        check_rules_and_dashboards(rules, dashboards, report)
        # TLS and SASL as the worker would connect (PLAINTEXT unless the options say otherwise).
        client_options = kafka_security_from(args).kafka_python() if args.bootstrap else {}
        check_topics(
            args.bootstrap,
            args.topic_prefix,
            args.partitions,
            args.app_id,
            report,
            client_options=client_options,
        )
    except UsageError as error:
        print(f"watchfloor check: {error}", file=sys.stderr)
        return 2
    for kind, text in report.lines:
        print(f"{kind:<8} {text}")
    problems = report.problems
    print(f"{problems} problem{'s' if problems != 1 else ''} found")
    return 1 if problems else 0
