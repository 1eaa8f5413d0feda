"""What a restart rescans: nothing after a clean stop; after ``kill -9``, only the segments past the recovery point.

Counted, not timed: the catalog adds up the segments (and bytes) it recovered
batch by batch while opening the logs.
"""

from confluent_kafka import Producer
from confluent_kafka import TopicPartition as CkTopicPartition
from confluent_kafka.admin import AdminClient

from kcli.broker.log import checkpoints
from kcli.broker.server import run_in_thread
from tests.conftest import broker_config
from tests.e2e.test_retention import FAST, create, earliest_confluent, produce
from tests.processes import KcliProcess
from tests.waiting import wait_for


def segment_bases(log_dir, topic):
    return sorted(int(p.stem) for p in (log_dir / f"{topic}-0").glob("*.log"))


def test_a_restart_after_a_clean_stop_rescans_nothing(tmp_path):
    log_dir = tmp_path / "kafka-logs"
    first = run_in_thread(broker_config(log_dir, **FAST))
    try:
        create(first, "clean")
        produce(first, "clean", 40)
        admin = AdminClient({"bootstrap.servers": first.bootstrap})
        assert next(iter(admin.delete_records([CkTopicPartition("clean", 0, 7)]).values())).result(15).low_watermark == 7
    finally:
        first.stop()
    assert len(segment_bases(log_dir, "clean")) > 3
    second = run_in_thread(broker_config(log_dir, **FAST))
    try:
        catalog = second.broker.catalog
        assert not catalog.recovered
        assert (catalog.recovered_segments, catalog.recovered_bytes) == (0, 0)
        assert earliest_confluent(second, "clean") == (7, 40)
    finally:
        second.stop()


def test_after_kill_9_only_the_segments_past_the_recovery_point_are_rescanned(tmp_path):
    log_dir = tmp_path / "kafka-logs"
    overrides = ["--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", f"log.dirs={log_dir}"]
    for key, value in FAST.items():
        overrides += ["--override", f"{key.replace('_', '.')}={value}"]
    server = KcliProcess("server-start", *overrides)
    try:
        assert server.connect, server.output

        class Endpoint:
            bootstrap = server.connect

        create(Endpoint, "crash")
        produce(Endpoint, "crash", 40)
        admin = AdminClient({"bootstrap.servers": server.connect})
        assert next(iter(admin.delete_records([CkTopicPartition("crash", 0, 5)]).values())).result(15).low_watermark == 5
        producer = Producer({"bootstrap.servers": server.connect, "linger.ms": 0})
        producer.produce("crash", value=b"one more")
        producer.flush(10)
        active = segment_bases(log_dir, "crash")[-1]
        recovery_points = checkpoints.OffsetCheckpointFile(log_dir / checkpoints.RECOVERY_POINT)
        wait_for(lambda: recovery_points.read().get(("crash", 0)) == active, what="the recovery point checkpointed at the last roll")
    finally:
        server.proc.kill()
        server.wait()
    bases = segment_bases(log_dir, "crash")
    assert len(bases) > 3 and bases[-1] == active
    restarted = run_in_thread(broker_config(log_dir, **FAST))
    try:
        catalog = restarted.broker.catalog
        partition = catalog.partition("crash", 0)
        assert catalog.recovered
        assert catalog.recovered_segments == 1
        assert catalog.recovered_bytes == partition.active.size == (log_dir / "crash-0" / f"{active:020d}.log").stat().st_size
        assert earliest_confluent(restarted, "crash") == (5, 41)  # the DeleteRecords acknowledged before the kill holds
    finally:
        restarted.stop()
