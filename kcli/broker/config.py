"""BrokerConfig: ``server.properties`` plus ``--override key=value``, with kcli's defaults.

Unknown keys are reported once and otherwise ignored, because people paste
real Kafka configs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from kcli.broker import config_def, listeners as listener_config, security, topic_config
from kcli.broker.dynamic_config import DynamicBrokerConfigs
from kcli.broker.config_def import ConfigKey, ConfigType, at_least, between, one_of
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
# except offsets.topic.num.partitions and transaction.state.log.num.partitions (Kafka: 50 each), where one broker needs one.
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
    "offsets.topic.segment.bytes": "104857600",
    "log.cleaner.enable": "true",
    "log.cleaner.backoff.ms": "15000",
    "log.cleaner.dedupe.buffer.size": "134217728",
    "log.cleaner.io.buffer.load.factor": "0.9",
    "kcli.max.partitions.per.request": "1000",
    "kcli.max.partitions": "4000",
    "connections.max.idle.ms": "600000",
    "transaction.state.log.num.partitions": "1",
    "transaction.state.log.segment.bytes": "104857600",
    "transaction.max.timeout.ms": "900000",
    "transaction.abort.timed.out.transaction.cleanup.interval.ms": "10000",
    "transactional.id.expiration.ms": "604800000",
    "connection.failed.authentication.delay.ms": "100",
    "socket.request.max.bytes": "104857600",
    "queued.max.request.bytes": "-1",
}
DEFAULTS: dict[str, str] = {**BUILT_IN, **SHIPPED}

B, S, I, H, L, D, T = ConfigType.BOOLEAN, ConfigType.STRING, ConfigType.INT, ConfigType.SHORT, ConfigType.LONG, ConfigType.DOUBLE, ConfigType.LIST  # noqa: E741 - one letter per Java type keeps the table one line a key
# Kafka's type and validator for each broker key kcli knows (Kafka 4.0's KafkaConfig, LogConfig.SERVER_CONFIG_DEF,
# GroupCoordinatorConfig, ...; ZooKeeper-mode keys from 3.9), checked at start-up. One line per key.
DEFINITIONS: dict[str, ConfigKey] = config_def.table(
    ConfigKey("node.id", I), ConfigKey("broker.id", I), ConfigKey("process.roles", T, one_of("broker", "controller")),
    ConfigKey("listeners", S), ConfigKey("advertised.listeners", S), ConfigKey("listener.security.protocol.map", S),
    ConfigKey("inter.broker.listener.name", S), ConfigKey("controller.listener.names", S),
    ConfigKey("controller.quorum.voters", T), ConfigKey("controller.quorum.bootstrap.servers", T),
    ConfigKey("num.network.threads", I, at_least(1)), ConfigKey("num.io.threads", I, at_least(1)),
    ConfigKey("socket.send.buffer.bytes", I), ConfigKey("socket.receive.buffer.bytes", I),
    ConfigKey("socket.request.max.bytes", I, at_least(1)), ConfigKey("message.max.bytes", I, at_least(0)),
    ConfigKey("queued.max.request.bytes", L),
    ConfigKey("log.dirs", S), ConfigKey("log.dir", S), ConfigKey("metadata.log.dir", S),
    ConfigKey("num.partitions", I, at_least(1)), ConfigKey("default.replication.factor", I),
    ConfigKey("num.recovery.threads.per.data.dir", I, at_least(1)), ConfigKey("auto.create.topics.enable", B),
    ConfigKey("delete.topic.enable", B), ConfigKey("auto.leader.rebalance.enable", B), ConfigKey("unclean.leader.election.enable", B),
    ConfigKey("min.insync.replicas", I, at_least(1)), ConfigKey("compression.type", S, one_of(*topic_config.COMPRESSION_TYPES)),
    ConfigKey("log.segment.bytes", I, at_least(1024 * 1024)), ConfigKey("log.index.size.max.bytes", I, at_least(4)),
    ConfigKey("log.index.interval.bytes", I, at_least(0)), ConfigKey("log.preallocate", B),
    ConfigKey("log.roll.ms", L), ConfigKey("log.roll.hours", I, at_least(1)),
    ConfigKey("log.roll.jitter.ms", L), ConfigKey("log.roll.jitter.hours", I, at_least(0)),
    ConfigKey("log.retention.ms", L), ConfigKey("log.retention.minutes", I), ConfigKey("log.retention.hours", I),
    ConfigKey("log.retention.bytes", L), ConfigKey("log.retention.check.interval.ms", L, at_least(1)),
    ConfigKey("log.cleanup.policy", T, one_of("compact", "delete")), ConfigKey("log.segment.delete.delay.ms", L, at_least(0)),
    ConfigKey("log.flush.interval.messages", L, at_least(1)), ConfigKey("log.flush.interval.ms", L),
    ConfigKey("log.flush.scheduler.interval.ms", L), ConfigKey("log.initial.task.delay.ms", L, at_least(0)),
    ConfigKey("log.flush.offset.checkpoint.interval.ms", I, at_least(0)),
    ConfigKey("log.flush.start.offset.checkpoint.interval.ms", I, at_least(0)),
    ConfigKey("log.message.timestamp.type", S, one_of("CreateTime", "LogAppendTime")),
    ConfigKey("log.message.timestamp.before.max.ms", L, at_least(0)), ConfigKey("log.message.timestamp.after.max.ms", L, at_least(0)),
    ConfigKey("log.cleaner.enable", B), ConfigKey("log.cleaner.delete.retention.ms", L, at_least(0)),
    ConfigKey("log.cleaner.min.compaction.lag.ms", L, at_least(0)), ConfigKey("log.cleaner.max.compaction.lag.ms", L, at_least(1)),
    ConfigKey("log.cleaner.min.cleanable.ratio", D, between(0, 1)), ConfigKey("log.cleaner.backoff.ms", L, at_least(0)),
    ConfigKey("log.cleaner.dedupe.buffer.size", L), ConfigKey("log.cleaner.io.buffer.load.factor", D),
    ConfigKey("offsets.topic.segment.bytes", I, at_least(1)),
    ConfigKey("offsets.topic.replication.factor", H, at_least(1)), ConfigKey("offsets.topic.num.partitions", I, at_least(1)),
    ConfigKey("offsets.retention.minutes", I, at_least(1)), ConfigKey("offsets.retention.check.interval.ms", L, at_least(1)),
    ConfigKey("offset.metadata.max.bytes", I),
    ConfigKey("transaction.state.log.replication.factor", H, at_least(1)), ConfigKey("transaction.state.log.min.isr", I, at_least(1)),
    ConfigKey("transaction.state.log.num.partitions", I, at_least(1)), ConfigKey("transaction.state.log.segment.bytes", I, at_least(1)),
    ConfigKey("transaction.max.timeout.ms", I, at_least(1)), ConfigKey("transactional.id.expiration.ms", I, at_least(1)),
    ConfigKey("transaction.abort.timed.out.transaction.cleanup.interval.ms", I, at_least(1)),
    ConfigKey("share.coordinator.state.topic.replication.factor", H, at_least(1)),
    ConfigKey("share.coordinator.state.topic.min.isr", H, at_least(1)),
    ConfigKey("group.min.session.timeout.ms", I), ConfigKey("group.max.session.timeout.ms", I),
    ConfigKey("group.initial.rebalance.delay.ms", I), ConfigKey("group.max.size", I, at_least(1)),
    ConfigKey("zookeeper.connect", S), ConfigKey("zookeeper.session.timeout.ms", I), ConfigKey("zookeeper.connection.timeout.ms", I),
    ConfigKey("zookeeper.set.acl", B), ConfigKey("zookeeper.max.in.flight.requests", I, at_least(1)),
    ConfigKey("connections.max.idle.ms", L), ConfigKey("connection.failed.authentication.delay.ms", I, at_least(0)),
    ConfigKey("cluster.id", S),
    # kcli's own bounds (README: "Limits"): partitions one CreateTopics/CreatePartitions may add, and the broker may hold
    ConfigKey("kcli.max.partitions.per.request", I, at_least(1)), ConfigKey("kcli.max.partitions", I, at_least(1)),
)

# Keys kcli reads, plus keys of Kafka's shipped configs it accepts silently.
KNOWN_KEYS = frozenset(DEFAULTS) | frozenset(DEFINITIONS) | {
    "sasl.enabled.mechanisms", "sasl.jaas.config", "sasl.mechanism.inter.broker.protocol", "security.inter.broker.protocol",
    "super.users", "authorizer.class.name", "allow.everyone.if.no.acl.found", "ssl.principal.mapping.rules",
}
# Prefixes of Kafka's security keys (TLS, SASL, per-listener overrides) kcli reads through kcli/broker/security.py.
KNOWN_PREFIXES = ("ssl.", "sasl.", "listener.name.")


class ConfigError(Exception):
    """A config problem, worded as one line that names the problem and the fix."""


def default_log_dir(zookeeper_mode: bool = False) -> Path:
    """Where a broker keeps its data when ``log.dirs`` is not set: one directory per mode, so the standalone and
    ZooKeeper tutorials never share topics — as Kafka's shipped files do (``/tmp/kraft-combined-logs`` for KRaft,
    ``/tmp/kafka-logs`` for ZooKeeper mode), under the platform's user data directory."""
    return Path(platformdirs.user_data_dir("kcli", appauthor=False)) / ("kafka-logs" if zookeeper_mode else "kraft-combined-logs")


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
    max_partitions_per_request: int = 1000  # kcli.max.partitions.per.request
    max_partitions: int = 4000  # kcli.max.partitions
    dynamic: DynamicBrokerConfigs | None = None  # kafka-configs --alter --entity-type brokers (kcli/broker/dynamic_config.py)
    connections_max_idle_ms: int = 600000  # negative: idle connections are never closed (Kafka's Selector)
    listeners: tuple[listener_config.Listener, ...] = ()  # every listener to bind, the first one also in listener_host/port
    advertised: dict = field(default_factory=dict)  # listener name -> (host, port or None: the bound port)
    failed_authentication_delay_ms: int = 100  # connection.failed.authentication.delay.ms
    socket_request_max_bytes: int = 104857600  # a larger request frame closes its connection unread
    queued_max_request_bytes: int = -1  # request bytes read and not yet answered, all connections; <= 0: unbounded

    @classmethod
    def from_properties(cls, props: dict[str, str], from_file: bool = False) -> "BrokerConfig":
        """The config for ``props``; without ``from_file``, kcli's shipped settings fill the gaps."""
        static = dict(props) if from_file else {**SHIPPED, **props}
        merged = {**DEFAULTS, **static}
        try:
            controllers = listener_config.controller_names(merged)
            bound = [l for l in listener_config.parse(merged) if l.name not in controllers] or listener_config.parse(merged)[:1]  # noqa: E741
            advertised = listener_config.advertised(merged, bound)
            security.check(merged, bound)
            _check_inter_broker_listener(merged, advertised)
        except (listener_config.ListenerError, security.SecurityConfigError) as exc:
            raise ConfigError(str(exc)) from None
        host, port = bound[0].host, bound[0].port
        adv_host, adv_port = advertised[bound[0].name]
        log_dirs = merged.get("log.dirs") or merged.get("log.dir")
        zookeeper_connect = merged.get("zookeeper.connect", "").strip() or None
        log_dir = Path(log_dirs.split(",")[0].strip()).expanduser() if log_dirs else default_log_dir(zookeeper_connect is not None)
        for key, value in merged.items():
            definition = DEFINITIONS.get(key)
            if definition is not None:
                try:
                    config_def.parse(definition, value)
                except config_def.InvalidConfig as exc:
                    raise ConfigError(str(exc)) from None
        node_key = "broker.id" if "broker.id" in props and "node.id" not in props else "node.id"
        return cls(
            props=merged,
            node_id=_int(merged, node_key, 0),
            listener_host=host,
            listener_port=port,
            advertised_host=adv_host,
            advertised_port=adv_port if adv_port else None,
            log_dir=log_dir,
            dynamic=DynamicBrokerConfigs.load(log_dir),
            num_partitions=_int(merged, "num.partitions", 1),
            default_replication_factor=_int(merged, "default.replication.factor", 1),
            auto_create_topics=_bool(merged, "auto.create.topics.enable"),
            segment_bytes=_int(merged, "log.segment.bytes", 14),
            message_max_bytes=_int(merged, "message.max.bytes", 0),
            unknown_keys=tuple(sorted(k for k in props if k not in KNOWN_KEYS and not k.startswith(KNOWN_PREFIXES))),
            static=static,
            zookeeper_connect=zookeeper_connect,
            zookeeper_session_timeout_ms=_int(merged, "zookeeper.session.timeout.ms", 1),
            max_partitions_per_request=_int(merged, "kcli.max.partitions.per.request", 1),
            max_partitions=_int(merged, "kcli.max.partitions", 1),
            zookeeper_connection_timeout_ms=_int(
                merged, "zookeeper.connection.timeout.ms" if "zookeeper.connection.timeout.ms" in merged else "zookeeper.session.timeout.ms", 1
            ),
            connections_max_idle_ms=_int(merged, "connections.max.idle.ms", -(1 << 63)),
            failed_authentication_delay_ms=_int(merged, "connection.failed.authentication.delay.ms", 0),
            socket_request_max_bytes=_int(merged, "socket.request.max.bytes", 1),
            queued_max_request_bytes=_queued_max_request_bytes(merged),
            listeners=tuple(bound),
            advertised=advertised,
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


def _check_inter_broker_listener(props: dict[str, str], advertised: dict) -> None:
    """``inter.broker.listener.name`` names an advertised listener (KafkaConfig's check); one broker never uses it."""
    name = props.get("inter.broker.listener.name", "").strip().upper()
    if name and name not in advertised:
        raise ConfigError(f"requirement failed: inter.broker.listener.name must be a listener name defined in advertised.listeners. "
                          f"The valid options based on currently configured listeners are {','.join(advertised)}")


def _queued_max_request_bytes(props: dict[str, str]) -> int:
    """``queued.max.request.bytes``, at least ``socket.request.max.bytes`` when set (KafkaConfig's check)."""
    queued = int(props["queued.max.request.bytes"])
    if 0 < queued < int(props["socket.request.max.bytes"]):
        raise ConfigError("requirement failed: queued.max.request.bytes must be larger or equal to socket.request.max.bytes")
    return queued


def _int(props: dict[str, str], key: str, minimum: int) -> int:
    try:
        value = int(props[key])
    except ValueError:
        raise ConfigError(f"Invalid value {props[key]} for configuration {key}: Not a number of type INT") from None
    if value < minimum:
        raise ConfigError(f"Invalid value {value} for configuration {key}: Value must be at least {minimum}")
    return value


def _bool(props: dict[str, str], key: str) -> bool:
    value = props[key].strip().lower()
    if value not in ("true", "false"):
        raise ConfigError(f"Invalid value {props[key]} for configuration {key}: Expected value to be either true or false")
    return value == "true"
