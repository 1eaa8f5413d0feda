"""BrokerConfig: ``server.properties`` plus ``--override key=value``, with kcli's defaults.

Unknown keys are reported once and otherwise ignored, because people paste
real Kafka configs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from kcli.config.properties import parse_properties

# What kcli's shipped kraft/server.properties (standalone) sets: the configuration when no file is given.
SHIPPED: dict[str, str] = {
    "node.id": "0",
    "listeners": "PLAINTEXT://localhost:9092",
    "num.partitions": "1",
    "auto.create.topics.enable": "true",
    "log.segment.bytes": "1073741824",
    "log.retention.hours": "168",
    "group.initial.rebalance.delay.ms": "0",
    "offsets.topic.replication.factor": "1",
}
# Defaults for the keys kcli reads but the shipped file leaves out: Kafka's own,
# except offsets.topic.num.partitions (Kafka: 50), where one broker needs one.
BUILT_IN: dict[str, str] = {
    "default.replication.factor": "1",
    "message.max.bytes": "1048588",
    "zookeeper.session.timeout.ms": "18000",
    "group.min.session.timeout.ms": "6000",
    "group.max.session.timeout.ms": "1800000",
    "offsets.retention.minutes": "10080",
    "offsets.retention.check.interval.ms": "600000",
    "offsets.topic.num.partitions": "1",
    "offset.metadata.max.bytes": "4096",
    "connections.max.idle.ms": "600000",
}
# Keys whose values must be whole numbers of at least this.
_NUMBERS = {
    "group.min.session.timeout.ms": 0, "group.max.session.timeout.ms": 0, "group.initial.rebalance.delay.ms": 0,
    "offsets.retention.minutes": 1, "offsets.retention.check.interval.ms": 1, "offsets.topic.num.partitions": 1,
    "offset.metadata.max.bytes": 0,
}
DEFAULTS: dict[str, str] = {**BUILT_IN, **SHIPPED}

# Keys kcli reads, plus keys of Kafka's shipped configs it accepts silently.
KNOWN_KEYS = frozenset(DEFAULTS) | {
    "broker.id", "log.dirs", "log.dir", "advertised.listeners", "listener.security.protocol.map",
    "inter.broker.listener.name", "process.roles", "controller.quorum.voters", "controller.quorum.bootstrap.servers",
    "controller.listener.names", "num.network.threads", "num.io.threads", "socket.send.buffer.bytes",
    "socket.receive.buffer.bytes", "socket.request.max.bytes", "num.recovery.threads.per.data.dir",
    "transaction.state.log.replication.factor", "transaction.state.log.min.isr", "log.flush.interval.messages",
    "log.flush.interval.ms", "log.retention.bytes", "log.retention.ms", "log.retention.minutes",
    "log.retention.check.interval.ms", "log.cleanup.policy", "log.index.interval.bytes", "log.index.size.max.bytes",
    "log.roll.ms", "log.roll.hours", "log.message.timestamp.type", "compression.type", "min.insync.replicas",
    "delete.topic.enable", "zookeeper.connect", "zookeeper.connection.timeout.ms", "group.min.session.timeout.ms",
    "group.max.session.timeout.ms", "offsets.retention.minutes", "offsets.topic.num.partitions",
    "unclean.leader.election.enable", "log.preallocate", "log.cleaner.enable", "log.segment.delete.delay.ms",
    "auto.leader.rebalance.enable", "share.coordinator.state.topic.replication.factor",
    "share.coordinator.state.topic.min.isr", "cluster.id", "metadata.log.dir", "group.max.size", "zookeeper.set.acl",
    "zookeeper.max.in.flight.requests",
}


class ConfigError(Exception):
    """A config problem, worded as one line that names the problem and the fix."""


def default_log_dir() -> Path:
    return Path(platformdirs.user_data_dir("kcli", appauthor=False)) / "kafka-logs"


@dataclass(frozen=True)
class BrokerConfig:
    props: dict[str, str]
    node_id: int
    listener_host: str
    listener_port: int
    advertised_host: str
    advertised_port: int | None  # None: the bound port
    log_dir: Path
    num_partitions: int
    default_replication_factor: int
    auto_create_topics: bool
    segment_bytes: int
    message_max_bytes: int
    unknown_keys: tuple[str, ...] = field(default=())
    static: dict[str, str] = field(default_factory=dict)  # what server.properties (or kcli's defaults) and overrides set
    zookeeper_connect: str | None = None  # None: standalone; else host:port[,host:port][/chroot]
    zookeeper_session_timeout_ms: int = 18000
    zookeeper_connection_timeout_ms: int = 18000  # Kafka: unset means the session timeout
    connections_max_idle_ms: int = 600000  # negative: idle connections are never closed (Kafka's Selector)

    @classmethod
    def from_properties(cls, props: dict[str, str], from_file: bool = False) -> "BrokerConfig":
        """The config for ``props``; without ``from_file``, kcli's shipped settings fill the gaps."""
        static = dict(props) if from_file else {**SHIPPED, **props}
        merged = {**DEFAULTS, **static}
        host, port = _listener(merged, "listeners")
        if "advertised.listeners" in merged:
            adv_host, adv_port = _listener(merged, "advertised.listeners")
        else:
            adv_host, adv_port = host, None
        if not adv_host or adv_host in ("0.0.0.0", "::"):
            adv_host = "localhost"
        log_dirs = merged.get("log.dirs") or merged.get("log.dir")
        log_dir = Path(log_dirs.split(",")[0].strip()).expanduser() if log_dirs else default_log_dir()
        for key, minimum in _NUMBERS.items():
            _int(merged, key, minimum)
        node_key = "broker.id" if "broker.id" in props and "node.id" not in props else "node.id"
        return cls(
            props=merged,
            node_id=_int(merged, node_key, 0),
            listener_host=host,
            listener_port=port,
            advertised_host=adv_host,
            advertised_port=adv_port if adv_port else None,
            log_dir=log_dir,
            num_partitions=_int(merged, "num.partitions", 1),
            default_replication_factor=_int(merged, "default.replication.factor", 1),
            auto_create_topics=_bool(merged, "auto.create.topics.enable"),
            segment_bytes=_int(merged, "log.segment.bytes", 14),
            message_max_bytes=_int(merged, "message.max.bytes", 0),
            unknown_keys=tuple(sorted(k for k in props if k not in KNOWN_KEYS)),
            static=static,
            zookeeper_connect=merged.get("zookeeper.connect", "").strip() or None,
            zookeeper_session_timeout_ms=_int(merged, "zookeeper.session.timeout.ms", 1),
            zookeeper_connection_timeout_ms=_int(
                merged, "zookeeper.connection.timeout.ms" if "zookeeper.connection.timeout.ms" in merged else "zookeeper.session.timeout.ms", 1
            ),
            connections_max_idle_ms=_int(merged, "connections.max.idle.ms", -(1 << 63)),
        )

    @classmethod
    def load(cls, path: Path | None, overrides: list[str] = ()) -> "BrokerConfig":
        props: dict[str, str] = {}
        if path is not None:
            try:
                props = parse_properties(Path(path).read_text(encoding="utf-8"))
            except OSError as exc:
                raise ConfigError(f"Cannot read config file {path}: {exc.strerror}") from None
        for item in overrides:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise ConfigError(f"Invalid override '{item}': use --override key=value")
            props[key.strip()] = value.strip()
        return cls.from_properties(props, from_file=path is not None)


