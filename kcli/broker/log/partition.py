"""Partition: one topic-partition's log, a directory ``<topic>-<partition>/`` of LogSegments.

Offsets are assigned here. With a single replica the high watermark is the log
end offset, and with no open transactions the last stable offset is too.
Produce and fetch work per batch: validate the header and CRC, rewrite the
base offset, write; read a byte range of whole batches.
"""

from __future__ import annotations

import bisect
import shutil
from dataclasses import dataclass
from pathlib import Path

from kafka.record.default_records import DefaultRecordBatch

from kcli.broker.log.producer_state import BatchMetadata, ProducerStateError, ProducerStateManager
from kcli.broker.log.segment import LogSegment
from kcli.protocol.kafka import record_batch
from kcli.protocol.kafka.errors import ErrorCode


PRODUCER_STATE_TAIL_BYTES = 4 * 1024 * 1024


class AppendError(Exception):
    def __init__(self, code: ErrorCode, message: str = ""):
        super().__init__(message or code.name)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class AppendResult:
    base_offset: int
    log_append_time: int  # -1 unless the topic uses LogAppendTime


@dataclass(slots=True)
class LogConfig:
    segment_bytes: int = 1073741824
    max_message_bytes: int = 1048588
    log_append_time: bool = False
    index_interval_bytes: int = 4096


class Partition:
    def __init__(self, directory: Path, topic: str, index: int, config: LogConfig):
        self.directory = directory
        self.topic = topic
        self.index = index
        self.config = config
        self.segments: list[LogSegment] = []
        self._bases: list[int] = []
        self.producers = ProducerStateManager()

    @classmethod
    def open(cls, directory: Path, topic: str, index: int, config: LogConfig, recover: bool) -> "Partition":
        """Open (or create) the partition directory; recovery checks the last segment."""
        directory.mkdir(parents=True, exist_ok=True)
        partition = cls(directory, topic, index, config)
        bases = sorted(int(p.stem) for p in directory.glob("*.log") if p.stem.isdigit())
        for i, base in enumerate(bases or [0]):
            segment = LogSegment(directory, base, config.index_interval_bytes)
            segment.open(recover=recover and i == len(bases) - 1)
            partition._add(segment)
        partition._load_producer_state()
        return partition

    def _load_producer_state(self) -> None:
        """Rebuild idempotent-producer state from the log's tail, so a retry that spans a restart
        is still recognised (Kafka keeps .snapshot files for this; kcli rereads recent batches)."""
        for header in self.active.tail_headers(PRODUCER_STATE_TAIL_BYTES):
            self._remember(header)

    def _remember(self, header) -> None:
        if header.producer_id >= 0 and header.base_sequence >= 0:
            self.producers.update(
                header.producer_id, header.producer_epoch,
                BatchMetadata(header.base_sequence, header.last_sequence, header.base_offset, header.last_offset),
            )

    def _add(self, segment: LogSegment) -> None:
        self.segments.append(segment)
        self._bases.append(segment.base_offset)

    @property
    def active(self) -> LogSegment:
        return self.segments[-1]

    @property
    def log_start_offset(self) -> int:
        return self.segments[0].base_offset

    @property
    def log_end_offset(self) -> int:
        return self.active.next_offset

    @property
    def high_watermark(self) -> int:
        return self.log_end_offset

    @property
    def last_stable_offset(self) -> int:
        return self.high_watermark

    # -- produce -------------------------------------------------------------

    def append(self, records, now_ms: int) -> AppendResult:
        """Validate, assign offsets and write the batches of one produce request."""
        data = bytearray(records)
        headers = list(record_batch.iter_headers(data))
        if not headers or headers[-1].position + headers[-1].size != len(data):
            raise AppendError(ErrorCode.CORRUPT_MESSAGE, "record set is not a whole number of record batches")
        for header in headers:
            if header.size > self.config.max_message_bytes:
                raise AppendError(
                    ErrorCode.MESSAGE_TOO_LARGE,
                    f"The record batch size {header.size} bytes exceeds the maximum allowed {self.config.max_message_bytes}",
                )
            try:
                record_batch.validate(data, header)
            except record_batch.InvalidBatch as exc:
                raise AppendError(ErrorCode.CORRUPT_MESSAGE, str(exc)) from None

        first = headers[0]
        if first.producer_id >= 0 and first.base_sequence >= 0 and len(headers) == 1:
            try:
                duplicate = self.producers.check(first.producer_id, first.producer_epoch, first.base_sequence, first.last_sequence)
            except ProducerStateError as exc:
                raise AppendError(exc.code) from None
            if duplicate is not None:
                return AppendResult(duplicate.first_offset, -1)

        next_offset = self.log_end_offset
        base_offset = next_offset
        max_timestamp = -1
        append_time = now_ms if self.config.log_append_time else -1
        for header in headers:
            record_batch.set_base_offset(data, header.position, next_offset)
            header.base_offset = next_offset
            if append_time >= 0:
                record_batch.set_log_append_time(data, header, append_time)
                header.max_timestamp = append_time
            max_timestamp = max(max_timestamp, header.max_timestamp)
            next_offset = header.next_offset

        if self.active.size > 0 and self.active.size + len(data) > self.config.segment_bytes:
            self.roll()
        self.active.append(data, next_offset - 1, max_timestamp)

        for header in headers:
            self._remember(header)
        return AppendResult(base_offset, append_time)

    def roll(self) -> None:
        self.active.flush()
        self.active.index.close()
        segment = LogSegment(self.directory, self.log_end_offset, self.config.index_interval_bytes)
        segment.open(recover=False)
        self._add(segment)

    # -- fetch ---------------------------------------------------------------

    def read(self, offset: int, max_bytes: int, min_one_batch: bool = True) -> bytes:
        """Whole batches from the one containing ``offset``; raises OFFSET_OUT_OF_RANGE outside the log."""
        if offset < self.log_start_offset or offset > self.log_end_offset:
            raise AppendError(ErrorCode.OFFSET_OUT_OF_RANGE)
        i = bisect.bisect_right(self._bases, offset) - 1
        for segment in self.segments[i:]:
            data = segment.read(offset, max_bytes, min_one_batch)
            if data:
                return data
        return b""

    def offset_for_timestamp(self, timestamp: int) -> tuple[int, int] | None:
        """(offset, timestamp) of the first record at or after ``timestamp`` (ListOffsets).

        A stored batch whose records do not decode raises CORRUPT_MESSAGE (Kafka's search fails on it too).
        """
        for segment in self.segments:
            base = segment.find_timestamp(timestamp)
            if base is None:
                continue
            raw = segment.read(base, 0, min_one_batch=True)
            header = record_batch.unpack_header(raw)
            if header.attributes & record_batch.ATTR_LOG_APPEND_TIME:
                return header.base_offset, header.max_timestamp
            try:
                for record in DefaultRecordBatch(bytes(raw[: header.size])):
                    if record.timestamp >= timestamp:
                        return record.offset, record.timestamp
            except Exception as exc:  # kafka-python raises zlib, lz4, struct, index errors on bytes that do not decode
                raise AppendError(
                    ErrorCode.CORRUPT_MESSAGE, f"the batch at offset {base} does not decode: {type(exc).__name__}: {exc}"
                ) from None
        return None

    # -- lifecycle -----------------------------------------------------------

    def flush(self) -> None:
        self.active.flush()

    def close(self) -> None:
        for segment in self.segments:
            segment.close()

    def delete(self) -> None:
        """Close every file, then remove the directory (Windows cannot delete open files)."""
        self.close()
        shutil.rmtree(self.directory, ignore_errors=False)
