"""Clients that pick request versions from their own configuration, not from ApiVersions (issue 10).

librdkafka with ``api.version.request=false`` and ``broker.version.fallback`` 0.8.2 or 0.9.0 sends
Metadata v0, Produce v0 with magic-0 message sets, Fetch v0, ListOffsets v0, OffsetCommit/OffsetFetch v0–v1
and, at 0.9.0, the v0 group APIs; kcat (librdkafka) the same. Nothing they send may be refused: a refused
version shows as the broker's "is not supported" line.

librdkafka sizes its parse buffer for a Metadata v0 response at four times the response's wire size, which
falls short for a single short-named topic on one broker (its "isrs: tmpabuf memory shortage", the same
bytes from Kafka 3.9 included); the topics here have names long enough for it.
"""

from __future__ import annotations

import json
import logging
import subprocess
import time
from pathlib import Path

import pytest
from confluent_kafka import OFFSET_STORED, Consumer, Producer, TopicPartition
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from tests.peers import missing

FALLBACKS = ["0.8.2", "0.9.0"]


def _old(fallback: str) -> dict:
    return {"api.version.request": False, "broker.version.fallback": fallback}


def _create(broker, topic: str, partitions: int = 1) -> None:
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        admin.create_topics([NewTopic(topic, partitions, 1)])
    finally:
        admin.close()


def _poll(consumer, count: int, timeout_s: float = 30):
    got, deadline = [], time.monotonic() + timeout_s
    while len(got) < count and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            got.append(msg)
    return got


def _refusals(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "is not supported" in r.getMessage() or "unknown api key" in r.getMessage()]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("fallback", FALLBACKS)
def test_confluent_kafka_without_api_versions_produces_gzip_consumes_commits_and_resumes(broker, caplog, fallback):
    caplog.set_level(logging.WARNING, logger="kcli")
    topic = f"fallback-{fallback.replace('.', '-')}-orders-topic"
    _create(broker, topic)
    reports = []
    producer = Producer({"bootstrap.servers": broker.bootstrap, "compression.codec": "gzip", "linger.ms": 5, **_old(fallback)})
    for i in range(10):
        producer.produce(topic, key=b"k%d" % i, value=b"order-%d " % i * 20, on_delivery=lambda err, msg: reports.append(err))
    assert producer.flush(30) == 0
    assert reports == [None] * 10

    group = f"group-{fallback}"
    conf = {"bootstrap.servers": broker.bootstrap, "group.id": group, "enable.auto.commit": False,
            "auto.offset.reset": "earliest", **_old(fallback)}
    consumer = Consumer(conf)
    if fallback == "0.8.2":  # before 0.9 there is no group membership: assigned partitions, offsets in the group
        consumer.assign([TopicPartition(topic, 0, OFFSET_STORED)])
    else:
        consumer.subscribe([topic])
    first = _poll(consumer, 6)
    assert [(m.offset(), m.key(), m.value()) for m in first] == [(i, b"k%d" % i, b"order-%d " % i * 20) for i in range(6)]
    committed = consumer.commit(message=first[-1], asynchronous=False)
    assert [(tp.offset, tp.error) for tp in committed] == [(6, None)]
    consumer.close()

    resumed = Consumer(conf)
    if fallback == "0.8.2":
        resumed.assign([TopicPartition(topic, 0, OFFSET_STORED)])
    else:
        resumed.subscribe([topic])
    rest = _poll(resumed, 4)
    resumed.close()
    assert [(m.offset(), m.key()) for m in rest] == [(i, b"k%d" % i) for i in range(6, 10)]
    assert _refusals(caplog) == []


def _kcat(kcat, broker, fallback, *args, stdin=None):
    return subprocess.run(
        [kcat, "-b", broker.bootstrap, "-X", "api.version.request=false", "-X", f"broker.version.fallback={fallback}", *args],
        input=stdin, capture_output=True, text=True, timeout=60, check=True,
    )


@pytest.mark.parametrize("fallback", FALLBACKS)
def test_kcat_without_api_versions_produces_and_consumes_keyed_messages(kcat, broker, caplog, fallback):
    caplog.set_level(logging.WARNING, logger="kcli")
    topic = f"kcat-fallback-{fallback.replace('.', '-')}-topic"
    _create(broker, topic)
    _kcat(kcat, broker, fallback, "-P", "-t", topic, "-K:", stdin="espresso:short\nlungo:long\n")
    _kcat(kcat, broker, fallback, "-P", "-t", topic, "-K:", "-z", "gzip", stdin="ristretto:shorter\n")
    out = _kcat(kcat, broker, fallback, "-C", "-t", topic, "-e", "-f", "%k=%s@%o\n").stdout
    assert out.splitlines() == ["espresso=short@0", "lungo=long@1", "ristretto=shorter@2"]
    assert _refusals(caplog) == []


_OLD_KAFKA_PYTHON = Path(__file__).with_name("old_kafka_python.py")
_SYSTEM_PYTHON = "/usr/bin/python3"


def _system_kafka_python() -> str:
    """The system python that imports Debian's python3-kafka (kafka-python 2.0.x), or the test skips."""
    if not Path(_SYSTEM_PYTHON).exists():
        missing("needs /usr/bin/python3 with python3-kafka: apt-get install python3-kafka (Debian); .ci/run installs it")
    probe = subprocess.run([_SYSTEM_PYTHON, "-c", "import kafka; print(kafka.__version__)"], capture_output=True, text=True)
    if probe.returncode != 0 or not probe.stdout.startswith("2."):
        missing("needs Debian's python3-kafka (kafka-python 2.0.x) in /usr/bin/python3: apt-get install python3-kafka; .ci/run installs it")
    return _SYSTEM_PYTHON


@pytest.mark.timeout(240)
@pytest.mark.parametrize("api_version", ["0.8.2", "0.9", "0.10.0", "1.0"])
def test_kafka_python_2_pinned_to_an_old_api_version_produces_consumes_commits_resumes_and_administers(broker, caplog, api_version):
    python = _system_kafka_python()
    caplog.set_level(logging.WARNING, logger="kcli")
    topic = f"old-kafka-python-{api_version.replace('.', '-')}"
    _create(broker, topic)
    run = subprocess.run([python, str(_OLD_KAFKA_PYTHON), broker.bootstrap, api_version, topic, f"group-{api_version}"],
                         capture_output=True, text=True, timeout=200)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["produced"] == list(range(6))
    # magic 0 (before 0.10) carries no timestamp; magic 1 and up keep the producer's
    stamps = [None] * 6 if api_version in ("0.8.2", "0.9") else [1_600_000_000_000 + i for i in range(6)]
    assert report["consumed"] == [[i, f"k{i}", f"v{i}", stamps[i]] for i in range(4)]
    assert report["resumed"] == [[i, f"k{i}", f"v{i}", stamps[i]] for i in range(4, 6)]  # from the committed offset
    if api_version == "1.0":  # CreateTopics and DeleteTopics from 0.10.1, DescribeConfigs from 0.11
        assert report["admin"] == {"created": [[f"{topic}-admin", 0]], "retention.ms": "3600000", "deleted": [[f"{topic}-admin", 0]]}
    else:
        assert "admin" not in report
    assert _refusals(caplog) == []
