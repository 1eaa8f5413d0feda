"""Partitions recorded by CreateTopics and made on disk after the answer (or by their first append), seen by real
clients: a kill -9 right after the answer keeps them all, however few directories were made by then; a partition
without a directory answers as an empty one; deleting a topic leaves nothing; DeleteTopics leaves the loop serving."""

from __future__ import annotations

import json
import shutil
import subprocess

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, OffsetSpec

from tests.e2e.test_server_process import ServerProcess, overrides
from tests.processes import kcli
from tests.waiting import wait_for

PARTITIONS = 1000


def _partition_dirs(log_dir, topic: str) -> list[str]:
    return sorted(p.name for p in log_dir.iterdir() if p.name.startswith(topic + "-"))


def test_a_thousand_partitions_survive_a_kill_9_right_after_the_answer(tmp_path):
    log_dir = tmp_path / "logs"
    server = ServerProcess(*overrides(tmp_path))
    try:
        admin = AdminClient({"bootstrap.servers": "%s:%d" % server.address})
        topic = NewTopic("wide", PARTITIONS, 1, config={"retention.ms": "3600000"})
        admin.create_topics([topic], operation_timeout=60)["wide"].result(timeout=120)
    finally:
        server.proc.kill()  # at once: no clean shutdown, nothing flushed or closed; directories half made, or none
        server.wait()

    restarted = ServerProcess(*overrides(tmp_path))
    bootstrap = "%s:%d" % restarted.address
    try:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        described = admin.list_topics("wide", timeout=30).topics["wide"]
        assert described.error is None and sorted(described.partitions) == list(range(PARTITIONS))
        resource = ConfigResource(ConfigResource.Type.TOPIC, "wide")
        configs = admin.describe_configs([resource])[resource].result(30)
        assert configs["retention.ms"].value == "3600000"
        wait_for(lambda: all((log_dir / f"wide-{p}" / "00000000000000000000.index").exists() for p in range(PARTITIONS)),
                 60, "every partition's files, made after the restart with no append")

        producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
        written = (0, 499, 999)
        for p in written:
            producer.produce("wide", value=b"v%d" % p, partition=p)
        assert producer.flush(60) == 0
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "wide", "enable.auto.commit": False})
        consumer.assign([TopicPartition("wide", p, 0) for p in written])
        seen: dict[int, tuple[int, bytes]] = {}

        def read_all() -> bool:
            for message in consumer.consume(num_messages=10, timeout=0.5):
                assert message.error() is None, message.error()
                seen[message.partition()] = (message.offset(), message.value())
            return len(seen) == len(written)

        wait_for(read_all, 60, "the three records")
        consumer.close()
        assert seen == {p: (0, b"v%d" % p) for p in written}
        for p in written:
            assert (log_dir / f"wide-{p}" / "00000000000000000000.log").stat().st_size > 0
    finally:
        stopped = kcli("server-stop", *overrides(tmp_path)[2:])
        assert stopped.returncode == 0, stopped.stderr
        restarted.wait()
    assert "Traceback" not in restarted.output, restarted.output


def test_a_partition_never_written_to_answers_as_an_empty_one(tmp_path, kcat):
    log_dir = tmp_path / "logs"
    server = ServerProcess(*overrides(tmp_path))
    try:
        admin = AdminClient({"bootstrap.servers": "%s:%d" % server.address})
        for topic in admin.create_topics([NewTopic("made", 1, 1), NewTopic("lazy", 1, 1)]).values():
            topic.result(timeout=30)
    finally:
        assert kcli("server-stop", *overrides(tmp_path)[2:]).returncode == 0
        server.wait()
    # "made": an empty partition with its directory and files; "lazy": one whose directory was never made (a stop
    # before the worker thread got to it), so the restarted broker holds it pending: no file at first, then the
    # files its worker thread makes after the start, never opened until a first append. Either way, empty.
    shutil.rmtree(log_dir / "lazy-0", ignore_errors=True)
    (log_dir / "made-0").mkdir(exist_ok=True)

    server = ServerProcess(*overrides(tmp_path))
    bootstrap = "%s:%d" % server.address
    try:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        assert (log_dir / "made-0" / "00000000000000000000.log").exists()

        def offsets(topic: str) -> list[tuple[int, int]]:
            tp = TopicPartition(topic, 0)
            found = []
            for spec in (OffsetSpec.earliest(), OffsetSpec.latest(), OffsetSpec.max_timestamp(), OffsetSpec.for_timestamp(0)):
                result = admin.list_offsets({tp: spec})[tp].result(30)
                found.append((result.offset, result.timestamp))
            return found

        assert offsets("lazy") == offsets("made") == [(0, -1), (0, -1), (-1, -1), (-1, -1)]

        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "readers", "enable.auto.commit": False,
                             "fetch.wait.max.ms": 10})
        for topic in ("lazy", "made"):
            assert consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=30) == (0, 0)
        consumer.close()

        # Fetch from offset 0 to the end, by kcat: no record, no error, for both
        for topic in ("lazy", "made"):
            read = subprocess.run([kcat, "-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q"],
                                  capture_output=True, timeout=60)
            assert (read.returncode, read.stdout) == (0, b""), read.stderr

        shown = kcli("log-dirs", "--describe", "--topic-list", "lazy,made", "--bootstrap-server", bootstrap)
        assert shown.returncode == 0, shown.stderr
        document = json.loads(shown.stdout.splitlines()[2])
        replicas = {r["partition"]: r for r in document["brokers"][0]["logDirs"][0]["partitions"]}
        assert {k: {**v, "partition": None} for k, v in replicas.items()} == {
            "lazy-0": {**replicas["made-0"], "partition": None}, "made-0": {**replicas["made-0"], "partition": None}}
        assert replicas["lazy-0"]["size"] == 0 and replicas["lazy-0"]["offsetLag"] == 0
        wait_for(lambda: (log_dir / "lazy-0" / "00000000000000000000.timeindex").exists(), 30,
                 "lazy-0's files, made after the restart")
        assert (log_dir / "lazy-0" / "00000000000000000000.log").stat().st_size == 0  # reading wrote nothing
    finally:
        assert kcli("server-stop", *overrides(tmp_path)[2:]).returncode == 0
        server.wait()
    assert (log_dir / "lazy-0" / "00000000000000000000.log").stat().st_size == 0  # nor did the clean stop


