"""Broker ``kill -9`` at each point of a transaction, then a restart on the same log directory (issue 12, item 4).

The crash points: before EndTxn reaches the broker (the test kills it), and,
through kcli/broker/txn/crash_point.py, after the PrepareCommit/PrepareAbort
record and between the markers of two partitions (the broker SIGKILLs itself
there). After the restart read_committed consumers see every transaction
all-or-nothing and the last stable offset reaches the log end, as Kafka's
coordinator does on load: a Prepare state is completed (its markers written
again), an Ongoing transaction is aborted once its timeout has passed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import SimpleNamespace

import pytest
from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from kcli.broker.server import run_in_thread
from kcli.protocol.kafka import record_batch
from tests.conftest import broker_config
from tests.e2e.test_transactions import create, in_broker, open_transaction, read_all
from tests.processes import KcliProcess
from tests.waiting import wait_for

PARTITIONS = [("crash", 0), ("crash", 1), ("crash-b", 0)]


def start_broker(log_dir, crash_point: str | None = None, started: bool = True) -> KcliProcess:
    """``kcli server-start`` in its own process (so it can be killed), armed with ``crash_point``; ``started``:
    check that it came up."""
    env = {k: v for k, v in os.environ.items() if k != "KCLI_CRASH_POINT"}
    if crash_point is not None:
        env["KCLI_CRASH_POINT"] = crash_point
    # no abort round before the kill: what is open then stays open for the restart to find
    server = KcliProcess("server-start", "--override", "listeners=PLAINTEXT://127.0.0.1:0",
                         "--override", f"log.dirs={log_dir}",
                         "--override", "transaction.abort.timed.out.transaction.cleanup.interval.ms=600000", env=env)
    if bool(server.connect) != started:
        server.proc.kill()  # never left running
        server.wait()
        raise AssertionError(f"expected it {'to start' if started else 'to die before it listens'}:\n{server.output}")
    return server


def at(server: KcliProcess):
    """What the helpers of test_transactions.py take: an object with ``bootstrap``."""
    return SimpleNamespace(bootstrap=server.connect)


def end_while_it_dies(server: KcliProcess, producer, commit: bool = True) -> None:
    """EndTxn from ``producer``, called again after each short timeout (as librdkafka asks) until the broker that
    reached its crash point is dead: it never answers."""
    def dead() -> bool:
        with contextlib.suppress(KafkaException):
            producer.commit_transaction(0.2) if commit else producer.abort_transaction(0.2)
        return server.proc.poll() is not None

    wait_for(dead, 30, "the broker to kill itself at its crash point")


def killed(server: KcliProcess) -> bool:
    """Whether the broker process ended by SIGKILL (on Windows, crash_point's os._exit(137))."""
    return server.wait() == (137 if sys.platform == "win32" else -signal.SIGKILL)


def latest(bootstrap: str, isolation: str, partitions=PARTITIONS) -> list[int]:
    """ListOffsets latest of every partition under ``isolation``: the LSO under read_committed, else the log end."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"offsets-{isolation}", "isolation.level": isolation})
    try:
        return [consumer.get_watermark_offsets(TopicPartition(t, p), timeout=10)[1] for t, p in partitions]
    finally:
        consumer.close()


def states(running) -> dict[str, str]:
    return in_broker(running, lambda: {tid: txn.state.kafka_name
                                       for tid, txn in running.broker.state.txns.coordinator.transactions.items()})


def control_batches(running, topic: str) -> int:
    """The control batches in every partition of ``topic`` (on the broker's loop)."""
    count = 0
    for partition in running.broker.catalog.topics[topic].partitions:
        offset = partition.log_start_offset
        while offset < partition.log_end_offset and (data := partition.read(offset, 1 << 20)):
            for header in record_batch.iter_headers(data):
                count += header.is_control and header.base_offset >= offset
                offset = max(offset, header.next_offset)
    return count


def values(records) -> list[bytes]:
    return sorted(v for *_, v in records)


@pytest.mark.parametrize("commit", [True, False], ids=["commit", "abort"])
@pytest.mark.parametrize("crash_point", ["txn-after-prepare", "txn-between-markers"])
def test_kill_9_after_the_decision_then_a_restart_completes_it_and_aborts_the_open_one(tmp_path, crash_point, commit):
    log_dir = tmp_path / "logs"
    server = start_broker(log_dir, f"{crash_point}:decided")
    try:
        create(at(server), ("crash", 2), ("crash-b", 1))
        done = open_transaction(at(server), "done", [("crash", 0, b"kept-0"), ("crash", 1, b"kept-1")])
        done.commit_transaction(20)
        # open when the broker dies, and aborted by the restarted one once its 1 s timeout has passed
        still_open = open_transaction(at(server), "open", [("crash", 0, b"open-0"), ("crash-b", 0, b"open-b")], 1000)
        decided = open_transaction(at(server), "decided",
                                [("crash", 0, b"decided-0"), ("crash", 1, b"decided-1"), ("crash-b", 0, b"decided-b")])
        assert latest(server.connect, "read_committed") == [2, 2, 0]  # the open transactions hold the LSO back
        assert latest(server.connect, "read_uncommitted") == [4, 3, 2]
        end_while_it_dies(server, decided, commit)
        assert killed(server), server.output
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.wait()
    restarted = run_in_thread(broker_config(log_dir, **{"transaction.abort.timed.out.transaction.cleanup.interval.ms": 200}))
    try:
        wait_for(lambda: states(restarted)["open"] == "CompleteAbort", 30,
                 "the restarted coordinator to abort the transaction open at the crash")
        assert states(restarted) == {"done": "CompleteCommit", "open": "CompleteAbort",
                                     "decided": "CompleteCommit" if commit else "CompleteAbort"}
        ends = latest(restarted.bootstrap, "read_uncommitted")
        assert latest(restarted.bootstrap, "read_committed") == ends  # the LSO reached the log end
        # data and one marker per transaction; between the markers, the first partition's is written again
        assert ends == [4 + 2 + (crash_point == "txn-between-markers"), 3 + 1, 2 + 2]
        committed, _ = read_all(restarted, "read_committed", PARTITIONS)
        kept = [b"kept-0", b"kept-1"]
        assert values(committed) == sorted(kept + ([b"decided-0", b"decided-1", b"decided-b"] if commit else []))
        everything, _ = read_all(restarted, "read_uncommitted", PARTITIONS)
        assert values(everything) == sorted(kept + [b"open-0", b"open-b", b"decided-0", b"decided-1", b"decided-b"])
    finally:
        restarted.stop()
    del done, still_open, decided


def test_after_kill_9_before_end_txn_the_open_transaction_is_aborted_and_the_lso_reaches_the_log_end(tmp_path):
    log_dir = tmp_path / "logs"
    server = start_broker(log_dir)
    try:
        create(at(server), ("crash", 2), ("crash-b", 1))
        done = open_transaction(at(server), "done", [("crash", 0, b"kept-0"), ("crash", 1, b"kept-1")])
        done.commit_transaction(20)
        producer = open_transaction(at(server), "open",
                                 [("crash", 0, b"lost-0"), ("crash", 1, b"lost-1"), ("crash-b", 0, b"lost-b")], 2000)
        assert latest(server.connect, "read_committed") == [2, 2, 0]
    finally:
        server.proc.kill()  # kill -9: no EndTxn ever reaches the broker
        server.wait()
    restarted = run_in_thread(broker_config(log_dir, **{"transaction.abort.timed.out.transaction.cleanup.interval.ms": 200}))
    try:
        wait_for(lambda: latest(restarted.bootstrap, "read_committed") == [4, 4, 2], 20,
                 "the restarted coordinator to abort the open transaction")
        assert latest(restarted.bootstrap, "read_uncommitted") == [4, 4, 2]
        assert states(restarted) == {"done": "CompleteCommit", "open": "CompleteAbort"}
        committed, _ = read_all(restarted, "read_committed", PARTITIONS)
        assert values(committed) == [b"kept-0", b"kept-1"]
        everything, _ = read_all(restarted, "read_uncommitted", PARTITIONS)
        assert values(everything) == [b"kept-0", b"kept-1", b"lost-0", b"lost-1", b"lost-b"]
    finally:
        restarted.stop()
    del done, producer


def test_kill_9_between_the_offsets_marker_and_the_data_markers_then_a_restart_commits_both(tmp_path):
    log_dir = tmp_path / "logs"
    server = start_broker(log_dir, "txn-between-markers:decided")
    try:
        create(at(server), ("crash", 2), ("crash-b", 1))
        group = Consumer({"bootstrap.servers": server.connect, "group.id": "crash-group"})
        decided = open_transaction(at(server), "decided", [("crash", 0, b"decided-0"), ("crash-b", 0, b"decided-b")])
        decided.send_offsets_to_transaction([TopicPartition("crash-b", 0, 7)], group.consumer_group_metadata(), 20)
        end_while_it_dies(server, decided)  # __consumer_offsets sorts first: its marker is written, then the kill
        assert killed(server), server.output
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.wait()
    restarted = run_in_thread(broker_config(log_dir))
    try:
        assert states(restarted) == {"decided": "CompleteCommit"}
        # the marker written before the kill, and the one the restart wrote again
        assert in_broker(restarted, lambda: control_batches(restarted, "__consumer_offsets")) == 2
        ends = latest(restarted.bootstrap, "read_uncommitted")
        assert latest(restarted.bootstrap, "read_committed") == ends == [2, 0, 2]
        committed, _ = read_all(restarted, "read_committed", [("crash", 0), ("crash-b", 0)])
        assert values(committed) == [b"decided-0", b"decided-b"]
        reader = Consumer({"bootstrap.servers": restarted.bootstrap, "group.id": "crash-group", "enable.auto.commit": False})
        try:
            assert reader.committed([TopicPartition("crash-b", 0)], timeout=10)[0].offset == 7
        finally:
            reader.close()
    finally:
        restarted.stop()
    del decided, group


def test_a_kill_9_while_the_restart_writes_the_markers_again_is_recovered_by_the_next_restart(tmp_path):
    log_dir = tmp_path / "logs"
    server = start_broker(log_dir, "txn-between-markers:decided")
    try:
        create(at(server), ("crash", 2), ("crash-b", 1))
        decided = open_transaction(at(server), "decided",
                                   [("crash", 0, b"decided-0"), ("crash", 1, b"decided-1"), ("crash-b", 0, b"decided-b")])
        end_while_it_dies(server, decided)
        assert killed(server), server.output
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.wait()
    # the restart completes the PrepareCommit before it listens, and dies between the markers again
    again = start_broker(log_dir, "txn-between-markers:decided", started=False)
    assert killed(again), again.output
    restarted = run_in_thread(broker_config(log_dir))
    try:
        assert states(restarted) == {"decided": "CompleteCommit"}
        ends = latest(restarted.bootstrap, "read_uncommitted")
        assert latest(restarted.bootstrap, "read_committed") == ends == [1 + 3, 1 + 1, 1 + 1]  # a marker per start
        committed, _ = read_all(restarted, "read_committed", PARTITIONS)
        assert values(committed) == [b"decided-0", b"decided-1", b"decided-b"]
    finally:
        restarted.stop()
    del decided


PADDED = b"committed-%02d-" + b"x" * 300


def test_after_kill_9_the_restart_reads_only_the_batches_after_the_last_roll_snapshot(tmp_path):
    log_dir = tmp_path / "logs"
    server = start_broker(log_dir)
    try:
        admin = AdminClient({"bootstrap.servers": server.connect})
        admin.create_topics([NewTopic("rolled", 1, 1, config={"segment.bytes": "2048"})])["rolled"].result(10)
        still_open = open_transaction(at(server), "rolling", [], 1000)
        for i in range(20):  # committed transactions of about 1 KiB across many segments
            for _ in range(3):
                still_open.produce("rolled", value=PADDED % i, partition=0)
            still_open.commit_transaction(20)
            still_open.begin_transaction()
        still_open.produce("rolled", value=b"open", partition=0)
        assert still_open.flush(20) == 0
    finally:
        server.proc.kill()  # kill -9: no snapshot at the log end
        server.wait()
    files = sorted(p.name for p in (log_dir / "rolled-0").iterdir())
    segments = [name.split(".")[0] for name in files if name.endswith(".log")]
    assert len(segments) > 4
    assert [name.split(".")[0] for name in files if name.endswith(".snapshot")] == segments[1:]  # one per roll
    restarted = run_in_thread(broker_config(log_dir, **{"transaction.abort.timed.out.transaction.cleanup.interval.ms": 200}))
    try:
        partition = restarted.broker.catalog.partition("rolled", 0)
        def batches(segments):
            return sum(1 for segment in segments for _ in segment._headers(0, validate=False))

        in_active, in_log = in_broker(restarted, lambda: (batches(partition.segments[-1:]), batches(partition.segments)))
        assert partition.loaded_batches == in_active < in_log / 4  # the active segment's batches, not the log's
        wait_for(lambda: latest(restarted.bootstrap, "read_committed", [("rolled", 0)])
                 == latest(restarted.bootstrap, "read_uncommitted", [("rolled", 0)]), 20,
                 "the restarted coordinator to abort the open transaction")
        committed, _ = read_all(restarted, "read_committed", [("rolled", 0)])
        assert values(committed) == sorted(PADDED % i for i in range(20) for _ in range(3))
    finally:
        restarted.stop()
    del still_open
