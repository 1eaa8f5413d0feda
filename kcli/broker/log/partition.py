"""Partition: one topic-partition's log, a directory ``<topic>-<partition>/`` of LogSegments.

Offsets are assigned here, from the records each batch holds: a batch is
appended only once log_validator has counted its records and found
``last_offset_delta + 1`` equal to that count. With a single replica the high
watermark is the log end offset, and with no open transactions the last stable
offset is too. Produce and fetch work per batch: validate the header, CRC and
record framing, rewrite the base offset, write (rolling the segment first when
it is full or an offset would not fit its index); read a byte range of whole
batches.

The recovery point is the offset below which the log is fsynced (Kafka's
name); ``flush_due`` applies ``flush.messages`` to what lies above it. A write
or fsync that fails (a full disk, an I/O error) takes the partition offline
for writes until restart, as Kafka takes the log directory offline: appends
are then refused with KAFKA_STORAGE_ERROR, reads go on.
"""

from __future__ import annotations

import bisect
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from kafka.record.default_records import DefaultRecordBatch

from kcli.broker.log import flush_policy, log_loader
from kcli.broker.log import segment as segment_file
from kcli.broker.log.producer_state import BatchMetadata, ProducerStateError, ProducerStateManager
from kcli.broker.log.segment import LogSegment
from kcli.protocol.kafka import log_validator, record_batch
from kcli.protocol.kafka.errors import ErrorCode


PRODUCER_STATE_TAIL_BYTES = 4 * 1024 * 1024

log = logging.getLogger("kcli.broker")


class AppendError(Exception):
    def __init__(self, code: ErrorCode, message: str = "", record_errors: list[tuple[int, str]] | None = None):
        super().__init__(message or code.name)
        self.code = code
        self.message = message
        self.record_errors = record_errors or []  # (batch_index, message): Produce v8+ reports them


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
    flush_messages: int = flush_policy.LONG_MAX
    flush_ms: int = flush_policy.LONG_MAX
    # compaction (kcli/broker/log/cleaner.py): cleanup.policy holds "compact"
    compact: bool = False
    min_cleanable_ratio: float = 0.5
    min_compaction_lag_ms: int = 0
    max_compaction_lag_ms: int = flush_policy.LONG_MAX
    delete_retention_ms: int = 86400000


@dataclass(slots=True)
class FlushJob:
    """One partition's share of an fsync: its own descriptors of the files to sync, and the offset it makes durable.

    ``run`` may go on another thread: the descriptors are duplicates, so a roll or a
    close on the event loop meanwhile does not pull them away.
    """

    partition: "Partition"
    target: int
    fds: list[int]

    def run(self) -> OSError | None:
        try:
            for fd in self.fds:
                segment_file.fsync(fd)
        except OSError as exc:
            return exc
        finally:
            for fd in self.fds:
                os.close(fd)
        return None