def _listener(props: dict[str, str], key: str) -> tuple[str, int]:
    value = props[key]
    first = value.split(",")[0].strip()
    name, sep, rest = first.partition("://")
    if not sep or ":" not in rest:
        raise ConfigError(f"Invalid {key} '{value}': expected PLAINTEXT://host:port, e.g. PLAINTEXT://localhost:9092")
    if name.upper() not in ("PLAINTEXT", "BROKER", "CLIENT", "EXTERNAL", "INTERNAL"):
        raise ConfigError(f"Unsupported listener '{first}' in {key}: kcli serves PLAINTEXT only, e.g. PLAINTEXT://localhost:9092")
    host, _, port = rest.rpartition(":")
    host = host.strip("[]")
    try:
        port_number = int(port)
    except ValueError:
        raise ConfigError(f"Invalid port '{port}' in {key}={value}: use a number from 0 to 65535") from None
    if not 0 <= port_number <= 65535:
        raise ConfigError(f"Invalid port '{port}' in {key}={value}: use a number from 0 to 65535")
    return host, port_number


def _int(props: dict[str, str], key: str, minimum: int) -> int:
    try:
        value = int(props[key])
    except ValueError:
        raise ConfigError(f"Invalid value {props[key]} for configuration {key}: Not a number; fix it in server.properties or with --override {key}=N") from None
    if value < minimum:
        raise ConfigError(f"Invalid value {value} for configuration {key}: Value must be at least {minimum}")
    return value


def _bool(props: dict[str, str], key: str) -> bool:
    value = props[key].strip().lower()
    if value not in ("true", "false"):
        raise ConfigError(f"Invalid value {props[key]} for configuration {key}: Expected value to be either true or false")
    return value == "true"
