"""The log cleaner on a compacted topic written by a transactional producer (confluent-kafka): aborted records
are removed, committed ones compacted like any other, read_committed consumers see the same committed data."""

from __future__ import annotations

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from kcli.broker.server import run_in_thread
from tests.conftest import broker_config
from tests.e2e.test_transactions import read_all
from tests.waiting import wait_for

TOPIC = [("compacted-txn", 0)]


def test_the_cleaner_removes_aborted_records_and_compacts_committed_ones(tmp_path):
    running = run_in_thread(broker_config(tmp_path / "logs", log_cleaner_backoff_ms=50))
    try:
        admin = AdminClient({"bootstrap.servers": running.bootstrap})
        configs = {"cleanup.policy": "compact", "segment.bytes": "1024", "min.cleanable.dirty.ratio": "0.01",
                   "delete.retention.ms": "100"}
        admin.create_topics([NewTopic("compacted-txn", 1, 1, config=configs)])["compacted-txn"].result(10)
        producer = Producer({"bootstrap.servers": running.bootstrap, "transactional.id": "compactor", "linger.ms": 0})
        producer.init_transactions(20)
        for i in range(60):
            producer.begin_transaction()
            commit = i % 3 != 1
            producer.produce("compacted-txn", key=b"k%d" % (i % 5), value=b"%s-%d" % (b"committed" if commit else b"aborted", i))
            producer.commit_transaction(20) if commit else producer.abort_transaction(20)
        committed_before, _ = read_all(running, "read_committed", TOPIC)
        assert sum(1 for *_, v in committed_before if v.startswith(b"aborted")) == 0

        def aborted_left():
            everything, _ = read_all(running, "read_uncommitted", TOPIC)
            return [v for *_, v in everything if v.startswith(b"aborted")]

        wait_for(lambda: not aborted_left(), 60, "the cleaner to remove the aborted records", step=0.5)
        committed_after, _ = read_all(running, "read_committed", TOPIC)
        # The cleaner may already have run while the transactions were written, so what was read before is
        # compared by inclusion, and "fewer" against the 40 committed transactions that were produced.
        assert set(committed_after) <= set(committed_before)  # each at its offset
        assert len(committed_after) < sum(1 for i in range(60) if i % 3 != 1)
        last = {int(value.split(b"-")[1]) % 5: (offset, value) for _, _, offset, value in committed_before}  # per key
        assert set(last.values()) <= {(offset, value) for _, _, offset, value in committed_after}
        partition = running.broker.catalog.partition("compacted-txn", 0)
        assert partition.last_stable_offset == partition.log_end_offset
    finally:
        running.stop()
