"""TransactionStateManager: transactional ids kept in ``__transaction_state`` (Kafka's TransactionStateManager).

As Kafka: the topic is created on first use (FindCoordinator for a
transaction key), with ``cleanup.policy=compact`` and ``segment.bytes`` from
``transaction.state.log.segment.bytes``; an id lives in partition
``abs(hashCode(id)) % transaction.state.log.num.partitions``; every change is
a record appended there before the request that made it is answered; a Dead
id is a tombstone. On start the log is replayed to rebuild the coordinator's
ids, so the cleaner (kcli/broker/log/cleaner.py) keeps the replay to about one
record per id.
"""

from __future__ import annotations

from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.memory_records import MemoryRecords

from kcli.broker.log.catalog import Catalog
from kcli.broker.log.partition import Partition
from kcli.broker.txn.metadata import TransactionMetadata, TxnState
from kcli.protocol.java_hash import string_hash
from kcli.protocol.kafka import transaction_log as schema

TOPIC = "__transaction_state"
TOPIC_CONFIGS = {"cleanup.policy": "compact", "compression.type": "uncompressed", "segment.bytes": "104857600",
                 "min.insync.replicas": "1", "unclean.leader.election.enable": "false"}


def partition_for(transactional_id: str, partitions: int) -> int:
    h = string_hash(transactional_id)
    return (h & 0x7FFFFFFF if h != -(1 << 31) else 0) % partitions  # Kafka's Utils.abs


class TransactionStateManager:
    def __init__(self, catalog: Catalog, num_partitions: int, segment_bytes: str = "104857600"):
        self.catalog = catalog
        self.num_partitions = num_partitions
        self.topic_configs = {**TOPIC_CONFIGS, "segment.bytes": segment_bytes}

    def ensure_topic(self) -> None:
        if TOPIC not in self.catalog.topics:
            self.catalog.create(TOPIC, self.num_partitions, dict(self.topic_configs))
        self.catalog.topics[TOPIC].internal = True

    def _partition(self, transactional_id: str) -> Partition:
        self.ensure_topic()
        topic = self.catalog.topics[TOPIC]
        return topic.partitions[partition_for(transactional_id, len(topic.partitions))]

    def write(self, txn: TransactionMetadata, now: int) -> Partition:
        """Append the id's current state (a tombstone once Dead); raises AppendError when the write fails."""
        value = None
        if txn.state != TxnState.DEAD:
            value = schema.encode_value(schema.TransactionValue(
                txn.producer_id, txn.producer_epoch, txn.timeout_ms, int(txn.state), tuple(txn.sorted_partitions()),
                txn.last_update_ms, txn.start_ms,
            ))
        builder = DefaultRecordBatchBuilder(2, 0, False, -1, -1, -1, batch_size=1 << 30)
        builder.append(0, timestamp=now, key=schema.encode_key(txn.transactional_id), value=value, headers=[])
        partition = self._partition(txn.transactional_id)
        partition.append(bytes(builder.build()), now, from_client=False)
        return partition

    def load(self) -> dict[str, TransactionMetadata]:
        """Replay the topic: the last state of every live id."""
        topic = self.catalog.topics.get(TOPIC)
        found: dict[str, TransactionMetadata] = {}
        if topic is None:
            return found
        topic.internal = True
        for partition in topic.partitions:
            offset = partition.log_start_offset
            while offset < partition.log_end_offset:
                records = MemoryRecords(partition.read(offset, 1 << 20))
                start = offset
                while records.has_next():
                    batch = records.next_batch()
                    for record in batch:
                        if record.offset >= offset:
                            self._apply(found, record.key, record.value)
                    offset = max(offset, batch.next_offset)
                if offset == start:
                    break
        return found

    @staticmethod
    def _apply(found: dict[str, TransactionMetadata], key: bytes | None, value: bytes | None) -> None:
        try:
            tid = schema.decode_key(key or b"")
            if value is None:
                found.pop(tid, None)
                return
            v = schema.decode_value(value)
        except (schema.InvalidRecord, UnicodeDecodeError):
            return
        found[tid] = TransactionMetadata(tid, v.producer_id, v.producer_epoch, v.timeout_ms, TxnState(v.status),
                                         set(v.partitions), v.start_ms, v.last_update_ms)
