"""Reading one environment variable as a typed value, collecting problems instead of raising, so
`Settings.from_env` reports every bad variable at once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from callrecap.settings.env_vars import EnvVar

_Choice = TypeVar("_Choice", bound=StrEnum)


def parse_list(raw: str) -> tuple[str, ...]:
    """A JSON list of strings or a comma-separated string (how CDK passes a list to an env var)."""
    text = raw.strip()
    if text.startswith("["):
        try:
            values = json.loads(text)
        except ValueError:
            values = []
        return tuple(str(v).strip() for v in values if str(v).strip()) if isinstance(values, list) else ()
    return tuple(part.strip() for part in text.split(",") if part.strip())


class EnvReader:
    """The environment's values by EnvVar; `problems` lists what could not be read."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def text(self, var: EnvVar, default: str = "") -> str:
        return self.environ.get(var.value, default).strip()

    def integer(self, var: EnvVar, default: int, minimum: int) -> int:
        raw = self.text(var)
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(f"{var.value} must be an integer, got {raw!r}")
            return default
        if value < minimum:
            self.problems.append(f"{var.value} must be >= {minimum}, got {value}")
        return value

    def flag(self, var: EnvVar, default: bool) -> bool:
        """true/false (also 1/0, yes/no, on/off); anything else is a problem, not a guess: a
        misspelt "ture" must not quietly leave PII redaction off."""
        raw = self.text(var).lower()
        if not raw:
            return default
        if raw in ("true", "1", "yes", "on"):
            return True
        if raw in ("false", "0", "no", "off"):
            return False
        self.problems.append(f"{var.value} must be true or false, got {raw!r}")
        return default

    def choice(self, var: EnvVar, default: _Choice) -> _Choice:
        raw = self.text(var) or default.value
        choices = type(default)
        for choice in choices:
            if choice.value.lower() == raw.lower():
                return choice
        allowed = ", ".join(c.value for c in choices)
        self.problems.append(f"{var.value} must be one of {allowed}, got {raw.lower()!r}")
        return default
