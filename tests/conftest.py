"""Shared fixtures: a real kcli broker on port 0 in a temporary directory."""

from __future__ import annotations

import shutil

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from kcli.broker.config import BrokerConfig
from kcli.broker.server import run_in_thread
from tests.peers import missing


def broker_config(log_dir, **props) -> BrokerConfig:
    base = {"listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": str(log_dir)}
    base.update({k.replace("_", "."): str(v) for k, v in props.items()})
    return BrokerConfig.from_properties(base)


@pytest.fixture
def broker(tmp_path):
    """A running broker; ``broker.bootstrap`` is its ``host:port``."""
    running = run_in_thread(broker_config(tmp_path / "kafka-logs"))
    yield running
    running.stop()


@pytest.fixture
def sendfile_sizes(monkeypatch) -> list[int]:
    """The size of each file range the broker sends with sendfile while the test runs (kcli/broker/sendfile_writer.py)."""
    from kcli.broker import sendfile_writer

    sent: list[int] = []
    original = sendfile_writer._sendfile

    async def counted(writer, part, *rest):
        sent.append(part.size)
        return await original(writer, part, *rest)

    monkeypatch.setattr(sendfile_writer, "_sendfile", counted)
    return sent


@pytest.fixture
def kcat():
    path = shutil.which("kcat") or shutil.which("kafkacat")
    if path is None:
        missing("needs kcat: apt-get install kcat (Debian); .ci/run installs it")
    return path


def produce(bootstrap, topic, values):
    """``values`` produced to ``topic`` one by one, each acknowledged; their offsets."""
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    offsets = [producer.send(topic, value).get(timeout=30).offset for value in values]
    producer.close()
    return offsets


def read(bootstrap, topic, count):
    """The first ``count`` (offset, value) pairs of partition 0 of ``topic``."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=10000)
    consumer.assign([TopicPartition(topic, 0)])
    records = [(record.offset, record.value) for _, record in zip(range(count), consumer)]
    consumer.close()
    return records
