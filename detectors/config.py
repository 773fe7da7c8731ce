"""The one frozen settings object of the detector core, loaded from TOML.

`detectors/defaults.toml` ships with the package and holds every setting with the reason for its
value. A deployment overrides a subset in its own TOML file; an override must name a setting that
exists in the defaults and keep its type, so a typo fails loudly instead of being ignored.

The hash of the merged configuration (`config_hash`) is stamped into every alert, so a reviewer
can always tell which thresholds produced it.

Examples
--------
>>> config = load_config()
>>> config.allowed_lateness_seconds
300.0
>>> config.detector("impossible_travel").version
1
>>> config.config_hash.startswith("sha256:") and len(config.config_hash) == 15
True
>>> load_config(overrides={"core": {"risk_threshold": 12.0}}).risk_threshold
12.0
>>> load_config(overrides={"core": {"risk_treshold": 12.0}})
Traceback (most recent call last):
...
detectors.config.ConfigError: core.risk_treshold: unknown setting
"""

from __future__ import annotations

import copy
import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

import orjson

Severity = Literal["low", "medium", "high"]
Category = Literal["integrity", "welfare"]
ParamValue = bool | int | float | str
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high")


class ConfigError(ValueError):
    """A configuration file or override that does not fit the defaults."""


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    """Settings of one detector: the common ones plus its own `params`."""

    name: str
    enabled: bool
    version: int
    severity: Severity
    risk_points: float
    suppress_seconds: float
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def num(self, key: str) -> float:
        """A numeric parameter as float (ints are accepted in TOML)."""
        value = self.params[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"detectors.{self.name}.{key}: not a number")
        return float(value)

    def int(self, key: str) -> int:
        value = self.params[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"detectors.{self.name}.{key}: not an integer")
        return value

    def text(self, key: str) -> str:
        value = self.params[key]
        if not isinstance(value, str):
            raise ConfigError(f"detectors.{self.name}.{key}: not a string")
        return value

    def flag(self, key: str) -> bool:
        value = self.params[key]
        if not isinstance(value, bool):
            raise ConfigError(f"detectors.{self.name}.{key}: not a boolean")
        return value


_COMMON_KEYS = frozenset({"enabled", "version", "severity", "risk_points", "suppress_hours"})


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Everything the core needs to know, built once and passed down (never mutated)."""

    timezone: str
    allowed_lateness_seconds: float
    dedup_memory: int
    risk_half_life_days: float
    risk_threshold: float
    risk_rearm_fraction: float
    risk_min_points: float
    max_risk_contributions: int
    welfare_delay_days: int
    peer_group_by: tuple[str, ...]
    seed: int
    own_history_days: int
    detectors: Mapping[str, DetectorSettings]
    config_hash: str
    raw: Mapping[str, Any]

    def detector(self, name: str) -> DetectorSettings:
        try:
            return self.detectors[name]
        except KeyError:
            raise ConfigError(f"detectors.{name}: no such detector") from None

    def enabled(self, name: str) -> bool:
        settings = self.detectors.get(name)
        return settings is not None and settings.enabled


def _defaults() -> dict[str, Any]:
    text = resources.files("detectors").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _merge(base: dict[str, Any], override: Mapping[str, Any], path: str) -> None:
    for key, value in override.items():
        where = f"{path}.{key}" if path else key
        if key not in base:
            raise ConfigError(f"{where}: unknown setting")
        current = base[key]
        if isinstance(current, dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}: expected a table")
            _merge(current, value, where)
            continue
        if isinstance(current, bool) != isinstance(value, bool):
            raise ConfigError(f"{where}: expected {type(current).__name__}")
        # An int where a float is expected (TOML's `12` for `12.0`) is fine.
        accepted = float(value) if isinstance(current, float) and isinstance(value, int) else value
        if type(accepted) is not type(current):
            raise ConfigError(f"{where}: expected {type(current).__name__}")
        base[key] = accepted


def _hash(merged: Mapping[str, Any]) -> str:
    canonical = orjson.dumps(merged, option=orjson.OPT_SORT_KEYS)
    return "sha256:" + hashlib.sha256(canonical).hexdigest()[:8]


def _detector(name: str, table: Mapping[str, Any]) -> DetectorSettings:
    severity = table["severity"]
    if severity not in SEVERITIES:
        raise ConfigError(f"detectors.{name}.severity: must be one of {', '.join(SEVERITIES)}")
    params = {k: v for k, v in table.items() if k not in _COMMON_KEYS}
    return DetectorSettings(
        name=name,
        enabled=bool(table["enabled"]),
        version=int(table["version"]),
        severity=cast(Severity, severity),
        risk_points=float(table["risk_points"]),
        suppress_seconds=float(table["suppress_hours"]) * 3600.0,
        params=params,
    )


def build_config(merged: Mapping[str, Any]) -> DetectorConfig:
    """Build the frozen settings from an already merged and checked table."""
    core = merged["core"]
    detectors = {name: _detector(name, t) for name, t in sorted(merged["detectors"].items())}
    if core["allowed_lateness_seconds"] < 0:
        raise ConfigError("core.allowed_lateness_seconds: must be >= 0")
    if core["risk_half_life_days"] <= 0:
        raise ConfigError("core.risk_half_life_days: must be > 0")
    if core["own_history_days"] <= 0:
        raise ConfigError("core.own_history_days: must be > 0")
    return DetectorConfig(
        timezone=core["timezone"],
        allowed_lateness_seconds=float(core["allowed_lateness_seconds"]),
        dedup_memory=int(core["dedup_memory"]),
        risk_half_life_days=float(core["risk_half_life_days"]),
        risk_threshold=float(core["risk_threshold"]),
        risk_rearm_fraction=float(core["risk_rearm_fraction"]),
        risk_min_points=float(core["risk_min_points"]),
        max_risk_contributions=int(core["max_risk_contributions"]),
        welfare_delay_days=int(core["welfare_delay_days"]),
        peer_group_by=tuple(core["peer_group_by"]),
        seed=int(core["seed"]),
        own_history_days=int(core["own_history_days"]),
        detectors=detectors,
        config_hash=_hash(merged),
        raw=merged,
    )


def load_config(
    path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None
) -> DetectorConfig:
    """The defaults, overridden by the TOML file at `path` and then by `overrides`."""
    merged = _defaults()
    if path is not None:
        try:
            with open(path, "rb") as handle:
                user = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{path}: {error}") from error
        _merge(merged, user, "")
    if overrides:
        _merge(merged, copy.deepcopy(dict(overrides)), "")
    return build_config(merged)
