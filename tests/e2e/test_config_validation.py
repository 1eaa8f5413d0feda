"""Bad config values are refused as Kafka refuses them: at start-up (exit 1, one line) and by the admin APIs (INVALID_CONFIG)."""

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import InvalidConfigurationError

from tests.processes import kcli

SEGMENT_BYTES_MESSAGE = "Invalid value 3000000000 for configuration segment.bytes: Not a number of type INT"


def test_server_start_refuses_a_segment_size_past_int32(tmp_path):
    result = kcli("server-start", "--override", f"log.dirs={tmp_path / 'logs'}", "--override", "listeners=PLAINTEXT://127.0.0.1:0",
                  "--override", "log.segment.bytes=3000000000", timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == "Invalid value 3000000000 for configuration log.segment.bytes: Not a number of type INT"
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "logs" / "kcli-topics.json").exists()


def test_server_start_refuses_a_segment_size_under_kafkas_minimum(tmp_path):
    props = tmp_path / "server.properties"
    props.write_text(f"listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs={(tmp_path / 'logs').as_posix()}\nlog.segment.bytes=1000\n", encoding="utf-8")
    result = kcli("server-start", props, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == "Invalid value 1000 for configuration log.segment.bytes: Value must be at least 1048576"


@pytest.fixture
def admin(broker):
    client = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    yield client
    client.close()


def _topic_overrides(admin, name):
    return admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])["topic"][name]


def test_create_topics_refuses_segment_bytes_past_int32(broker, admin):
    with pytest.raises(InvalidConfigurationError) as info:
        admin.create_topics([NewTopic("big-segments", 1, 1, topic_configs={"segment.bytes": "3000000000"})])
    assert SEGMENT_BYTES_MESSAGE in str(info.value)
    assert "big-segments" not in admin.list_topics()
    assert not (broker.log_dir / "big-segments-0").exists()


@pytest.mark.parametrize("incremental", [False, True], ids=["AlterConfigs", "IncrementalAlterConfigs"])
def test_alter_configs_refuses_and_changes_nothing(broker, admin, incremental):
    admin.create_topics([NewTopic("tuned", 1, 1, topic_configs={"retention.ms": "60000"})])
    before = _topic_overrides(admin, "tuned")
    resource = ConfigResource(ConfigResourceType.TOPIC, "tuned", configs={"segment.bytes": "3000000000", "retention.ms": "1000"})
    result = admin.alter_configs([resource], incremental=incremental)
    assert result == {"topic": {"tuned": f"[Error 40] InvalidConfigurationError: {SEGMENT_BYTES_MESSAGE}"}}
    resource = ConfigResource(ConfigResourceType.TOPIC, "tuned", configs={"min.cleanable.dirty.ratio": "1.5"})
    result = admin.alter_configs([resource], incremental=incremental)
    assert "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1" in result["topic"]["tuned"]
    assert _topic_overrides(admin, "tuned") == before
    assert before["retention.ms"]["value"] == "60000" and "segment.bytes" not in before


def test_topics_tool_refuses_a_bad_topic_config(broker):
    result = kcli("topics", "--bootstrap-server", broker.bootstrap, "--create", "--topic", "big-segments", "--config", "segment.bytes=3000000000")
    assert result.returncode == 1
    assert result.stderr == f"Error while executing topic command : {SEGMENT_BYTES_MESSAGE}\n"
    assert not (broker.log_dir / "big-segments-0").exists()


def test_a_bad_config_stored_before_the_check_is_ignored_on_start(tmp_path, caplog):
    from kcli.broker.server import run_in_thread
    from tests.conftest import broker_config

    log_dir = tmp_path / "kafka-logs"
    broker = run_in_thread(broker_config(log_dir))
    client = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    client.create_topics([NewTopic("old", 1, 1, topic_configs={"retention.ms": "60000"})])
    client.close()
    broker.stop()
    stored = (log_dir / "kcli-topics.json").read_text(encoding="utf-8")
    (log_dir / "kcli-topics.json").write_text(stored.replace('"retention.ms": "60000"', '"retention.ms": "60000", "segment.bytes": "3000000000"'),
                                              encoding="utf-8")  # as an older kcli accepted it
    broker = run_in_thread(broker_config(log_dir))
    try:
        topic = broker.broker.catalog.topics["old"]
        assert topic.configs == {"retention.ms": "60000"}
        assert topic.partitions[0].config.segment_bytes == 1073741824
        assert f"Topic old: ignoring its config segment.bytes=3000000000 ({SEGMENT_BYTES_MESSAGE})" in caplog.text
    finally:
        broker.stop()
