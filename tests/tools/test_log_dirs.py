"""kafka-log-dirs over DescribeLogDirs against kcli's broker, with kafka-python's and confluent-kafka's admin clients too."""

from __future__ import annotations

import json
import os

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

from kcli.cli.render.logs import _java_hash_order
from kcli.tools import log_dirs as tool
from kcli.tools.errors import ToolError


@pytest.fixture
def topics(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    admin.create_topics([NewTopic("coffee", 2, 1), NewTopic("tea", 1, 1)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    producer.send("coffee", b"x" * 100, partition=1)
    producer.flush()
    producer.close()
    return broker


def test_every_partition_with_its_size(topics):
    result = tool.describe(topics.bootstrap)
    assert result.brokers == [0]
    [log_dir] = result.log_dirs[0]
    assert log_dir.path == os.path.abspath(topics.log_dir) and log_dir.error is None
    sizes = {r.partition: r.size for r in log_dir.replicas}
    segment = topics.log_dir / "coffee-1" / "00000000000000000000.log"
    assert sizes["coffee-1"] == segment.stat().st_size > 100
    assert sizes["coffee-0"] == 0 and sizes["tea-0"] == 0
    assert all(r.offset_lag == 0 and not r.is_future for r in log_dir.replicas)


def test_topic_list_filters_and_unknown_broker_is_refused(topics):
    [log_dir] = tool.describe(topics.bootstrap, topics="tea").log_dirs[0]
    assert [r.partition for r in log_dir.replicas] == ["tea-0"]
    with pytest.raises(ToolError, match="^ERROR: The given brokers do not exist from --broker-list: 7. Current existent brokers: 0$"):
        tool.describe(topics.bootstrap, brokers="0,7")


def test_kafka_python_reads_the_same(topics):
    """kafka-python's own describe_log_dirs (confluent-kafka has no DescribeLogDirs call)."""
    raw = KafkaAdminClient(bootstrap_servers=topics.bootstrap).describe_log_dirs()
    [dir_] = raw[0]["log_dirs"]
    assert {(t["name"], p["partition_index"]) for t in dir_["topics"] for p in t["partitions"]} == {("coffee", 0), ("coffee", 1), ("tea", 0)}
    assert dir_["total_bytes"] > 0 and dir_["usable_bytes"] > 0


def test_json_keys_follow_kafkas_hashmap_order():
    """Kafka's tool prints Jackson's rendering of java.util.HashMaps; these orders are String.hashCode buckets."""
    assert _java_hash_order(["version", "brokers"]) == ["brokers", "version"]
    assert _java_hash_order(["logDir", "error", "partitions"]) == ["partitions", "error", "logDir"]
    assert _java_hash_order(["partition", "size", "offsetLag", "isFuture"]) == ["partition", "size", "offsetLag", "isFuture"]


def test_cli_output(topics, capsys):
    from typer.testing import CliRunner

    from kcli.cli.app import app

    result = CliRunner().invoke(app, ["log-dirs", "--describe", "--topic-list", "coffee", "--bootstrap-server", topics.bootstrap])
    assert result.exit_code == 0, result.output
    first, second, document = result.stdout.splitlines()
    assert (first, second) == ("Querying brokers for log directories information", "Received log directory information from brokers 0")
    assert document.startswith('{"brokers":[{"broker":0,"logDirs":[{"partitions":[{"partition":"coffee-')
    assert document.endswith(f'],"error":null,"logDir":{json.dumps(os.path.abspath(topics.log_dir))}}}]}}],"version":1}}')
    assert {p["partition"] for p in json.loads(document)["brokers"][0]["logDirs"][0]["partitions"]} == {"coffee-0", "coffee-1"}
