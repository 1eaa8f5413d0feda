"""ConfigDef: a config key's Kafka type and valid values, and Kafka's wording when a value breaks them.

Kafka parses every value by its key's type, then checks the key's validator
(``ConfigDef.parseType``, ``Range.ensureValid``, ``ValidString``/``ValidList``):

    INT     32-bit signed        LONG    64-bit signed     SHORT   16-bit signed
    DOUBLE  a Java double        BOOLEAN true or false     STRING  trimmed text
    LIST    comma-separated      (numbers: an optional sign and decimal digits only)

and a failure is one line, ``Invalid value V for configuration K: reason``
(``ConfigException``), e.g. ``Invalid value 3000000000 for configuration
segment.bytes: Not a number of type INT``. The tables of keys live with their
owners: broker keys in ``config.py``, topic keys in ``topic_config.py``; each
key is one ``ConfigKey`` line there.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum


class ConfigType(IntEnum):  # DescribeConfigs v3+ config_type
    BOOLEAN = 1
    STRING = 2
    INT = 3
    SHORT = 4
    LONG = 5
    DOUBLE = 6
    LIST = 7
    CLASS = 8
    PASSWORD = 9


_BITS = {ConfigType.SHORT: 16, ConfigType.INT: 32, ConfigType.LONG: 64}
_INTEGER = re.compile(r"[+-]?[0-9]+")  # Integer.parseInt / Long.parseLong
_DOUBLE = re.compile(r"[+-]?(NaN|Infinity|([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[fFdD]?)")  # Double.parseDouble
_COMMA = re.compile(r"\s*,\s*")


@dataclass(frozen=True, slots=True)
class Range:
    """ConfigDef.Range: ``at_least(n)`` or ``between(a, b)``, inclusive."""

    min: int | float | None = None
    max: int | float | None = None

    def problem(self, value: float) -> str | None:
        if self.min is not None and value < self.min:
            return f"Value must be at least {self.min}"
        if self.max is not None and value > self.max:
            return f"Value must be no more than {self.max}"
        return None


def at_least(minimum: float) -> Range:
    return Range(minimum, None)


def between(minimum: float, maximum: float) -> Range:
    return Range(minimum, maximum)


@dataclass(frozen=True, slots=True)
class ValidString:
    """ConfigDef.ValidString (a STRING key) or ValidList (each item of a LIST key): one of ``values``, case-sensitive."""

    values: tuple[str, ...]

    def problem(self, value: str) -> str | None:
        return None if value in self.values else f"String must be one of: {', '.join(self.values)}"


def one_of(*values: str) -> ValidString:
    return ValidString(values)


@dataclass(frozen=True, slots=True)
class ConfigKey:
    name: str
    type: ConfigType
    validator: Range | ValidString | None = None


class InvalidConfig(ValueError):
    """Kafka's ConfigException: the message is the whole line."""


def parse(key: ConfigKey, value: str):
    """The value as Kafka's type (int, float, bool, str or list of str); raises InvalidConfig in Kafka's words."""
    parsed = _parse_type(key, value)
    check = key.validator
    if check is None:
        return parsed
    items = parsed if key.type is ConfigType.LIST else [parsed]
    for item in items:
        reason = check.problem(item)
        if reason:
            raise InvalidConfig(f"Invalid value {_java_str(item)} for configuration {key.name}: {reason}")
    return parsed


def problem(key: ConfigKey, value: str) -> str | None:
    """Kafka's complaint about ``value`` for ``key``, or None."""
    try:
        parse(key, value)
    except InvalidConfig as exc:
        return str(exc)
    return None


def table(*keys: ConfigKey) -> dict[str, ConfigKey]:
    return {k.name: k for k in keys}


def _parse_type(key: ConfigKey, value: str):
    trimmed = value.strip()
    t = key.type
    if t in _BITS:
        bound = 1 << (_BITS[t] - 1)
        if _INTEGER.fullmatch(trimmed) and -bound <= int(trimmed) < bound:
            return int(trimmed)
        raise InvalidConfig(f"Invalid value {value} for configuration {key.name}: Not a number of type {t.name}")
    if t is ConfigType.DOUBLE:
        if not _DOUBLE.fullmatch(trimmed):
            raise InvalidConfig(f"Invalid value {value} for configuration {key.name}: Not a number of type DOUBLE")
        return float(trimmed.rstrip("fFdD").replace("Infinity", "inf"))
    if t is ConfigType.BOOLEAN:
        if trimmed.lower() not in ("true", "false"):
            raise InvalidConfig(f"Invalid value {value} for configuration {key.name}: Expected value to be either true or false")
        return trimmed.lower() == "true"
    if t is ConfigType.LIST:
        return _COMMA.split(trimmed) if trimmed else []
    return trimmed


def _java_str(value) -> str:
    """How Java prints the parsed value in a ConfigException (Integer, Long, Double, String)."""
    if not isinstance(value, float):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(value)
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()  # finite here: exponent is an int
    mantissa = "".join(map(str, digits))
    head, tail = mantissa[0], mantissa[1:] or "0"
    return f"{'-' if sign else ''}{head}.{tail}E{int(exponent) + len(mantissa) - 1}"
