"""Dynamic broker configs: settings changed with ``kafka-configs --alter --entity-type brokers`` while the broker runs.

Kafka keeps them in the metadata log (ZooKeeper before KRaft) at two levels,
per broker (``--entity-name 0``, DYNAMIC_BROKER_CONFIG) and cluster-wide
(``--entity-default``, DYNAMIC_DEFAULT_BROKER_CONFIG). A key's value is taken
in that order of precedence: per broker, cluster default, ``server.properties``
(STATIC_BROKER_CONFIG), Kafka's default (DEFAULT_CONFIG), and a key with
synonyms (``log.retention.ms`` ← ``log.retention.minutes`` ←
``log.retention.hours``) is looked up key by key in that order.

kcli accepts dynamically the keys Kafka marks dynamic cluster-wide that set a
topic config's default (Kafka's DynamicLogConfig: ``log.retention.ms``,
``log.segment.bytes``, ``message.max.bytes``, ``log.flush.interval.messages``,
... — ``DYNAMIC_KEYS``). A change is applied at once to every partition's
LogConfig whose topic does not override it; other keys are refused with
Kafka's ``Cannot update these configs dynamically``.

File ``<log.dir>/kcli-dynamic-broker-configs.json`` (replaced atomically:
written to a temporary file, fsynced, renamed)::

    {"version": 1, "broker": {"log.retention.ms": "60000"}, "default": {"message.max.bytes": "2000000"}}

``broker`` holds this broker's per-broker configs, ``default`` the cluster
defaults. It is read when the config is loaded and applied before the logs
open, so the values survive a restart.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

from kcli.broker import topic_config

FILE = "kcli-dynamic-broker-configs.json"


class Source(IntEnum):  # DescribeConfigs config_source
    DYNAMIC_TOPIC_CONFIG = 1
    DYNAMIC_BROKER_CONFIG = 2
    DYNAMIC_DEFAULT_BROKER_CONFIG = 3
    STATIC_BROKER_CONFIG = 4
    DEFAULT_CONFIG = 5


_CHAINS = {  # Kafka's broker config synonyms, most specific first
    "log.retention.ms": ("log.retention.ms", "log.retention.minutes", "log.retention.hours"),
    "log.retention.minutes": ("log.retention.minutes", "log.retention.hours"),
    "log.roll.ms": ("log.roll.ms", "log.roll.hours"),
    "log.roll.jitter.ms": ("log.roll.jitter.ms", "log.roll.jitter.hours"),
    "log.flush.interval.ms": ("log.flush.interval.ms", "log.flush.scheduler.interval.ms"),
}
DYNAMIC_KEYS = frozenset(d.broker_key for d in topic_config.TOPIC_CONFIGS if d.broker_key) | frozenset(
    k for chain in _CHAINS.values() for k in chain if k != "log.flush.scheduler.interval.ms"
)
# Kafka's defaults for the broker keys behind topic configs (the rest come from kcli's config.DEFAULTS).
KAFKA_DEFAULTS = {d.broker_key: d.default for d in topic_config.TOPIC_CONFIGS if d.broker_key} | {
    "log.retention.hours": "168", "log.roll.hours": "168", "log.roll.jitter.hours": "0",
    "log.flush.scheduler.interval.ms": "9223372036854775807", "log.cleanup.policy": "delete",
}
KAFKA_DEFAULTS.pop("log.flush.interval.ms", None)  # Kafka: none of its own; it follows the scheduler interval


_MULTIPLIED = {  # topic configs whose broker default comes from the first of several keys
    "retention.ms": (("log.retention.ms", 1), ("log.retention.minutes", 60_000), ("log.retention.hours", 3_600_000)),
    "segment.ms": (("log.roll.ms", 1), ("log.roll.hours", 3_600_000)),
}


def synonyms(key: str) -> tuple[str, ...]:
    return _CHAINS.get(key, (key,))


@dataclass
class DynamicBrokerConfigs:
    path: Path
    per_broker: dict[str, str] = field(default_factory=dict)
    cluster_default: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, log_dir: Path) -> "DynamicBrokerConfigs":
        path = log_dir / FILE
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError):
            return cls(path)  # unreadable: start from server.properties; the next change rewrites it whole
        return cls(path, dict(stored.get("broker", {})), dict(stored.get("default", {})))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump({"version": 1, "broker": self.per_broker, "default": self.cluster_default}, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, self.path)

    def layer(self, default: bool) -> dict[str, str]:
        return self.cluster_default if default else self.per_broker

    def layers(self, static: dict[str, str], built_in: dict[str, str], per_broker: bool = True):
        """(source, values) from the most to the least specific."""
        out = [(Source.DYNAMIC_BROKER_CONFIG, self.per_broker)] if per_broker else []
        return out + [(Source.DYNAMIC_DEFAULT_BROKER_CONFIG, self.cluster_default), (Source.STATIC_BROKER_CONFIG, static),
                      (Source.DEFAULT_CONFIG, {**KAFKA_DEFAULTS, **built_in})]

    def effective(self, static: dict[str, str]) -> dict[str, str]:
        """The broker's settings as the logs use them: static, overlaid by the cluster default, then per broker."""
        return {**static, **self.cluster_default, **self.per_broker}  # key by key, as Kafka merges them

    def topic_defaults(self, static: dict[str, str]) -> dict[str, tuple[str, IntEnum]]:
        """Each topic config's default and its source, dynamic layers included (Kafka's DescribeConfigs sources)."""
        effective = self.effective(static)
        defaults: dict[str, tuple[str, IntEnum]] = dict(topic_config.broker_defaults(effective))
        dynamic = ((Source.DYNAMIC_BROKER_CONFIG, self.per_broker), (Source.DYNAMIC_DEFAULT_BROKER_CONFIG, self.cluster_default))
        for d in topic_config.TOPIC_CONFIGS:
            chain = ((d.broker_key, 1),) if d.broker_key else _MULTIPLIED.get(d.name, ())
            for key, factor in chain:
                if key in effective:  # the synonym that sets the value; its source is the layer it came from
                    source = next((s for s, layer in dynamic if key in layer), None)
                    if source is not None:
                        defaults[d.name] = (str(int(effective[key]) * factor) if factor != 1 else effective[key], source)
                    break
        return defaults


def apply(dynamic: DynamicBrokerConfigs, static: dict[str, str], catalog) -> None:
    """Give the catalog the broker settings with the dynamic ones in, and every open partition its new LogConfig."""
    catalog.broker_props = dynamic.effective(static)
    catalog.defaults = dynamic.topic_defaults(static)
    for topic in catalog.topics.values():
        config = catalog.log_config(topic.configs)
        for partition in topic.partitions:
            partition.config = config
