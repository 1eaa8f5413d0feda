"""Kafka client properties → kafka-python keyword arguments.

The console tools take Kafka's property names (``--producer-property acks=all``,
``--consumer.config consumer.properties``); kafka-python spells them with
underscores and sometimes wants other types. Unknown properties are passed
through when kafka-python knows the underscored name, else reported.
"""

from __future__ import annotations

from pathlib import Path

from kcli.config.properties import parse_properties
from kcli.tools.errors import ToolError

_INT = {
    "linger.ms", "batch.size", "buffer.memory", "max.block.ms", "request.timeout.ms", "retries", "retry.backoff.ms",
    "max.request.size", "max.in.flight.requests.per.connection", "delivery.timeout.ms", "fetch.min.bytes",
    "fetch.max.bytes", "fetch.max.wait.ms", "max.partition.fetch.bytes", "max.poll.records", "session.timeout.ms",
    "heartbeat.interval.ms", "auto.commit.interval.ms", "metadata.max.age.ms", "connections.max.idle.ms",
    "reconnect.backoff.ms", "reconnect.backoff.max.ms", "send.buffer.bytes", "receive.buffer.bytes",
    "default.api.timeout.ms", "max.poll.interval.ms",
}
_BOOL = {"enable.idempotence", "enable.auto.commit", "check.crcs", "allow.auto.create.topics"}
_RENAMED = {"max.in.flight.requests.per.connection": "max_in_flight_requests_per_connection"}
_IGNORED = {"key.serializer", "value.serializer", "key.deserializer", "value.deserializer", "partitioner.class", "interceptor.classes"}


def read_properties(path: str | Path) -> dict[str, str]:
    try:
        return parse_properties(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ToolError(f"Cannot read {path}: {exc.strerror}") from None


def parse_key_values(items: list[str]) -> dict[str, str]:
    """``key=value`` pairs split on the first ``=``; a bare key gets an empty value (Kafka's parseKeyValueArgs)."""
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        out[key.strip()] = value
    return out


def to_kafka_python(props: dict[str, str], accepted: set[str]) -> dict:
    """kafka-python kwargs for Kafka properties; ``accepted`` is the client's DEFAULT_CONFIG keys."""
    kwargs = {}
    for key, value in props.items():
        if key in _IGNORED:
            continue
        name = _RENAMED.get(key, key.replace(".", "_"))
        if name not in accepted:
            raise ToolError(f"Unknown client property '{key}'")
        if key == "acks":
            kwargs[name] = "all" if value in ("all", "-1") else int(value)
        elif key in _INT:
            kwargs[name] = int(value)
        elif key in _BOOL:
            kwargs[name] = value.strip().lower() == "true"
        elif key == "compression.type":
            kwargs[name] = None if value in ("none", "") else value
        else:
            kwargs[name] = value
    return kwargs
