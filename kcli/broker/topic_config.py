"""Topic configs: their names, defaults, and the broker settings they inherit from.

A topic config's value comes, in Kafka's order of precedence, from the topic
itself (DYNAMIC_TOPIC_CONFIG), from the broker's ``server.properties``
(STATIC_BROKER_CONFIG), or from Kafka's default (DEFAULT_CONFIG). DescribeConfigs
reports the value with its source; ``kcli topics --describe`` lists the ones
that are not defaults, as Kafka does.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ConfigSource(IntEnum):
    DYNAMIC_TOPIC_CONFIG = 1
    STATIC_BROKER_CONFIG = 4
    DEFAULT_CONFIG = 5


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


@dataclass(frozen=True, slots=True)
class TopicConfigDef:
    name: str
    default: str
    type: ConfigType
    broker_key: str | None = None  # the server.properties key that supplies the default


TOPIC_CONFIGS: tuple[TopicConfigDef, ...] = (
    TopicConfigDef("cleanup.policy", "delete", ConfigType.LIST, "log.cleanup.policy"),
    TopicConfigDef("compression.type", "producer", ConfigType.STRING, "compression.type"),
    TopicConfigDef("delete.retention.ms", "86400000", ConfigType.LONG, "log.cleaner.delete.retention.ms"),
    TopicConfigDef("file.delete.delay.ms", "60000", ConfigType.LONG, "log.segment.delete.delay.ms"),
    TopicConfigDef("flush.messages", "9223372036854775807", ConfigType.LONG, "log.flush.interval.messages"),
    TopicConfigDef("flush.ms", "9223372036854775807", ConfigType.LONG, "log.flush.interval.ms"),
    TopicConfigDef("index.interval.bytes", "4096", ConfigType.INT, "log.index.interval.bytes"),
    TopicConfigDef("max.compaction.lag.ms", "9223372036854775807", ConfigType.LONG, "log.cleaner.max.compaction.lag.ms"),
    TopicConfigDef("max.message.bytes", "1048588", ConfigType.INT, "message.max.bytes"),
    TopicConfigDef("message.timestamp.after.max.ms", "9223372036854775807", ConfigType.LONG, "log.message.timestamp.after.max.ms"),
    TopicConfigDef("message.timestamp.before.max.ms", "9223372036854775807", ConfigType.LONG, "log.message.timestamp.before.max.ms"),
    TopicConfigDef("message.timestamp.type", "CreateTime", ConfigType.STRING, "log.message.timestamp.type"),
    TopicConfigDef("min.cleanable.dirty.ratio", "0.5", ConfigType.DOUBLE, "log.cleaner.min.cleanable.ratio"),
    TopicConfigDef("min.compaction.lag.ms", "0", ConfigType.LONG, "log.cleaner.min.compaction.lag.ms"),
    TopicConfigDef("min.insync.replicas", "1", ConfigType.INT, "min.insync.replicas"),
    TopicConfigDef("preallocate", "false", ConfigType.BOOLEAN, "log.preallocate"),
    TopicConfigDef("retention.bytes", "-1", ConfigType.LONG, "log.retention.bytes"),
    TopicConfigDef("retention.ms", "604800000", ConfigType.LONG, None),  # from log.retention.{ms,minutes,hours}
    TopicConfigDef("segment.bytes", "1073741824", ConfigType.INT, "log.segment.bytes"),
    TopicConfigDef("segment.index.bytes", "10485760", ConfigType.INT, "log.index.size.max.bytes"),
    TopicConfigDef("segment.jitter.ms", "0", ConfigType.LONG, "log.roll.jitter.ms"),
    TopicConfigDef("segment.ms", "604800000", ConfigType.LONG, None),  # from log.roll.{ms,hours}
    TopicConfigDef("unclean.leader.election.enable", "false", ConfigType.BOOLEAN, "unclean.leader.election.enable"),
)

BY_NAME = {d.name: d for d in TOPIC_CONFIGS}

_VALID = {
    "cleanup.policy": lambda v: all(p.strip() in ("delete", "compact") for p in v.split(",")),
    "compression.type": lambda v: v in ("producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"),
    "message.timestamp.type": lambda v: v in ("CreateTime", "LogAppendTime"),
}


def validate(name: str, value: str | None) -> str | None:
    """Kafka's complaint about a topic config, or None when it is acceptable."""
    definition = BY_NAME.get(name)
    if definition is None:
        return f"Unknown topic config name: {name}"
    if value is None:
        return None
    check = _VALID.get(name)
    if check is not None and not check(value):
        return f"Invalid value {value} for configuration {name}"
    if definition.type in (ConfigType.INT, ConfigType.LONG, ConfigType.SHORT):
        try:
            int(value)
        except ValueError:
            return f"Invalid value {value} for configuration {name}: Not a number of type {definition.type.name}"
    if definition.type is ConfigType.BOOLEAN and value.lower() not in ("true", "false"):
        return f"Invalid value {value} for configuration {name}: Expected value to be either true or false"
    return None


def broker_defaults(broker_props: dict[str, str]) -> dict[str, tuple[str, ConfigSource]]:
    """Each topic config's value and source before any topic override."""
    out = {}
    for d in TOPIC_CONFIGS:
        if d.broker_key and d.broker_key in broker_props:
            out[d.name] = (broker_props[d.broker_key], ConfigSource.STATIC_BROKER_CONFIG)
        else:
            out[d.name] = (d.default, ConfigSource.DEFAULT_CONFIG)
    # Derived from a synonym with a multiplier: the value follows the broker, the
    # source stays DEFAULT (Kafka's quickstart describe shows only segment.bytes
    # although its server.properties sets log.retention.hours).
    # flush.ms: log.flush.interval.ms, which Kafka defaults to log.flush.scheduler.interval.ms.
    if "log.flush.interval.ms" not in broker_props and "log.flush.scheduler.interval.ms" in broker_props:
        out["flush.ms"] = (broker_props["log.flush.scheduler.interval.ms"], ConfigSource.STATIC_BROKER_CONFIG)
    for name, synonyms in _MULTIPLIED.items():
        for key, factor in synonyms:
            if key in broker_props:
                out[name] = (str(int(broker_props[key]) * factor), ConfigSource.DEFAULT_CONFIG)
                break
    return out


_MULTIPLIED = {
    "retention.ms": (("log.retention.ms", 1), ("log.retention.minutes", 60_000), ("log.retention.hours", 3_600_000)),
    "segment.ms": (("log.roll.ms", 1), ("log.roll.hours", 3_600_000)),
}
