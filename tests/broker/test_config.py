"""BrokerConfig and the .properties format."""

from pathlib import Path

import pytest

from kcli.broker.config import SHIPPED, BrokerConfig, ConfigError
from kcli.config import shipped
from kcli.config.properties import parse_properties


def test_shipped_kraft_server_properties_is_the_no_file_default():
    props = parse_properties(shipped("kraft/server.properties"))
    assert {k: props[k] for k in SHIPPED} == SHIPPED
    config = BrokerConfig.from_properties(props, from_file=True)
    assert config.unknown_keys == ()
    assert (config.listener_host, config.listener_port, config.num_partitions, config.auto_create_topics) == ("localhost", 9092, 1, True)
    assert (config.segment_bytes, config.message_max_bytes) == (1073741824, 1048588)
    assert config.zookeeper_connect is None and BrokerConfig.load(None).zookeeper_connect is None  # standalone


def test_shipped_server_properties_is_zookeeper_mode():
    props = parse_properties(shipped("server.properties"))
    config = BrokerConfig.from_properties(props, from_file=True)
    assert config.unknown_keys == ()
    assert (config.zookeeper_connect, config.zookeeper_connection_timeout_ms, config.zookeeper_session_timeout_ms) == ("localhost:2181", 18000, 18000)
    assert (config.node_id, config.listener_host, config.listener_port, config.num_partitions) == (0, "localhost", 9092, 1)
    for key in ("broker.id", "num.network.threads", "num.io.threads", "socket.send.buffer.bytes", "socket.receive.buffer.bytes",
                "socket.request.max.bytes", "num.recovery.threads.per.data.dir", "offsets.topic.replication.factor",
                "transaction.state.log.replication.factor", "transaction.state.log.min.isr", "log.retention.hours",
                "log.retention.check.interval.ms", "group.initial.rebalance.delay.ms"):
        assert key in props, key  # Kafka 3.x's config/server.properties keys


def test_zookeeper_timeouts():
    config = BrokerConfig.load(None, ["zookeeper.connect=zk:2181/kafka", "zookeeper.session.timeout.ms=6000"])
    assert (config.zookeeper_connect, config.zookeeper_session_timeout_ms, config.zookeeper_connection_timeout_ms) == ("zk:2181/kafka", 6000, 6000)
    config = BrokerConfig.load(None, ["zookeeper.connect=zk:2181", "zookeeper.connection.timeout.ms=1000"])
    assert (config.zookeeper_session_timeout_ms, config.zookeeper_connection_timeout_ms) == (18000, 1000)
    for name in ("producer.properties", "consumer.properties"):
        assert parse_properties(shipped(name))["bootstrap.servers"] == "localhost:9092"


def test_properties_syntax():
    text = "a=1\nb : 2\nc 3\n# comment\n! also\nlong=one,\\\n   two\nwin=C:\\\\kafka\\\\logs\nraw=C:\\kafka\\logs\nsp\\ ace=x\nu=\\u0041\n"
    assert parse_properties(text) == {
        "a": "1", "b": "2", "c": "3", "long": "one,two", "win": "C:\\kafka\\logs", "raw": "C:\\kafka\\logs", "sp ace": "x", "u": "A",
    }


def test_overrides_and_unknown_keys(tmp_path):
    config = BrokerConfig.load(None, ["log.dirs=" + str(tmp_path), "num.partitions=3", "made.up=1", "broker.id=4"])
    assert config.num_partitions == 3 and config.log_dir == tmp_path and config.node_id == 4
    assert config.unknown_keys == ("made.up",)


@pytest.mark.parametrize("override, message", [
    ("num.partitions=many", "Invalid value many for configuration num.partitions"),
    ("listeners=localhost:9092", "Invalid listeners 'localhost:9092'"),
    ("listeners=SSL://localhost:9093", "Listener SSL uses SSL but has no key store"),
    ("listeners=CLEAR://localhost:9093", "No security protocol defined for listener CLEAR"),
    ("listeners=SASL_PLAINTEXT://localhost:9093", "SASL mechanism GSSAPI is not supported by kcli"),
    ("inter.broker.listener.name=INTERNAL", "inter.broker.listener.name must be a listener name defined in advertised.listeners"),
    ("listeners=PLAINTEXT://localhost:99999", "Invalid port '99999'"),
    ("auto.create.topics.enable=maybe", "Expected value to be either true or false"),
    ("novalue", "Invalid override 'novalue'"),
])
def test_bad_values_name_the_problem(override, message):
    with pytest.raises(ConfigError) as info:
        BrokerConfig.load(None, [override])
    assert message in str(info.value)


def test_each_mode_has_its_own_default_data_directory():
    """As Kafka's shipped files: kraft-combined-logs standalone, kafka-logs with ZooKeeper — the tutorials never collide."""
    from kcli.broker.config import default_log_dir
    from kcli.config import tutorial_path

    standalone = BrokerConfig.from_properties({})
    zookeeper_mode = BrokerConfig.from_properties({"zookeeper.connect": "localhost:2181"})
    assert standalone.log_dir.name == "kraft-combined-logs" and standalone.log_dir == default_log_dir()
    assert zookeeper_mode.log_dir.name == "kafka-logs" and zookeeper_mode.log_dir == default_log_dir(zookeeper_mode=True)
    assert standalone.log_dir.parent == zookeeper_mode.log_dir.parent
    shipped_zookeeper_file, _ = tutorial_path(Path("config/server.properties"))
    assert BrokerConfig.load(shipped_zookeeper_file).log_dir == zookeeper_mode.log_dir
    assert BrokerConfig.load(None).log_dir == standalone.log_dir


def test_listeners_name_their_protocols_and_advertise_per_listener():
    config = BrokerConfig.load(None, [
        "listeners=CLIENT://:9092,SECURE://0.0.0.0:9094,CONTROLLER://:9093",
        "listener.security.protocol.map=CLIENT:PLAINTEXT,SECURE:SASL_SSL,CONTROLLER:PLAINTEXT",
        "controller.listener.names=CONTROLLER", "inter.broker.listener.name=CLIENT",
        "advertised.listeners=SECURE://kafka.example:19094", "ssl.keystore.location=/k.pem", "sasl.enabled.mechanisms=SCRAM-SHA-512",
    ])
    assert [(x.name, x.security_protocol, x.port) for x in config.listeners] == [("CLIENT", "PLAINTEXT", 9092), ("SECURE", "SASL_SSL", 9094)]
    assert config.advertised == {"CLIENT": ("localhost", None), "SECURE": ("kafka.example", 19094)}
    assert config.unknown_keys == ()
