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

from kcli.broker import config_def
from kcli.broker.config_def import ConfigKey, ConfigType, at_least, between, one_of


class ConfigSource(IntEnum):
    DYNAMIC_TOPIC_CONFIG = 1
    STATIC_BROKER_CONFIG = 4
    DEFAULT_CONFIG = 5


@dataclass(frozen=True, slots=True)
class TopicConfigDef:
    name: str
    default: str
    type: ConfigType
    broker_key: str | None = None  # the server.properties key that supplies the default
    validator: config_def.Range | config_def.ValidString | None = None  # Kafka 4.0's LogConfig

    @property
    def key(self) -> ConfigKey:
        return ConfigKey(self.name, self.type, self.validator)


COMPRESSION_TYPES = ("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer")  # Kafka's BrokerCompressionType

# One line per topic config: name, Kafka's default, type, broker synonym, and Kafka 4.0's validator
# (LogConfig; its segment.bytes minimum is still 14 bytes, while the broker's log.segment.bytes needs 1 MiB).
TOPIC_CONFIGS: tuple[TopicConfigDef, ...] = (
    TopicConfigDef("cleanup.policy", "delete", ConfigType.LIST, "log.cleanup.policy", one_of("compact", "delete")),
    TopicConfigDef("compression.type", "producer", ConfigType.STRING, "compression.type", one_of(*COMPRESSION_TYPES)),
    TopicConfigDef("delete.retention.ms", "86400000", ConfigType.LONG, "log.cleaner.delete.retention.ms", at_least(0)),
    TopicConfigDef("file.delete.delay.ms", "60000", ConfigType.LONG, "log.segment.delete.delay.ms", at_least(0)),
    TopicConfigDef("flush.messages", "9223372036854775807", ConfigType.LONG, "log.flush.interval.messages", at_least(1)),
    TopicConfigDef("flush.ms", "9223372036854775807", ConfigType.LONG, "log.flush.interval.ms", at_least(0)),
    TopicConfigDef("index.interval.bytes", "4096", ConfigType.INT, "log.index.interval.bytes", at_least(0)),
    TopicConfigDef("max.compaction.lag.ms", "9223372036854775807", ConfigType.LONG, "log.cleaner.max.compaction.lag.ms", at_least(1)),
    TopicConfigDef("max.message.bytes", "1048588", ConfigType.INT, "message.max.bytes", at_least(0)),
    TopicConfigDef("message.timestamp.after.max.ms", "9223372036854775807", ConfigType.LONG, "log.message.timestamp.after.max.ms", at_least(0)),
    TopicConfigDef("message.timestamp.before.max.ms", "9223372036854775807", ConfigType.LONG, "log.message.timestamp.before.max.ms", at_least(0)),
    TopicConfigDef("message.timestamp.type", "CreateTime", ConfigType.STRING, "log.message.timestamp.type", one_of("CreateTime", "LogAppendTime")),
    TopicConfigDef("min.cleanable.dirty.ratio", "0.5", ConfigType.DOUBLE, "log.cleaner.min.cleanable.ratio", between(0, 1)),
    TopicConfigDef("min.compaction.lag.ms", "0", ConfigType.LONG, "log.cleaner.min.compaction.lag.ms", at_least(0)),
    TopicConfigDef("min.insync.replicas", "1", ConfigType.INT, "min.insync.replicas", at_least(1)),
    TopicConfigDef("preallocate", "false", ConfigType.BOOLEAN, "log.preallocate"),
    TopicConfigDef("retention.bytes", "-1", ConfigType.LONG, "log.retention.bytes"),
    TopicConfigDef("retention.ms", "604800000", ConfigType.LONG, None, at_least(-1)),  # from log.retention.{ms,minutes,hours}
    TopicConfigDef("segment.bytes", "1073741824", ConfigType.INT, "log.segment.bytes", at_least(14)),
    TopicConfigDef("segment.index.bytes", "10485760", ConfigType.INT, "log.index.size.max.bytes", at_least(4)),
    TopicConfigDef("segment.jitter.ms", "0", ConfigType.LONG, "log.roll.jitter.ms", at_least(0)),
    TopicConfigDef("segment.ms", "604800000", ConfigType.LONG, None, at_least(1)),  # from log.roll.{ms,hours}
    TopicConfigDef("unclean.leader.election.enable", "false", ConfigType.BOOLEAN, "unclean.leader.election.enable"),
)

BY_NAME = {d.name: d for d in TOPIC_CONFIGS}


def validate(name: str, value: str | None) -> str | None:
    """Kafka's complaint about a topic config (its exact ConfigException line), or None when it is acceptable."""
    definition = BY_NAME.get(name)
    if definition is None:
        return f"Unknown topic config name: {name}"
    if value is None:
        return None
    return config_def.problem(definition.key, value)


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