class Partition:
    def __init__(self, directory: Path, topic: str, index: int, config: LogConfig):
        self.directory = directory
        self.topic = topic
        self.index = index
        self.config = config
        self.segments: list[LogSegment] = []
        self._bases: list[int] = []
        self.producers = ProducerStateManager()
        self.recovery_point = 0  # offsets below it are fsynced
        self.last_flush_ms: int | None = None  # None: not flushed since open (counts from the first append)
        self.offline: str | None = None  # why writes are refused until restart

    @classmethod
    def open(cls, directory: Path, topic: str, index: int, config: LogConfig, recover: bool) -> "Partition":
        """Open (or create) the partition directory; ``recover`` recovers the last segment, the others are checked."""
        directory.mkdir(parents=True, exist_ok=True)
        log_loader.complete_interrupted_swaps(directory)
        partition = cls(directory, topic, index, config)
        bases = sorted(int(p.stem) for p in directory.glob("*.log") if p.stem.isdigit())
        for i, base in enumerate(bases or [0]):
            segment = LogSegment(directory, base, config.index_interval_bytes)
            segment.open(recover=recover and i == len(bases) - 1)
            partition._add(segment)
        partition.recovery_point = partition.log_end_offset
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
            try:
                log_validator.validate_batch(data, header, f"{self.topic}-{self.index}", self.config.compact)
            except log_validator.RecordValidationError as exc:
                raise AppendError(exc.code, exc.message, exc.record_errors) from None

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

        self._write(data, next_offset - 1, max_timestamp, now_ms)

        for header in headers:
            self._remember(header)
        return AppendResult(base_offset, append_time)

    def _write(self, data, last_offset: int, max_timestamp: int, now_ms: int) -> None:
        """Roll if the segment is full, then write; a storage error takes the partition offline."""
        if self.offline is not None:
            raise AppendError(ErrorCode.KAFKA_STORAGE_ERROR, self.offline)
        try:
            if self.active.size > 0 and (
                self.active.size + len(data) > self.config.segment_bytes
                or not self.active.can_convert_to_relative_offset(last_offset)
            ):
                self.roll()  # as Kafka, also before an offset would overflow the segment's int32 index entries
            self.active.append(data, last_offset, max_timestamp)
        except OSError as exc:
            self._go_offline(exc, f"append to {self.active.log_path}")
            raise AppendError(ErrorCode.KAFKA_STORAGE_ERROR, self.offline or "") from None
        if self.last_flush_ms is None:
            self.last_flush_ms = now_ms

    def _go_offline(self, exc: OSError, doing: str) -> None:
        if self.offline is None:
            self.offline = f"Cannot {doing}: {exc.strerror or exc}"
            log.error(
                "%s. Partition %s-%d is read-only until the broker restarts; the failed write was not acknowledged.",
                self.offline, self.topic, self.index,
            )

    def replace_segments(self, old: list[LogSegment], new: LogSegment) -> None:
        """Put ``new`` where the consecutive segments ``old`` were (the cleaner's swap; the files are its business)."""
        i = self.segments.index(old[0])
        self.segments[i : i + len(old)] = [new]
        self._bases[i : i + len(old)] = [new.base_offset]

    def roll(self) -> None:
        self.active.flush()
        self.recovery_point = max(self.recovery_point, self.active.next_offset)
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
        """(offset, timestamp) of the first record at or after ``timestamp`` (ListOffsets)."""
        for segment in self.segments:
            base = segment.find_timestamp(timestamp)
            if base is None:
                continue
            raw = segment.read(base, 0, min_one_batch=True)
            header = record_batch.unpack_header(raw)
            assert header is not None, "find_timestamp found a whole batch"
            if header.attributes & record_batch.ATTR_LOG_APPEND_TIME:
                return header.base_offset, header.max_timestamp
            for record in DefaultRecordBatch(bytes(raw[: header.size])):
                if record.timestamp >= timestamp:
                    return record.offset, record.timestamp
        return None

    # -- flushing ------------------------------------------------------------

    @property
    def unflushed_messages(self) -> int:
        return self.log_end_offset - self.recovery_point

    def flush_due(self) -> bool:
        """Whether ``flush.messages`` asks for an fsync before the last append is acknowledged."""
        return flush_policy.due_by_count(self.unflushed_messages, self.config.flush_messages)

    def flush_job(self) -> FlushJob | None:
        """What an fsync up to the log end covers now, or None when nothing is unflushed.

        The segments from the one holding the recovery point on, and (POSIX) the directory
        when one of them is new since the last fsync, so its name survives a power loss too
        (and the log directory, for the partition's own name, before its first fsync).
        """
        target = self.log_end_offset
        if target <= self.recovery_point or self.offline is not None:
            return None
        segments = self.segments[max(bisect.bisect_right(self._bases, self.recovery_point) - 1, 0):]
        fds: list[int] = []
        try:
            for segment in segments:
                fd = segment.duplicate_fd()
                if fd is not None:
                    fds.append(fd)
            if os.name != "nt" and any(s.base_offset >= self.recovery_point for s in segments):
                fds.append(os.open(self.directory, os.O_RDONLY))
                if self.recovery_point == 0:  # nothing fsynced yet: the partition's own directory entry too
                    fds.append(os.open(self.directory.parent, os.O_RDONLY))
        except OSError:
            for fd in fds:
                os.close(fd)
            raise
        return FlushJob(self, target, fds)

    def flushed(self, job: FlushJob, error: OSError | None, now_ms: int) -> None:
        """Record the outcome of ``job``: the recovery point moves on, or the partition goes offline."""
        if error is not None:
            self._go_offline(error, f"fsync {self.directory}")
            return
        self.recovery_point = max(self.recovery_point, job.target)
        self.last_flush_ms = now_ms

    def flush(self, now_ms: int = 0) -> None:
        """Fsync everything unflushed, here and now (clean shutdown); raises OSError if that fails."""
        job = self.flush_job()
        if job is None:
            return
        error = job.run()
        self.flushed(job, error, now_ms)
        if error is not None:
            raise error

    # -- lifecycle -----------------------------------------------------------

    def close(self) -> None:
        for segment in self.segments:
            segment.close()

    def delete(self) -> None:
        """Close every file, then remove the directory (Windows cannot delete open files)."""
        self.close()
        shutil.rmtree(self.directory, ignore_errors=False)
