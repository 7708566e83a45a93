"""Settings of the API service: ``settings.yaml`` beside this file, then environment overrides."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from common.yamlfile import load_yaml

SETTINGS_PATH = Path(__file__).resolve().with_name("settings.yaml")
ENV = {
    "keep_versions": "ATLAS_API_KEEP_VERSIONS",
    "rate_limit_per_minute": "ATLAS_API_RATE_LIMIT",
    "max_observations": "ATLAS_API_MAX_OBSERVATIONS",
    "max_rows": "ATLAS_API_MAX_ROWS",
    "response_cache_mb": "ATLAS_API_RESPONSE_CACHE_MB",
}


@dataclass(frozen=True)
class Settings:
    keep_versions: int = 20
    open_versions: int = 3
    rate_limit_per_minute: int = 120
    rate_limit_burst: int = 40
    max_observations: int = 200_000
    max_observations_xml: int = 50_000
    max_rows: int = 200_000
    max_query_length: int = 4096
    response_cache_mb: int = 64


def load_settings(path: Path = SETTINGS_PATH, **overrides: int) -> Settings:
    """The settings file, then ``ATLAS_API_*`` variables, then ``overrides``; every value a whole number >= 0."""
    raw = load_yaml(path) or {}
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"{path}: unknown settings {unknown}; known: {sorted(known)}")
    for name, var in ENV.items():
        if os.environ.get(var):
            raw[name] = os.environ[var]
    raw.update(overrides)
    values = {}
    for name, value in raw.items():
        try:
            values[name] = int(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"setting {name} must be a whole number, got {value!r} (from {path} or ${ENV.get(name, '')})"
            ) from None
        if values[name] < 0:
            raise ValueError(f"setting {name} must be >= 0, got {value!r}")
    return replace(Settings(), **values)
