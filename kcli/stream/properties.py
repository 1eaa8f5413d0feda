"""Spring's property sources for ``kcli stream``: ``application.properties``, ``application.yml``, ``--set``.

Keys are Spring's own (``spring.cloud.stream.bindings.<binding>.destination`` …) and are read with
Spring Boot's relaxed binding: ``contentType``, ``content-type`` and ``content_type`` are one key. Only
property names are relaxed; names the user chose — bindings, binders, functions — are kept as written, so
``bindings.toUpper-in-0`` stays ``toUpper-in-0``. YAML nests keys (read when PyYAML is installed) and
is flattened to the same dotted form; a list becomes ``a,b``. Later sources win: file, then ``--set``.
"""

from __future__ import annotations

import re
from pathlib import Path

from kcli.config.properties import parse_properties
from kcli.stream.errors import StreamError

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")

# Key prefixes followed by one user-chosen name (kept verbatim), then property names (relaxed).
_NAMED = (
    "spring.cloud.stream.bindings.",
    "spring.cloud.stream.binders.",
    "spring.cloud.stream.kafka.bindings.",
    "spring.cloud.stream.rabbit.bindings.",
    "spring.cloud.stream.function.bindings.",
)
_MAPS = (".retryable-exceptions.", ".environment.")  # after these, the rest is a map key (kept) or a whole key


def relaxed(segment: str) -> str:
    """One property-name segment in Spring's canonical form: kebab-case, lower case."""
    return _CAMEL.sub(r"-\1", segment).replace("_", "-").lower()


def canonical(key: str) -> str:
    """``key`` with its property names relaxed and its user-chosen names kept."""
    for prefix in _NAMED:
        if relaxed_path(key[: len(prefix)]) == prefix:
            rest = key[len(prefix):]
            name, dot, tail = rest.partition(".")
            if prefix.endswith("function.bindings.") or not dot:
                return prefix + rest
            return prefix + name + "." + _canonical_tail(tail)
    return _canonical_tail(key)


def _canonical_tail(tail: str) -> str:
    parts = tail.split(".")
    out: list[str] = []
    for i, part in enumerate(parts):
        out.append(relaxed(part))
        if out[-1] == "retryable-exceptions":
            return ".".join(out + parts[i + 1:])  # an exception's class name, as written
        if out[-1] == "environment":
            return ".".join(out) + "." + canonical(".".join(parts[i + 1:]))
    return ".".join(out)


def relaxed_path(key: str) -> str:
    return ".".join(relaxed(p) for p in key.split("."))


def flatten_yaml(data, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            flat.update(flatten_yaml(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(data, list):
        flat[prefix] = ",".join(_scalar(v) for v in data)
    elif data is not None:
        flat[prefix] = _scalar(data)
    return flat


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_config(path: Path) -> dict[str, str]:
    """A ``.properties`` or ``.yml``/``.yaml`` file as flat ``key → value`` (keys not yet canonical)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StreamError(f"Cannot read {path}: {exc.strerror or exc}") from None
    if path.suffix.lower() in (".yml", ".yaml"):
        try:
            import yaml
        except ImportError:
            raise StreamError(f"{path} is YAML, which needs PyYAML: pip install pyyaml (or use application.properties)") from None
        try:
            documents = [d for d in yaml.safe_load_all(text) if d]
        except yaml.YAMLError as exc:
            raise StreamError(f"{path} is not valid YAML: {exc}") from None
        flat: dict[str, str] = {}
        for document in documents:
            flat.update(flatten_yaml(document))
        return flat
    return parse_properties(text)


def parse_set(items: list[str]) -> dict[str, str]:
    """``--set key=value`` items."""
    props = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise StreamError(f"--set expects key=value, got '{item}'")
        props[key.strip()] = value.strip()
    return props


class StreamProperties:
    """The merged, canonical properties, with typed look-ups."""

    def __init__(self, *sources: dict[str, str]):
        self.values: dict[str, str] = {}
        for source in sources:
            for key, value in source.items():
                self.values[canonical(key)] = value

    @classmethod
    def load(cls, config: Path | None = None, overrides: dict[str, str] | None = None) -> StreamProperties:
        return cls(read_config(config) if config else {}, overrides or {})

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(canonical(key), default)

    def first(self, *keys: str, default: str | None = None) -> str | None:
        for key in keys:
            value = self.get(key)
            if value is not None:
                return value
        return default

    def with_prefix(self, prefix: str) -> dict[str, str]:
        """``{rest: value}`` for every key under ``prefix.``."""
        prefix = canonical(prefix).rstrip(".") + "."
        return {k[len(prefix):]: v for k, v in self.values.items() if k.startswith(prefix)}

    def integer(self, key: str, value: str | None, default: int) -> int:
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise StreamError(f"{key}={value} is not a whole number") from None

    def number(self, key: str, value: str | None, default: float) -> float:
        if value is None:
            return default
        try:
            return float(value)
        except ValueError:
            raise StreamError(f"{key}={value} is not a number") from None

    @staticmethod
    def boolean(key: str, value: str | None, default: bool) -> bool:
        if value is None:
            return default
        if value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise StreamError(f"{key}={value} is not true or false")
