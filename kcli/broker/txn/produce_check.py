"""The checks Produce makes of a transactional batch: a transactional id, and its partition in the producer's open transaction.

A request carrying a transactional batch without a transactional id (or below
v3, which has none) is TRANSACTIONAL_ID_AUTHORIZATION_FAILED, with or without
an authorizer, as KafkaApis.handleProduceRequest answers it.

Kafka 3.9 verifies this with the coordinator before appending (KIP-890 part 1,
``transaction.partition.verification.enable``); a producer whose epoch was
bumped since (fenced, or its transaction aborted on timeout) is
INVALID_PRODUCER_EPOCH, any other producer INVALID_TXN_STATE.
"""

from __future__ import annotations

from kcli.protocol.kafka import record_batch
from kcli.protocol.kafka.errors import ErrorCode


def check(records, topic: str, partition: int, coordinator, transactional_id: str | None,
          header: record_batch.BatchHeader | None = None) -> ErrorCode:
    """``header``: the records' first batch header (record_batch.unpack_header) when the caller has it."""
    if header is None:
        header = record_batch.unpack_header(records)
    if header is None or not header.is_transactional:
        return ErrorCode.NONE
    if transactional_id is None:
        return ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    if header.producer_id < 0:
        return ErrorCode.NONE
    if coordinator is None:
        return ErrorCode.INVALID_TXN_STATE
    if coordinator.ongoing(header.producer_id, header.producer_epoch, topic, partition):
        return ErrorCode.NONE
    txn = coordinator.by_producer_id(header.producer_id)
    if txn is not None and txn.producer_epoch > header.producer_epoch:
        return ErrorCode.INVALID_PRODUCER_EPOCH
    return ErrorCode.INVALID_TXN_STATE
