"""Tiny typed readers for environment variables.

Every variable the settings read goes through these helpers, which record its name in ``ENV_VARS``.
The docker compose test compares that registry with what the compose file and ``.env.example`` set,
so a variable cannot exist only in production.
"""

from __future__ import annotations

import os

ENV_VARS: dict[str, str] = {}


def _read(name: str, default: str) -> str:
    ENV_VARS[name] = default
    return os.environ.get(name, default)


def envstr(name: str, default: str = "") -> str:
    return _read(name, default)


def envbool(name: str, default: bool = False) -> bool:
    value = _read(name, "1" if default else "0").strip().lower()
    return value in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(_read(name, str(default)))


def envfloat(name: str, default: float) -> float:
    return float(_read(name, str(default)))


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in _read(name, default).split(",") if item.strip()]
