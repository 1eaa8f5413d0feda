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

The log start offset is the first offset a fetch may read: the first
segment's base offset, or past it once DeleteRecords moved it (it is then kept
in ``log-start-offset-checkpoint``). It never passes the high watermark, and
the log end offset never moves back: retention that would delete every segment
rolls first (``delete_oldest``). On opening after an unclean stop, only the
segments from the one holding the checkpointed recovery point on are
recovered (Kafka's LogLoader); leftover ``.deleted`` files are removed.

A partition can exist before its files: ``pending`` makes it without its
directory (a topic's existence is the catalog's record, catalog.py) and it
reads as an empty log. ``prepare`` (on any thread: the catalog's worker, after
CreateTopics is answered) makes the directory and the first segment's empty
files ahead of the first append; the first append makes them itself if that
has not happened (``_make_directory``). A lock per pending partition keeps the
two, and ``close`` (a deletion), from crossing: once closed, nothing is made.
``open`` gives a missing directory the pending state, so a restart needs
nothing on disk for a partition never written to either, and a directory a
stop left half made (some of the empty files) opens as an empty log.
"""

from __future__ import annotations

import bisect
import logging
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from kcli.broker.log import flush_policy, log_loader, roll as segment_roll
from kcli.broker.log import segment as segment_file
from kcli.broker.log.producer_state import BatchMetadata, ProducerStateError, ProducerStateManager
from kcli.broker.log.retention import SegmentView
from kcli.broker.log.file_slice import FileSlice
from kcli.broker.log.segment import LogSegment
from kcli.broker.log import producer_snapshot
from kcli.broker.log.txn_index import PartitionTransactions, index_path, read_index
from kcli.protocol.kafka import log_validator, record_batch, transaction_log
from kcli.protocol.kafka.errors import ErrorCode


PRODUCER_STATE_TAIL_BYTES = 4 * 1024 * 1024
DELETED_SUFFIX = ".deleted"  # Kafka's LogFileUtils.DELETED_FILE_SUFFIX

log = logging.getLogger("kcli.broker")


class AppendError(Exception):
    def __init__(self, code: ErrorCode, message: str = "", record_errors: list[tuple[int, str]] | None = None):
        super().__init__(message or code.name)
        self.code = code
        self.message = message
        self.record_errors = record_errors or []  # (batch_index, message): Produce v8+ reports them


@dataclass(slots=True)  # not frozen: a frozen dataclass costs more to build, once per produced partition
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
    # retention and roll (retention.py, roll.py)
    segment_ms: int = 604800000
    segment_jitter_ms: int = 0
    segment_index_bytes: int = 10485760
    retention_ms: int = 604800000
    retention_bytes: int = -1
    file_delete_delay_ms: int = 60000
    cleanup_policy: tuple[str, ...] = ("delete",)
    # compaction (kcli/broker/log/cleaner.py), when cleanup.policy holds compact
    min_cleanable_ratio: float = 0.5
    min_compaction_lag_ms: int = 0
    max_compaction_lag_ms: int = flush_policy.LONG_MAX
    delete_retention_ms: int = 86400000

    @property
    def compact(self) -> bool:
        return "compact" in self.cleanup_policy

    @property
    def delete(self) -> bool:
        return "delete" in self.cleanup_policy


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
        self._name = f"{topic}-{index}"  # as Kafka's messages name a topic-partition
        self.config = config
        self.segments: list[LogSegment] = []
        self._bases: list[int] = []
        self.producers = ProducerStateManager()
        self.transactions = PartitionTransactions(directory)  # open transactions and aborted ranges (txn_index.py)
        self.recovery_point = 0  # offsets below it are fsynced
        self.last_flush_ms: int | None = None  # None: not flushed since open (counts from the first append)
        self.offline: str | None = None  # why writes are refused until restart
        self._log_start_offset = 0
        self.recovered_segments = 0  # segments recovered on open because they lay past the recovery point
        self.recovered_bytes = 0  # and their bytes, each batch validated (CRC included)
        self.loaded_batches = 0  # batch headers read on open to rebuild the transactions (from the latest snapshot on)
        self.pending_deletions: list[tuple[int, list[Path]]] = []  # (due ms, ".deleted" files) for LogManager
        self._active_created_ms: int | None = None  # when the active segment was created (set on first use)
        self._rolling_based_timestamp: int | None = None  # None: not read yet (roll.py)
        self._roll_jitter_ms = segment_roll.random_jitter(config.segment_jitter_ms, config.segment_ms)
        self.on_disk = True  # False until the first append opens or makes the directory's files (``pending``)
        self.has_directory = True  # False while ``pending`` until ``prepare`` or the first append makes it
        self._making = threading.Lock()  # a pending partition's: held by whoever makes its files, and by ``close``
        self._closed = False

    @classmethod
    def pending(cls, directory: Path, topic: str, index: int, config: LogConfig, base_offset: int = 0) -> "Partition":
        """A new, empty partition with nothing on disk yet: its directory (which must not exist) and first segment
        are made by ``prepare`` or its first append. Until then it reads as an empty log at ``base_offset``."""
        partition = cls(directory, topic, index, config)
        partition._add(LogSegment(directory, base_offset, config.index_interval_bytes))  # no file opened or made
        partition.recovery_point = partition._log_start_offset = base_offset
        partition.on_disk = False
        partition.has_directory = False
        return partition

    def prepare(self) -> bool:
        """Make a ``pending`` partition's directory and its first segment's empty files, closed (any thread); whether
        this call made them. Nothing once the partition is on disk, prepared or closed. On failure nothing stays."""
        with self._making:
            if self.has_directory or self._closed:
                return False
            self.directory.mkdir()  # never adopt one left behind: the catalog retires those when the topic is created
            try:
                for path in (self.active.log_path, self.active.index.path, self.active.time_index.path):
                    open(path, "xb").close()
            except BaseException:
                shutil.rmtree(self.directory, ignore_errors=True)
                raise
            self.has_directory = True
            return True

    def _make_directory(self) -> None:
        """Before a ``pending`` partition's first append: open the files ``prepare`` made, or make them."""
        with self._making:
            if self.has_directory:  # prepared
                self.active.open(recover=False)
            else:
                self.directory.mkdir()
                self.has_directory = True
                self.active.create()
            self.on_disk = True

    @classmethod
    def open(cls, directory: Path, topic: str, index: int, config: LogConfig, recover: bool,
             recovery_point: int | None = None, log_start_offset: int = 0) -> "Partition":
        """Open the partition directory (a missing one gives a ``pending`` partition, made on its first append).

        With ``recover`` (an unclean stop), the segments from the one holding
        ``recovery_point`` (the checkpointed one; None: the last segment) on are
        recovered, the others checked; a recovered segment cut short takes the
        segments after it away. ``log_start_offset`` is the checkpointed one.
        """
        try:
            names = os.listdir(directory)  # one listing, read again only if a deletion or a swap was left unfinished
        except FileNotFoundError:  # never written to (or its files lost): made again on its first append
            return cls.pending(directory, topic, index, config, log_start_offset)
        if any(n.endswith((DELETED_SUFFIX, log_loader.CLEANED_SUFFIX, log_loader.SWAP_SUFFIX)) for n in names):
            _remove_deleted_files(directory)
            log_loader.complete_interrupted_swaps(directory)
            names = os.listdir(directory)
        partition = cls(directory, topic, index, config)
        bases = sorted(int(n[:-4]) for n in names if n.endswith(".log") and n[:-4].isdigit()) or [log_start_offset]
        if not recover:
            first_recovered = len(bases)
        elif recovery_point is None:
            first_recovered = len(bases) - 1
        else:
            first_recovered = max(bisect.bisect_right(bases, recovery_point) - 1, 0)
        recovered = []
        for i, base in enumerate(bases):
            segment = LogSegment(directory, base, config.index_interval_bytes)
            if i >= first_recovered:
                log.info("Recovering unflushed segment %d. %d/%d recovered for %s-%d.",
                         base, i - first_recovered, len(bases) - first_recovered, topic, index)
            cut = segment.open(recover=i >= first_recovered, lazy=i < len(bases) - 1)  # only the last is opened now
            partition._add(segment)
            if i >= first_recovered:
                recovered.append(segment)
                partition.recovered_segments += 1
                partition.recovered_bytes += segment.size + cut
                if cut and i + 1 < len(bases):
                    log.warning("Corruption found in segment %d of %s-%d, deleting the %d segments after it",
                                base, topic, index, len(bases) - i - 1)
                    for later in bases[i + 1:]:
                        _delete_segment_files(directory, later)
                    break
        for segment in recovered[:-1]:  # opened whole to be recovered: all but the last keep only their reader
            segment.on_become_inactive()
        if log_start_offset > partition.log_end_offset:  # Kafka's deleteSegmentsIfLogStartGreaterThanLogEnd
            log.warning("Deleting all segments of %s-%d because logEndOffset (%d) is smaller than logStartOffset %d. "
                        "This could happen if segment files were deleted from the file system.",
                        topic, index, partition.log_end_offset, log_start_offset)
            for segment in partition.segments:
                segment.delete()
            partition.segments, partition._bases = [], []
            segment = LogSegment(directory, log_start_offset, config.index_interval_bytes)
            segment.open(recover=False)
            partition._add(segment)
        end = partition.log_end_offset
        if not recover:
            partition.recovery_point = end
        elif recovery_point is None:
            partition.recovery_point = partition.active.base_offset  # only the last segment was recovered
        else:
            partition.recovery_point = min(recovery_point, end)
        partition._log_start_offset = max(log_start_offset, partition.segments[0].base_offset)
        partition._load_producer_state()
        return partition

    @classmethod
    def create(cls, directory: Path, topic: str, index: int, config: LogConfig) -> "Partition":
        """A new, empty partition: its directory (which must not exist yet) and first segment; ``open`` without
        the reading back that a new directory does not need."""
        directory.mkdir()
        partition = cls(directory, topic, index, config)
        segment = LogSegment(directory, 0, config.index_interval_bytes)
        try:
            segment.create()
        except BaseException:
            segment.close()
            raise
        partition._add(segment)
        return partition

    def _load_producer_state(self) -> None:
        """Rebuild idempotent-producer state from the log's tail, so a retry that spans a restart is still
        recognised; the transactions from the latest producer snapshot and the batches after it."""
        for header in self.active.tail_headers(PRODUCER_STATE_TAIL_BYTES):
            self._remember(header)
        start, entries = self.segments[0].base_offset, []
        for offset in reversed(producer_snapshot.remove_stray(self.directory, self._bases, self.log_end_offset)):
            found = producer_snapshot.read(self.directory, offset) if offset >= start else None
            if found is not None:
                start, entries = offset, found
                break
        self._load_transactions(start, entries)

    def _write_snapshot(self) -> None:
        """The producer snapshot at the log end (producer_snapshot.py)."""
        entries = {pid: producer_snapshot.SnapshotEntry(pid, epoch, seq, -1, 0, ts, -1, -1)
                   for pid, epoch, seq, ts in self.producers.active()}
        for pid, first in self.transactions.ongoing.items():
            known = entries.get(pid)
            entries[pid] = producer_snapshot.SnapshotEntry(
                pid, known.epoch if known else -1, known.last_sequence if known else -1, -1, 0,
                known.timestamp if known else -1, -1, first)
        producer_snapshot.write(self.directory, self.log_end_offset, list(entries.values()))

    def _load_transactions(self, start: int, entries: list[producer_snapshot.SnapshotEntry]) -> None:
        """The open transactions at ``start`` (a snapshot's ``entries``), then the batch headers from ``start`` on.

        The aborted ranges closed below ``start`` come from the .txnindex files; those of the batches read are
        rebuilt (txn_index.py). ``loaded_batches`` counts the headers read.
        """
        txns = self.transactions
        txns.ongoing = {e.producer_id: e.current_txn_first_offset for e in entries if e.current_txn_first_offset >= 0}
        txns.aborted = []
        for i, segment in enumerate(self.segments):
            indexed = read_index(index_path(self.directory, segment.base_offset))
            if i + 1 < len(self.segments) and self._bases[i + 1] <= start:
                txns.aborted += indexed  # wholly below the snapshot
                continue
            aborted = [a for a in indexed if a.last_offset < start]
            txns.aborted += aborted
            entry = segment.index.lookup(start) if start > segment.base_offset else None
            for header in segment._headers(entry[1] if entry else 0, validate=False):
                if header.base_offset < start:
                    continue
                self.loaded_batches += 1
                if not header.is_transactional or header.producer_id < 0:
                    continue
                if not header.is_control:
                    txns.on_data(header.producer_id, header.base_offset)
                    continue
                kind = transaction_log.control_type(segment.read(header.base_offset, header.size, True)[: header.size])
                closed = txns.on_marker(header.producer_id, header.base_offset, kind == transaction_log.COMMIT,
                                        segment.base_offset, header.next_offset, write=False)
                if closed is not None:
                    aborted.append(closed)
            txns.rewrite_index(segment.base_offset, aborted)

    def _remember(self, header) -> None:
        if header.is_transactional and not header.is_control and header.producer_id >= 0:
            self.transactions.on_data(header.producer_id, header.base_offset)
        if header.producer_id >= 0 and header.base_sequence >= 0:
            self.producers.update(
                header.producer_id, header.producer_epoch,
                BatchMetadata(header.base_sequence, header.last_sequence, header.base_offset, header.last_offset),
                header.max_timestamp,
            )

    def _add(self, segment: LogSegment) -> None:
        self.segments.append(segment)
        self._bases.append(segment.base_offset)

    @property
    def active(self) -> LogSegment:
        return self.segments[-1]

    @property
    def log_start_offset(self) -> int:
        return self._log_start_offset

    @property
    def log_end_offset(self) -> int:
        return self.active.next_offset

    @property
    def high_watermark(self) -> int:
        return self.log_end_offset

    @property
    def last_stable_offset(self) -> int:
        first = self.transactions.first_unstable_offset()
        return self.high_watermark if first is None else min(first, self.high_watermark)

    def append_marker(self, producer_id: int, producer_epoch: int, commit: bool, coordinator_epoch: int, now_ms: int) -> int:
        """Write a COMMIT or ABORT control batch for the producer's transaction here; its offset.

        Raises AppendError when the write fails (the partition is then offline).
        """
        data = bytearray(transaction_log.control_batch(producer_id, producer_epoch, commit, coordinator_epoch, now_ms))
        offset = self.log_end_offset
        record_batch.set_base_offset(data, 0, offset)
        self._write(data, offset, now_ms, now_ms)
        self.producers.on_marker(producer_id, producer_epoch)
        self.transactions.on_marker(producer_id, offset, commit, self.active.base_offset, self.high_watermark)
        return offset

    # -- produce -------------------------------------------------------------

    def append(self, records, now_ms: int, from_client: bool = True, header: record_batch.BatchHeader | None = None) -> AppendResult:
        """Validate, assign offsets and write the batches of one produce request.

        A coordinator's own batch (``from_client=False``, Kafka's AppendOrigin.COORDINATOR) skips the
        client rules and sequence checks: transactional offset commits carry a producer id and no sequence.
        ``header`` is the first batch's header when the caller has parsed it already (Produce's checks do):
        a request of exactly that one batch is not parsed again.
        """
        data = bytearray(records)
        if header is not None and header.position == 0 and record_batch.LOG_OVERHEAD + header.batch_length == len(data):
            headers = [header]
        else:
            headers = list(record_batch.iter_headers(data))
            if not headers or headers[-1].position + headers[-1].size != len(data):
                raise AppendError(ErrorCode.CORRUPT_MESSAGE, "record set is not a whole number of record batches")
        config = self.config
        for header in headers:
            if header.size > config.max_message_bytes:
                raise AppendError(
                    ErrorCode.MESSAGE_TOO_LARGE,
                    f"The record batch size {header.size} bytes exceeds the maximum allowed {config.max_message_bytes}",
                )
            try:
                record_batch.validate(data, header)
            except record_batch.InvalidBatch as exc:
                raise AppendError(ErrorCode.CORRUPT_MESSAGE, str(exc)) from None
            if not from_client:
                continue
            try:
                log_validator.validate_batch(data, header, self._name, config.compact)
            except log_validator.RecordValidationError as exc:
                raise AppendError(exc.code, exc.message, exc.record_errors) from None

        first = headers[0]
        if from_client and first.producer_id >= 0 and first.base_sequence >= 0 and len(headers) == 1:
            try:
                duplicate = self.producers.check(first.producer_id, first.producer_epoch, first.base_sequence, first.last_sequence)
            except ProducerStateError as exc:
                raise AppendError(exc.code) from None
            if duplicate is not None:
                return AppendResult(duplicate.first_offset, -1)

        next_offset = self.segments[-1].next_offset  # the log end offset
        base_offset = next_offset
        max_timestamp = -1
        append_time = now_ms if config.log_append_time else -1
        for header in headers:
            record_batch.set_base_offset(data, header.position, next_offset)
            header.base_offset = next_offset
            if append_time >= 0:
                record_batch.set_log_append_time(data, header, append_time)
                header.max_timestamp = append_time
            if header.max_timestamp > max_timestamp:
                max_timestamp = header.max_timestamp
            next_offset = next_offset + header.last_offset_delta + 1

        self._write(data, next_offset - 1, max_timestamp, now_ms, headers)

        for header in headers:
            if header.producer_id >= 0:  # (the rest of _remember's conditions ask for a producer id too)
                self._remember(header)
        return AppendResult(base_offset, append_time)

    def _write(self, data, last_offset: int, max_timestamp: int, now_ms: int, headers=None) -> None:
        """Roll if the segment is full, then write; a storage error takes the partition offline."""
        if self.offline is not None:
            raise AppendError(ErrorCode.KAFKA_STORAGE_ERROR, self.offline)
        active = self.segments[-1]
        try:
            if not self.on_disk:
                self._make_directory()
            if active.size and self._roll_due(active, len(data), last_offset, max_timestamp, now_ms):
                self.roll(now_ms)  # as Kafka, also before an offset would overflow the segment's int32 index entries
                active = self.segments[-1]
            active.append(data, last_offset, max_timestamp, headers)
        except OSError as exc:
            self._go_offline(exc, f"append to {self.active.log_path}")
            raise AppendError(ErrorCode.KAFKA_STORAGE_ERROR, self.offline or "") from None
        if self.last_flush_ms is None:
            self.last_flush_ms = now_ms
        if active.size == len(data):
            self._rolling_based_timestamp = max_timestamp  # the first append's (Kafka's LogSegment.append)

    def _roll_due(self, active: LogSegment, messages_size: int, last_offset: int, max_timestamp: int, now_ms: int) -> bool:
        """Kafka's LogSegment.shouldRoll for the ``active`` segment, which holds something (roll.py)."""
        if self._active_created_ms is None:
            self._active_created_ms = now_ms  # kcli: a reopened segment's clock starts at its first append
        if self._rolling_based_timestamp is None:
            first = record_batch.unpack_header(active.read(active.base_offset, 0, min_one_batch=True))
            self._rolling_based_timestamp = first.max_timestamp if first is not None else -1
        config = self.config
        return segment_roll.roll_due(
            active.size, messages_size, config.segment_bytes,
            segment_roll.time_waited_for_roll(now_ms, max_timestamp, self._rolling_based_timestamp, self._active_created_ms),
            config.segment_ms - self._roll_jitter_ms, len(active.index), segment_roll.max_index_entries(config.segment_index_bytes),
            active.can_convert_to_relative_offset(last_offset),
        )

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

    def roll(self, now_ms: int | None = None) -> None:
        self.active.flush()
        self.recovery_point = max(self.recovery_point, self.active.next_offset)
        self.active.on_become_inactive()
        segment = LogSegment(self.directory, self.log_end_offset, self.config.index_interval_bytes)
        segment.open(recover=False)
        self._add(segment)
        try:  # as Kafka's roll: the producer state at the new segment's base, so a restart reads only what follows
            self._write_snapshot()
        except OSError as exc:
            log.warning("Cannot write the producer snapshot of %s-%d: %s", self.topic, self.index, exc.strerror or exc)
        self._active_created_ms = now_ms
        self._rolling_based_timestamp = None
        self._roll_jitter_ms = segment_roll.random_jitter(self.config.segment_jitter_ms, self.config.segment_ms)

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

    def fetch_offsets(self) -> tuple[int, int, int]:
        """(high_watermark, last_stable_offset, log_start_offset), what a Fetch answers for every partition, in
        one call: the same values as the properties (the high watermark is the log end offset here)."""
        high_watermark = self.segments[-1].next_offset
        first = self.transactions.first_unstable_offset()
        return high_watermark, high_watermark if first is None or first > high_watermark else first, self._log_start_offset

    def read_slice(self, offset: int, max_bytes: int, max_offset: int, min_one_batch: bool) -> FileSlice | None:
        """The byte range of the log a fetch at ``offset`` returns, bounded by ``max_offset`` (the high watermark,
        or the last stable offset for read_committed), as Kafka's UnifiedLog.read; None when there is nothing.
        Raises OFFSET_OUT_OF_RANGE outside the log. See LogSegment.slice: the range may end inside a batch.
        """
        if offset < self.log_start_offset or offset > self.log_end_offset:
            raise AppendError(ErrorCode.OFFSET_OUT_OF_RANGE)
        if offset >= max_offset:
            return None
        i = bisect.bisect_right(self._bases, offset) - 1
        for segment in self.segments[max(i, 0):]:
            if segment.base_offset >= max_offset:
                return None
            if max_offset >= segment.next_offset:
                max_position = segment.size
            else:
                bound = segment.find_position(max_offset)
                max_position = segment.size if bound is None else bound
            found = segment.slice(offset, max_bytes, max_position, min_one_batch)
            if found is not None:
                return found if found.size else None
        return None

    def offset_for_timestamp(self, timestamp: int) -> tuple[int, int] | None:
        """(offset, timestamp) of the first record stamped at or after ``timestamp`` (ListOffsets), or None.

        As Kafka's UnifiedLog: only the first segment whose largest timestamp reaches it is searched.
        """
        start = self.log_start_offset
        for segment in self.segments[max(bisect.bisect_right(self._bases, start) - 1, 0):]:
            if segment.max_timestamp >= timestamp:
                try:
                    return segment.find_offset_by_timestamp(timestamp, start)
                except record_batch.InvalidBatch as exc:  # a stored batch that does not decode (Kafka's search fails on it too)
                    raise AppendError(ErrorCode.CORRUPT_MESSAGE, str(exc)) from None
        return None

    def max_timestamp_offset(self) -> tuple[int, int] | None:
        """(offset, timestamp) of the first record carrying the log's largest timestamp (ListOffsets -3, KIP-734),
        or None: the first segment holding it is read from the batch its index names."""
        try:
            return max(self.segments, key=lambda s: s.max_timestamp).find_max_timestamp()
        except record_batch.InvalidBatch as exc:
            raise AppendError(ErrorCode.CORRUPT_MESSAGE, str(exc)) from None

    # -- log start offset and retention ---------------------------------------

    @property
    def size(self) -> int:
        return sum(segment.size for segment in self.segments)

    def maybe_increment_log_start_offset(self, offset: int, reason: str) -> bool:
        """Move the log start offset up to ``offset`` (never down); OFFSET_OUT_OF_RANGE past the high watermark.

        Segments wholly below it are deleted by the next retention check (Kafka's
        ``UnifiedLog.maybeIncrementLogStartOffset``); the recovery point follows it up.
        """
        if offset > self.high_watermark:
            raise AppendError(
                ErrorCode.OFFSET_OUT_OF_RANGE,
                f"Cannot increment the log start offset to {offset} of partition {self.topic}-{self.index} "
                f"since it is larger than the high watermark {self.high_watermark}",
            )
        if offset <= self._log_start_offset:
            return False
        self._log_start_offset = offset
        self.recovery_point = max(self.recovery_point, offset)
        log.info("Incremented log start offset of %s-%d to %d due to %s", self.topic, self.index, offset, reason)
        return True

    def segment_views(self) -> list[SegmentView]:
        """What retention decides on: each segment's base offset, size and largest timestamp (retention.py)."""
        return [SegmentView(s.base_offset, s.size, s.max_timestamp if s.max_timestamp >= 0 else _mtime_ms(s.log_path))
                for s in self.segments]

    def delete_oldest(self, count: int, reason: str, now_ms: int) -> None:
        """Delete the ``count`` oldest segments (all of them: roll first, so the log end offset stays).

        Each is closed, then its files renamed ``.deleted`` and queued in
        ``pending_deletions`` for removal after ``file.delete.delay.ms`` (Kafka's
        asynchronous delete; Windows cannot rename or delete an open file).
        """
        if count >= len(self.segments):
            if self.active.size == 0:
                count = len(self.segments) - 1  # the empty active segment is kept rather than recreated
            else:
                self.roll(now_ms)
        if count <= 0:
            return
        doomed = self.segments[:count]
        self.segments, self._bases = self.segments[count:], self._bases[count:]
        self.maybe_increment_log_start_offset(self.segments[0].base_offset, f"segment deletion ({reason})")
        renamed: list[Path] = []
        for segment in doomed:
            log.info("Deleting segment %d of %s-%d (size=%d, largestRecordTimestamp=%d) due to %s",
                     segment.base_offset, self.topic, self.index, segment.size, segment.max_timestamp, reason)
            segment.close()
            renamed += _rename_deleted(self.directory, segment.base_offset)
        self.pending_deletions.append((now_ms + self.config.file_delete_delay_ms, renamed))

    # -- flushing ------------------------------------------------------------

    @property
    def unflushed_messages(self) -> int:
        return self.log_end_offset - self.recovery_point

    def flush_due(self) -> bool:
        """Whether ``flush.messages`` asks for an fsync before the last append is acknowledged."""
        return flush_policy.due_by_count(self.segments[-1].next_offset - self.recovery_point, self.config.flush_messages)

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

    def close(self, snapshot: bool = True) -> None:
        """Close every file; the producer snapshot is written first unless ``snapshot`` is False (a deletion).
        A pending partition is never prepared after this."""
        if not self.on_disk:
            with self._making:
                self._closed = True
        if snapshot and self.offline is None and self.on_disk:
            try:
                self._write_snapshot()
            except OSError as exc:  # the next open rereads the log instead
                log.warning("Cannot write the producer snapshot of %s-%d: %s", self.topic, self.index, exc.strerror or exc)
        for segment in self.segments:
            segment.close()

    def delete(self) -> None:
        """Close every file, then remove the directory if made (Windows cannot delete open files)."""
        self.close(snapshot=False)
        if self.has_directory:
            shutil.rmtree(self.directory, ignore_errors=False)


def _mtime_ms(path: Path) -> int:
    try:
        return int(path.stat().st_mtime * 1000)
    except OSError:
        return -1


def _segment_files(directory: Path, base_offset: int) -> list[Path]:
    """A segment's files (.log, .index, .timeindex, ...), by the 20-digit name they share."""
    prefix = segment_file.segment_name(base_offset) + "."
    return [p for p in directory.iterdir() if p.name.startswith(prefix) and not p.name.endswith(DELETED_SUFFIX)]


def _rename_deleted(directory: Path, base_offset: int) -> list[Path]:
    """Rename a closed segment's files ``<name>.deleted``; the new paths (a file that cannot be renamed keeps its name)."""
    renamed = []
    for path in _segment_files(directory, base_offset):
        target = path.with_name(path.name + DELETED_SUFFIX)
        try:
            os.replace(path, target)
        except OSError as exc:
            log.warning("Cannot rename %s for deletion (%s); deleting it under its own name", path, exc.strerror or exc)
            target = path
        renamed.append(target)
    return renamed


def _delete_segment_files(directory: Path, base_offset: int) -> None:
    for path in _segment_files(directory, base_offset):
        path.unlink(missing_ok=True)


def _remove_deleted_files(directory: Path) -> None:
    """Remove files a previous run renamed for deletion and did not get to delete (Kafka's LogLoader)."""
    for path in directory.glob("*" + DELETED_SUFFIX):
        path.unlink(missing_ok=True)
