"""Idempotent-producer state for one partition: Kafka's ProducerStateManager, in memory.

Per producer id the broker keeps the epoch and the sequence ranges of the last
five batches it appended (Kafka's NUM_BATCHES_TO_RETAIN). A batch that repeats
one of them is a retry: it is answered with the original offset and not
appended again. A batch whose sequence does not follow the last one is out of
order. A producer the broker knows nothing about (state lost on restart) may
start at any sequence, as in Kafka.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from kcli.protocol.kafka.errors import ErrorCode

BATCHES_TO_RETAIN = 5


class ProducerStateError(Exception):
    def __init__(self, code: ErrorCode):
        super().__init__(code.name)
        self.code = code


@dataclass(slots=True)
class BatchMetadata:
    first_seq: int
    last_seq: int
    first_offset: int
    last_offset: int


@dataclass(slots=True)
class ProducerEntry:
    epoch: int
    batches: deque = field(default_factory=lambda: deque(maxlen=BATCHES_TO_RETAIN))
    last_timestamp: int = -1  # the last batch's max timestamp (DescribeProducers, find-hanging)


class ProducerStateManager:
    def __init__(self):
        self._producers: dict[int, ProducerEntry] = {}

    def check(self, producer_id: int, epoch: int, first_seq: int, last_seq: int) -> BatchMetadata | None:
        """The earlier append if this batch is a duplicate, else None; raises when it must be refused."""
        entry = self._producers.get(producer_id)
        if entry is None:
            return None
        if epoch < entry.epoch:
            raise ProducerStateError(ErrorCode.INVALID_PRODUCER_EPOCH)
        if epoch > entry.epoch:
            if first_seq != 0:
                raise ProducerStateError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
            return None
        for batch in entry.batches:
            if batch.first_seq == first_seq and batch.last_seq == last_seq:
                return batch
        if entry.batches:
            expected = (entry.batches[-1].last_seq + 1) & 0x7FFFFFFF
            if first_seq != expected:
                raise ProducerStateError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
        return None

    def update(self, producer_id: int, epoch: int, batch: BatchMetadata, timestamp: int = -1) -> None:
        entry = self._producers.get(producer_id)
        if entry is None or entry.epoch != epoch:
            entry = self._producers[producer_id] = ProducerEntry(epoch)
        entry.batches.append(batch)
        entry.last_timestamp = max(entry.last_timestamp, timestamp)

    def on_marker(self, producer_id: int, epoch: int) -> None:
        """A transaction marker written with ``epoch``: a bumped epoch fences the producer's older one."""
        entry = self._producers.get(producer_id)
        if entry is None or epoch > entry.epoch:
            self._producers[producer_id] = ProducerEntry(epoch)

    def active(self) -> list[tuple[int, int, int, int]]:
        """(producer id, epoch, last sequence, last timestamp) of every producer known here (DescribeProducers)."""
        return [(pid, e.epoch, e.batches[-1].last_seq if e.batches else -1, e.last_timestamp) for pid, e in self._producers.items()]
