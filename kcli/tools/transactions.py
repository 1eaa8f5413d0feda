"""kafka-transactions (TransactionsCommand): list, describe, describe-producers, find-hanging and abort, over the
Admin APIs of KIP-664 (ListTransactions, DescribeTransactions, DescribeProducers, WriteTxnMarkers).

Each operation returns the rows Kafka's tool prints, as strings, under its headers. A failure is a ToolError worded
as Kafka's tool words it: ``<what failed>: <the exception's message>. Enable debug logging for additional detail.``
``find-hanging`` flags a partition's open transaction older than ``--max-transaction-timeout`` minutes (by the
producer's last batch timestamp) whose transactional id the coordinator does not know or whose transaction no longer
holds the partition; ``abort --start-offset`` finds the producer whose open transaction starts there and writes an
ABORT marker (Admin.abortTransaction).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from kcli.tools.admin import admin_client
from kcli.tools.client_config import ClientSettings
from kcli.tools.errors import ToolError

LIST_HEADERS = ("TransactionalId", "Coordinator", "ProducerId", "TransactionState")
DESCRIBE_HEADERS = ("CoordinatorId", "TransactionalId", "ProducerId", "ProducerEpoch", "TransactionState",
                    "TransactionTimeoutMs", "CurrentTransactionStartTimeMs", "TransactionDurationMs", "TopicPartitions")
PRODUCERS_HEADERS = ("ProducerId", "ProducerEpoch", "LatestCoordinatorEpoch", "LastSequence", "LastTimestamp",
                     "CurrentTransactionStartOffset")
HANGING_HEADERS = ("Topic", "Partition", "ProducerId", "ProducerEpoch", "CoordinatorEpoch", "StartOffset", "LastTimestamp",
                   "Duration(min)")


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


def _failed(what: str, exc: Exception) -> ToolError:
    message = str(exc) or type(exc).__name__
    return ToolError(f"{what}: {message}. Enable debug logging for additional detail.")


def list_transactions(bootstrap: str, settings: ClientSettings | None = None) -> Table:
    with admin_client(bootstrap, "listTransactions", settings) as admin:
        try:
            by_broker = admin.list_transactions()
        except Exception as exc:  # kafka-python raises its BrokerResponseError subclasses
            raise _failed("Failed to list transactions", exc) from None
    rows = [(t.transactional_id, str(broker), str(t.producer_id), t.state.value)
            for broker, listings in by_broker.items() for t in listings]
    return Table(LIST_HEADERS, rows)


def describe(bootstrap: str, transactional_id: str, settings: ClientSettings | None = None, now_ms: int | None = None) -> Table:
    with admin_client(bootstrap, "describeTransactions", settings) as admin:
        try:
            d = admin.describe_transactions([transactional_id])[transactional_id]
        except Exception as exc:
            raise _failed(f"Failed to describe transaction state of transactional-id `{transactional_id}`", exc) from None
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    started = d.transaction_start_time_ms >= 0
    partitions = ",".join(f"{tp.topic}-{tp.partition}" for tp in sorted(d.topic_partitions))
    row = (str(d.coordinator_id), transactional_id, str(d.producer_id), str(d.producer_epoch), d.state.value,
           str(d.transaction_timeout_ms), str(d.transaction_start_time_ms) if started else "None",
           str(now_ms - d.transaction_start_time_ms) if started else "None", partitions)
    return Table(DESCRIBE_HEADERS, [row])


def _producers(admin, topic: str, partition: int, what: str):
    from kafka import TopicPartition

    tp = TopicPartition(topic, partition)
    try:
        return admin.describe_producers([tp])[tp].active_producers
    except Exception as exc:
        raise _failed(what, exc) from None


def describe_producers(bootstrap: str, topic: str, partition: int, settings: ClientSettings | None = None) -> Table:
    with admin_client(bootstrap, "describeProducers", settings) as admin:
        producers = _producers(admin, topic, partition, f"Failed to describe producers for partition {topic}-{partition} on leader")
    rows = [(str(p.producer_id), str(p.producer_epoch), str(p.coordinator_epoch), str(p.last_sequence), str(p.last_timestamp),
             str(p.current_transaction_start_offset) if p.current_transaction_start_offset >= 0 else "None")
            for p in producers]
    return Table(PRODUCERS_HEADERS, rows)


def find_hanging(bootstrap: str, topic: str | None, partition: int | None, broker_id: int | None, max_timeout_minutes: int,
                 settings: ClientSettings | None = None, now_ms: int | None = None) -> Table:
    if topic is None and broker_id is None:
        raise ToolError("The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search")
    if partition is not None and topic is None:
        raise ToolError("The --partition argument requires --topic to be provided")
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    limit_ms = max_timeout_minutes * 60_000
    with admin_client(bootstrap, "findHanging", settings) as admin:
        searched: list[tuple[str, int]]
        if topic is not None and partition is not None:
            searched = [(topic, partition)]
        else:
            try:
                meta = admin.describe_topics([topic] if topic else None)
            except Exception as exc:
                raise _failed(f"Failed to describe {1 if topic else 'all'} topics", exc) from None
            searched = sorted((t["name"], p["partition_index"]) for t in meta if not t.get("is_internal") for p in t["partitions"])
        candidates = []
        for name, index in searched:
            for p in _producers(admin, name, index, f"Failed to describe producers for {len(searched)} partitions on broker {broker_id}"):
                if p.current_transaction_start_offset >= 0 and now_ms - p.last_timestamp > limit_ms:
                    candidates.append((name, index, p))
        ids = {}
        if candidates:
            for listings in admin.list_transactions(producer_id_filters=sorted({p.producer_id for _, _, p in candidates})).values():
                ids.update({t.producer_id: t.transactional_id for t in listings})
        hanging = []
        for name, index, p in candidates:
            tid = ids.get(p.producer_id)
            if tid is not None:
                from kafka import TopicPartition

                try:
                    d = admin.describe_transactions([tid])[tid]
                except Exception:  # TransactionalIdNotFound: hanging
                    d = None
                if d is not None and TopicPartition(name, index) in d.topic_partitions:
                    continue  # the coordinator will still write its marker
            hanging.append(index_row(name, index, p, now_ms))
    return Table(HANGING_HEADERS, hanging)


def index_row(topic: str, index: int, p, now_ms: int) -> tuple[str, ...]:
    return (topic, str(index), str(p.producer_id), str(p.producer_epoch), str(p.coordinator_epoch),
            str(p.current_transaction_start_offset), str(p.last_timestamp), str((now_ms - p.last_timestamp) // 60_000))


def abort(bootstrap: str, topic: str, partition: int, start_offset: int | None, producer_id: int | None,
          producer_epoch: int | None, coordinator_epoch: int | None, settings: ClientSettings | None = None) -> None:
    from kafka import TopicPartition
    from kafka.admin._transactions import AbortTransactionSpec

    if start_offset is None and producer_id is None:
        raise ToolError("The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) "
                        "or with --producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)")
    tp = TopicPartition(topic, partition)
    with admin_client(bootstrap, "abortTransaction", settings) as admin:
        if start_offset is None:
            if producer_epoch is None:
                raise ToolError("Missing required argument --producer-epoch")
            if coordinator_epoch is None:
                raise ToolError("Missing required argument --coordinator-epoch")
            spec = AbortTransactionSpec(tp, producer_id, producer_epoch, max(coordinator_epoch, 0))
        else:
            producers = _producers(admin, topic, partition, f"Failed to validate producer state for partition {topic}-{partition}")
            found = next((p for p in producers if p.current_transaction_start_offset == start_offset), None)
            if found is None:
                raise ToolError(f"Could not find any open transactions starting at offset {start_offset} on partition {topic}-{partition}")
            spec = AbortTransactionSpec(tp, found.producer_id, found.producer_epoch, max(found.coordinator_epoch, 0))
        try:
            admin.abort_transaction(spec)
        except Exception as exc:
            raise _failed(f"Failed to abort transaction {spec}", exc) from None