def test_a_topic_deleted_before_any_produce_leaves_nothing_and_after_one_its_directory_goes(tmp_path):
    log_dir = tmp_path / "logs"
    server = ServerProcess(*overrides(tmp_path))
    bootstrap = "%s:%d" % server.address
    try:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        admin.create_topics([NewTopic("brief", PARTITIONS, 1)], operation_timeout=60)["brief"].result(timeout=120)
        admin.delete_topics(["brief"], operation_timeout=60)["brief"].result(timeout=120)
        assert "brief" not in json.loads((log_dir / "kcli-topics.json").read_text())
        assert all(n.endswith("-delete") for n in _partition_dirs(log_dir, "brief"))  # any made by then: renamed
        wait_for(lambda: not _partition_dirs(log_dir, "brief"), 60, "the renamed directories removed")

        admin.create_topics([NewTopic("brief", 3, 1)])["brief"].result(timeout=30)
        producer = Producer({"bootstrap.servers": bootstrap})
        producer.produce("brief", value=b"x", partition=1)
        assert producer.flush(30) == 0
        assert (log_dir / "brief-1" / "00000000000000000000.log").stat().st_size > 0
        admin.delete_topics(["brief"])["brief"].result(timeout=30)
        assert all(n.endswith("-delete") for n in _partition_dirs(log_dir, "brief"))  # renamed
        wait_for(lambda: not [p for p in log_dir.iterdir() if p.name.startswith("brief")], 30, "the renamed directory removed")

        admin.create_topics([NewTopic("brief", 2, 1)])["brief"].result(timeout=30)  # the same name again: a new, empty log
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "again"})
        assert consumer.get_watermark_offsets(TopicPartition("brief", 1), timeout=30) == (0, 0)
        consumer.close()
    finally:
        assert kcli("server-stop", *overrides(tmp_path)[2:]).returncode == 0
        server.wait()
    assert "Traceback" not in server.output, server.output


def test_deleting_a_topic_leaves_other_connections_served(broker, monkeypatch):
    import os
    import select
    import threading

    from kafka import KafkaAdminClient, KafkaProducer
    from kafka.admin import NewTopic as KafkaNewTopic
    from kafka.protocol.admin import DeleteTopicsRequest, DeleteTopicsResponse
    from kafka.protocol.metadata import ApiVersionsRequest, ApiVersionsResponse

    from tests.broker.test_wire import Wire

    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    admin.create_topics([KafkaNewTopic("wide", 200, 1)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=5)
    for p in range(200):
        producer.send("wide", b"v", partition=p)
    producer.flush(60)
    producer.close()
    assert len(_partition_dirs(broker.log_dir, "wide")) == 200

    renaming, release = threading.Event(), threading.Event()
    real_replace = os.replace

    def held_replace(src, dst, *args, **kwargs):  # the deletion's first rename waits until the test lets it go
        if str(dst).endswith("-delete"):
            renaming.set()
            release.wait(60)
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", held_replace)
    deleter, other = Wire(broker), Wire(broker)
    try:
        deleter.send(DeleteTopicsRequest[1](topic_names=["wide"], timeout_ms=60000), 1)
        wait_for(renaming.is_set, 30, "the deletion's renames to start")
        versions = other.call(ApiVersionsRequest[0](), ApiVersionsResponse[0], 0)  # served while the renames wait
        assert versions.error_code == 0 and not select.select([deleter.sock], [], [], 0)[0]
        release.set()
        result = deleter.receive(DeleteTopicsResponse[1], 1)
        assert [(r.name, r.error_code) for r in result.responses] == [("wide", 0)]
        assert not [n for n in _partition_dirs(broker.log_dir, "wide") if not n.endswith("-delete")]
        wait_for(lambda: not _partition_dirs(broker.log_dir, "wide"), 30, "the renamed directories removed")
    finally:
        release.set()
        deleter.sock.close()
        other.sock.close()
