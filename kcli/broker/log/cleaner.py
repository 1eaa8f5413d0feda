"""LogCleaner: compaction of the logs whose ``cleanup.policy`` holds ``compact`` (Kafka's LogCleaner,
LogCleanerManager and Cleaner).

What is cleaned (``log_to_clean``, pure, ``now`` passed in). The cleaner
checkpoint says where each log's dirty section starts (the log start offset
when there is none, or when it is below the log start or past the log end).
The dirty section ends at the first uncleanable offset: the lowest of the
last stable offset, the active segment's base offset (the active segment is
never cleaned) and, with ``min.compaction.lag.ms``, the base offset of the
first dirty segment holding a record newer than that lag. The dirty ratio is
the bytes of the whole segments from the first dirty offset to the first
uncleanable one over those plus the clean bytes before; a log is cleaned when
the ratio passes ``min.cleanable.dirty.ratio``, or when
``max.compaction.lag.ms`` has passed since the first batch of its first dirty
segment. Each round cleans the filthiest such log; when there is none the
cleaner sleeps ``log.cleaner.backoff.ms``. ``log.cleaner.enable=false`` turns
it off.

How (``Cleaning``). An offset map (key → last offset) is built from the dirty
section; then every segment from the log start up to the map's end is copied
into ``<base>.log.cleaned`` (segments grouped, as Kafka groups them, up to
``segment.bytes`` a group), keeping a record when its offset is the last for
its key or lies past the map; a tombstone (null value) is kept until the
batch's delete horizon has passed. A batch that keeps all its records and
needs no horizon is copied byte for byte; any other is rebuilt by
batch_filter with its base offset, last offset delta and producer fields, so
offsets keep their gaps. A batch that holds a tombstone gets its delete
horizon, ``now + delete.retention.ms``, the first time the cleaner keeps it
(KIP-534), so a tombstone lives at least ``delete.retention.ms`` after the
cleaning that first saw it. Records without a key are dropped (Kafka counts
them as invalid). Transactions, from the partition's aborted ranges
(cleaned_transactions.py): the batches of an aborted transaction are dropped
and never enter the map, committed transactional records are compacted like
others, and a COMMIT or ABORT marker goes once no batch of its transaction is
left and its own delete horizon has passed; the cleaned segment's .txnindex
keeps the aborted ranges whose markers stay. The cleaned segment is then
swapped in with renames a crash cannot tear (log_loader states them).
Finally the map's end is written to ``cleaner-offset-checkpoint``.

Where it runs. On the event loop, as an asyncio task doing bounded steps
(about ``STEP_BYTES`` of log read per step, then a yield). kcli's partitions
are touched only by the event loop, lock-free by construction; a cleaner
thread would need locks around every append, roll, read and retention
deletion, and would not run in parallel anyway: its work is Python code under
the GIL, and a busy thread makes the loop wait up to the GIL's switch
interval each time it returns from a socket or file call. Steps keep each
pause short and need no lock: between steps the cleaner holds no file open
(so Windows can delete or rename anything meanwhile), and before each step it
checks that the segments it is reading are still the partition's; if
retention or a topic deletion took them, the round is abandoned and its
``.cleaned`` file removed. A step that needs an fsync (the cleaned file, the
directory after a rename) hands it to the driver, which runs it on the
cleaner's own thread and resumes the step after; the one directory fsync that
must separate the old segments' renames from the cleaned segment's final name
runs on the loop. Reading a chunk of a segment and appending to the cleaned
file are handed off the same way, so a slow disk never stalls the loop: a
step on the loop is the Python work on one chunk.

``cleaner-offset-checkpoint`` holds, as Kafka's OffsetCheckpointFile: a
version line ``0``, a line with the number of entries, then one
``<topic> <partition> <offset>`` line each; it is replaced atomically
(kcli/broker/log/checkpoints.py reads and writes it).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
import os
import time
import weakref
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kcli.broker.log import checkpoints, log_loader
from kcli.broker.log.cleaned_transactions import CleanedTransactions
from kcli.broker.log.partition import Partition
from kcli.broker.log.segment import LogSegment, fsync_directory, segment_name, write_all
from kcli.protocol.kafka import batch_filter, record_batch, transaction_log

STEP_BYTES = 32 * 1024  # the CPU work of a step: ~1 ms median, ~3 ms p99 with ~100-byte batches on a shared 2-core machine
Steps = Generator["Callable[[], None] | None", None, Any]  # None: a step done; a callable: run it off the event loop
_INDEX_ENTRY_BYTES = 8
_SEGMENT_FILES = (".log", ".index", ".timeindex", ".txnindex")

log = logging.getLogger("kcli.broker.log.cleaner")


# -- what to clean: pure functions of numbers ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    base_offset: int
    size: int
    max_timestamp: int  # the greatest record timestamp (-1 if none)
    first_batch_timestamp: int  # the first batch's max timestamp (-1 if empty); max.compaction.lag.ms uses it


@dataclass(frozen=True, slots=True)
class LogToClean:
    first_dirty_offset: int
    first_uncleanable_offset: int
    clean_bytes: int
    cleanable_bytes: int
    needs_compaction_now: bool  # max.compaction.lag.ms has passed
    reset_checkpoint: bool  # the checkpoint was outside the log: it is written again as first_dirty_offset

    @property
    def total_bytes(self) -> int:
        return self.clean_bytes + self.cleanable_bytes

    @property
    def cleanable_ratio(self) -> float:
        return self.cleanable_bytes / self.total_bytes if self.total_bytes else 0.0

    def should_clean(self, min_cleanable_ratio: float) -> bool:
        """Kafka's grabFilthiestCompactedLog filter."""
        if self.total_bytes <= 0:
            return False
        return (self.needs_compaction_now and self.cleanable_bytes > 0) or self.cleanable_ratio > min_cleanable_ratio


def log_to_clean(
    segments: list[SegmentInfo],  # every segment, the active one last
    log_start_offset: int,
    log_end_offset: int,
    last_stable_offset: int,
    checkpoint: int | None,
    min_compaction_lag_ms: int,
    max_compaction_lag_ms: int,
    now: int,
) -> LogToClean:
    """Kafka's LogCleanerManager.cleanableOffsets, calculateCleanableBytes and maxCompactionDelay, on numbers."""
    dirty = log_start_offset if checkpoint is None else checkpoint
    reset = False
    if dirty < log_start_offset or dirty > log_end_offset:
        dirty, reset = log_start_offset, True
    active = segments[-1]
    non_active_dirty = [s for i, s in enumerate(segments[:-1]) if _next_base(segments, i) > dirty]
    uncleanable = min(last_stable_offset, active.base_offset)
    lag = max(min_compaction_lag_ms, 0)
    if lag > 0:
        for s in non_active_dirty:
            if s.max_timestamp > now - lag:
                uncleanable = min(uncleanable, s.base_offset)
                break
    uncleanable = max(dirty, uncleanable)
    # the first segment from ``uncleanable`` on (whole segments only), as calculateCleanableBytes
    first_uncleanable_base = active.base_offset
    for i, s in enumerate(segments[:-1]):
        if _next_base(segments, i) > uncleanable:
            first_uncleanable_base = s.base_offset
            break
    low = min(dirty, first_uncleanable_base)
    cleanable = sum(s.size for i, s in enumerate(segments) if s.base_offset < first_uncleanable_base and _next_base(segments, i) > low)
    clean = sum(s.size for s in segments if s.base_offset < dirty)  # the segment holding ``dirty`` counts in both, as in Kafka
    timestamps = [s.first_batch_timestamp for s in non_active_dirty if s.first_batch_timestamp > 0]
    clean_until = now - max(max_compaction_lag_ms, 0)
    needs_now = bool(timestamps) and min(timestamps) < clean_until
    return LogToClean(dirty, uncleanable, clean, cleanable, needs_now, reset)


def _next_base(segments: list[SegmentInfo], i: int) -> int:
    return segments[i + 1].base_offset if i + 1 < len(segments) else 2**63 - 1


def group_by_size(segments: list[LogSegment], max_size: int, first_uncleanable: int) -> list[list[LogSegment]]:
    """Kafka's groupSegmentsBySize: consecutive segments whose log bytes fit ``max_size`` together and whose
    offsets fit one segment's int32 index entries."""
    groups: list[list[LogSegment]] = []
    i = 0
    while i < len(segments):
        group = [segments[i]]
        size = segments[i].size
        i += 1
        while i < len(segments) and size + segments[i].size <= max_size:
            last = segments[i + 1].base_offset - 1 if i + 1 < len(segments) else first_uncleanable - 1
            if segments[i].size > 0 and last - group[0].base_offset > 2**31 - 1:
                break
            group.append(segments[i])
            size += segments[i].size
            i += 1
        groups.append(group)
    return groups


# -- the offset map ----------------------------------------------------------------------------------


class OffsetMap:
    """Key → the last offset seen for it in the dirty section (Kafka's SkimpyOffsetMap, with exact keys
    instead of MD5 digests), holding at most ``capacity`` keys; ``latest_offset`` is where it ends."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.offsets: dict[bytes, int] = {}
        self.latest_offset = -1

    def __len__(self) -> int:
        return len(self.offsets)


# -- one cleaning, in bounded steps ------------------------------------------------------------------


class CleaningAborted(Exception):
    """The partition changed under the cleaner (segments deleted, topic deleted): nothing was swapped in."""


class Cleaning:
    """The cleaning of one partition: ``steps()`` yields after each bounded piece of work and returns the
    offset the cleaner checkpoint moves to. ``still_current()`` says whether the partition is still served."""

    def __init__(self, partition: Partition, todo: LogToClean, map_capacity: int, now: int, still_current=lambda: True):
        self.partition = partition
        self.todo = todo
        self.map = OffsetMap(map_capacity)
        self.now = now
        self.still_current = still_current
        self.batches_rebuilt = 0
        self.records_removed = 0
        self.markers_removed = 0
        self.txns = CleanedTransactions([])  # the cleaning's view of the transactions (set in steps)

    def steps(self) -> Steps:
        partition, todo = self.partition, self.todo
        start, end = todo.first_dirty_offset, todo.first_uncleanable_offset
        segments = partition.segments[:-1]
        dirty = [s for i, s in enumerate(segments) if s.base_offset < end and _segment_end(segments, i, end) > start]
        txns = CleanedTransactions(partition.transactions.aborted_between(start, end))
        for i, segment in enumerate(dirty):
            next_base = dirty[i + 1].base_offset if i + 1 < len(dirty) else end
            full = yield from self._map_segment(segment, start, txns)
            if full:
                break
            self.map.latest_offset = max(self.map.latest_offset, next_base - 1)
        end_offset = self.map.latest_offset + 1
        to_clean = [s for s in partition.segments[:-1] if s.base_offset < end_offset]
        if to_clean:
            self.txns = CleanedTransactions(partition.transactions.aborted_between(to_clean[0].base_offset, end))
        for group in group_by_size(to_clean, partition.config.segment_bytes, end):
            yield from self._clean_group(group)
        return end_offset

    def _check(self, segments: list[LogSegment]) -> None:
        if not self.still_current() or self.partition.offline is not None:
            raise CleaningAborted(f"{self._name} is no longer served")
        current = self.partition.segments
        if any(s not in current for s in segments) or current[-1] in segments:
            raise CleaningAborted(f"segments of {self._name} were replaced while it was being cleaned")

    @property
    def _name(self) -> str:
        return f"{self.partition.topic}-{self.partition.index}"

    def _read(self, segment: LogSegment, position: int) -> Steps:
        """Whole batches from ``position``: (chunk, headers), about STEP_BYTES, or None at the segment's end.
        The read runs off the event loop; the file is opened and closed for it, so nothing stays open
        between steps."""
        self._check([segment])
        box: dict = {}
        try:
            yield functools.partial(_read_chunk, segment.log_path, position, box)
        except FileNotFoundError:
            self._check([segment])  # CleaningAborted when retention or a deletion took the segment meanwhile
            raise
        self._check([segment])
        return box["batches"]

    def _map_segment(self, segment: LogSegment, start: int, txns: CleanedTransactions) -> Steps:
        entry = segment.index.lookup(start)
        offsets = self.map.offsets
        position = entry[1] if entry else 0
        while (batches := (yield from self._read(segment, position))) is not None:
            chunk, headers = batches
            position += headers[-1].position + headers[-1].size
            for header in headers:
                if header.magic != 2:
                    raise batch_filter.UnreadableBatch(f"magic {header.magic} batch in {segment.log_path}")
                if header.is_control:
                    kind = _marker_type(chunk, header)
                    if kind is not None:
                        txns.on_marker(header.producer_id, kind == transaction_log.COMMIT, header.last_offset)
                elif not txns.on_batch(header.producer_id, header.is_transactional, header.last_offset) \
                        and header.last_offset >= start:
                    records = batch_filter.records_bytes(chunk, header)
                    for record in batch_filter.read_records(records, header):
                        if record.key is not None and record.offset >= start:
                            if len(offsets) >= self.map.capacity:
                                return True
                            offsets[record.key] = record.offset
                if header.last_offset >= start:
                    self.map.latest_offset = max(self.map.latest_offset, header.last_offset)
            yield None
        return False

    def _clean_group(self, group: list[LogSegment]) -> Steps:
        partition = self.partition
        base = group[0].base_offset
        directory = partition.directory
        cleaned_log = directory / f"{segment_name(base)}.log{log_loader.CLEANED_SUFFIX}"
        cleaned_index = directory / f"{segment_name(base)}.index{log_loader.CLEANED_SUFFIX}"
        entries: list[tuple[int, int]] = []
        size = pending = 0
        max_timestamp = -1
        interval = partition.config.index_interval_bytes
        kept_before = len(self.txns.kept_index)
        try:
            cleaned_log.write_bytes(b"")
            for segment in group:
                position = 0
                while (batches := (yield from self._read(segment, position))) is not None:
                    chunk, headers = batches
                    position += headers[-1].position + headers[-1].size
                    out = bytearray()
                    for header in headers:
                        kept = self._filter(chunk, header)
                        if kept is None:
                            continue
                        kept_header = record_batch.unpack_header(kept)
                        assert kept_header is not None  # a whole batch, copied or rebuilt
                        pending += kept_header.size
                        max_timestamp = max(max_timestamp, kept_header.max_timestamp)
                        if pending > interval:
                            entries.append((kept_header.last_offset, size + len(out)))
                            pending = 0
                        out += kept
                    if out:
                        yield functools.partial(_append_file, cleaned_log, bytes(out))
                        size += len(out)
                    else:
                        yield None
            yield functools.partial(_fsync_file, cleaned_log)
            self._check(group)
            mtime = group[-1].log_path.stat().st_mtime
            os.utime(cleaned_log, (mtime, mtime))  # as Kafka: the cleaned segment keeps the last one's modification time
            with open(cleaned_index, "wb") as f:
                f.write(b"".join((o - base).to_bytes(4, "big") + p.to_bytes(4, "big") for o, p in entries))
        except BaseException:
            for path in (cleaned_log, cleaned_index):  # a file left behind is removed on the next open
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
            raise
        yield from swap_in(partition, group, cleaned_log, cleaned_index, self._check, max_timestamp,
                           self.txns.kept_index[kept_before:])

    def _filter(self, chunk, header) -> bytes | None:
        """The batch as the cleaned segment holds it, or None when none of its records stay."""
        raw = memoryview(chunk)[header.position : header.position + header.size]
        if header.is_control:
            return self._filter_marker(chunk, header, raw)
        if self.txns.on_batch(header.producer_id, header.is_transactional, header.last_offset):
            self.records_removed += header.records_count  # an aborted transaction's
            return None
        records = batch_filter.records_bytes(chunk, header)
        views = batch_filter.read_records(records, header)
        horizon = batch_filter.delete_horizon(header)
        keep_tombstones = horizon is None or self.now < horizon
        offsets, latest = self.map.offsets, self.map.latest_offset
        kept = [
            r for r in views
            if r.offset > latest or (r.key is not None and offsets.get(r.key, -1) <= r.offset and (r.has_value or keep_tombstones))
        ]
        self.records_removed += len(views) - len(kept)
        if not kept:
            return None
        needs_horizon = horizon is None and any(not r.has_value for r in kept)
        if len(kept) == len(views) and not needs_horizon:
            return bytes(raw)
        self.batches_rebuilt += 1
        return batch_filter.rebuild(header, records, kept, self.now + self.partition.config.delete_retention_ms if needs_horizon else horizon)

    def _filter_marker(self, chunk, header, raw) -> bytes | None:
        """A COMMIT or ABORT marker: kept while its transaction has batches left, then given a delete horizon
        (Kafka's containsMarkerForEmptyTxn), then dropped once that has passed."""
        kind = _marker_type(chunk, header)
        if kind is None or not self.txns.on_marker(header.producer_id, kind == transaction_log.COMMIT, header.last_offset):
            return bytes(raw)
        horizon = batch_filter.delete_horizon(header)
        if horizon is None:
            records = batch_filter.records_bytes(chunk, header)
            self.batches_rebuilt += 1
            return batch_filter.rebuild(header, records, batch_filter.read_records(records, header),
                                        self.now + self.partition.config.delete_retention_ms)
        if self.now < horizon:
            return bytes(raw)
        self.markers_removed += 1
        return None


def _marker_type(chunk, header) -> int | None:
    """transaction_log.COMMIT or ABORT for a control batch of the chunk; None for any other control record."""
    kind = transaction_log.control_type(bytes(memoryview(chunk)[header.position : header.position + header.size]))
    return kind if kind in (transaction_log.COMMIT, transaction_log.ABORT) else None


def _segment_end(segments: list[LogSegment], i: int, end: int) -> int:
    return segments[i + 1].base_offset if i + 1 < len(segments) else end


def swap_in(partition: Partition, group: list[LogSegment], cleaned_log: Path, cleaned_index: Path,
            check=lambda group: None, max_timestamp: int = -1, aborted: list | None = None) -> Steps:
    """Replace ``group`` by the cleaned segment, with the renames log_loader can finish after a crash.

    The fsyncs of the directory that only make a rename durable are handed to the caller to run off the
    event loop; the one between the old segments' renames and the cleaned segment's final names runs here,
    so that no crash can leave both the cleaned segment and an old one under a segment's name.
    """
    directory = partition.directory
    base = group[0].base_offset
    swap_log = cleaned_log.with_name(f"{segment_name(base)}.log{log_loader.SWAP_SUFFIX}")
    swap_index = cleaned_index.with_name(f"{segment_name(base)}.index{log_loader.SWAP_SUFFIX}")
    try:
        os.replace(cleaned_index, swap_index)
        os.replace(cleaned_log, swap_log)
        yield functools.partial(fsync_directory, directory)  # from here on the cleaned segment is the truth
        check(group)
    except BaseException:
        for path in (cleaned_log, cleaned_index, swap_log, swap_index):  # the old segments are untouched
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        raise
    for segment in group:
        segment.close()  # Windows renames no open file
    deleted = []
    try:
        for segment in group:
            for suffix in _SEGMENT_FILES:
                path = directory / f"{segment_name(segment.base_offset)}{suffix}"
                if path.exists():
                    target = path.with_name(path.name + log_loader.DELETED_SUFFIX)
                    os.replace(path, target)
                    deleted.append(target)
        fsync_directory(directory)
        os.replace(swap_index, directory / f"{segment_name(base)}.index")
        os.replace(swap_log, directory / f"{segment_name(base)}.log")
    except OSError as exc:
        log.error("Swapping in the cleaned segment %d of %s failed (%s): finishing it as a restart would",
                  base, directory, exc.strerror or exc)
        try:
            log_loader.complete_interrupted_swaps(directory)
        except OSError:
            partition._go_offline(exc, f"swap in the cleaned segment {base}")  # a restart finishes the swap
            raise exc from None
        deleted = []
    segment = LogSegment(directory, base, partition.config.index_interval_bytes)
    segment.open(recover=False)
    segment.max_timestamp = max(segment.max_timestamp, max_timestamp)  # its kept batches' (opening reads only the tail)
    partition.replace_segments(group, segment)
    end = group[-1].next_offset
    txns = partition.transactions
    if aborted is not None:  # the aborted ranges whose markers the cleaned segment keeps (cleaned_transactions.py)
        txns.aborted = ([a for a in txns.aborted if a.last_offset < base] + aborted
                        + [a for a in txns.aborted if a.last_offset >= end])
    with contextlib.suppress(OSError):  # the old segments' .txnindex went with them: the aborted ranges they held
        txns.rewrite_index(base, [a for a in txns.aborted if base <= a.last_offset < end])
    yield functools.partial(fsync_directory, directory)
    for path in deleted:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def _read_chunk(path: Path, position: int, box: dict) -> None:
    """Put in ``box["batches"]`` the whole batches of the segment file from ``position`` (about STEP_BYTES,
    or the one batch there when it is bigger) as (chunk, headers), or None at the file's end."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if position >= size:
            box["batches"] = None
            return
        f.seek(position)
        chunk = f.read(STEP_BYTES)
        headers = list(record_batch.iter_headers(chunk))
        if not headers:
            first = record_batch.unpack_header(chunk)
            if first is None or position + first.size > size:
                raise batch_filter.UnreadableBatch(f"torn batch at position {position} of {path}")
            f.seek(position)
            chunk = f.read(first.size)
            headers = [record_batch.read_header(chunk)]
    box["batches"] = (chunk, headers)


def _append_file(path: Path, data: bytes) -> None:
    with open(path, "ab", buffering=0) as f:
        write_all(f, data)


def _fsync_file(path: Path) -> None:
    with open(path, "r+b") as f:
        os.fsync(f.fileno())


def run_inline(steps: Steps):
    """Run ``steps`` to the end on this thread, its off-loop calls too (tests, tools); returns its result."""
    try:
        request = next(steps)
        while True:
            try:
                if request is not None:
                    request()
            except OSError as exc:
                request = steps.throw(exc)
            else:
                request = next(steps)
    except StopIteration as done:
        return done.value


# -- the cleaner task ----------------------------------------------------------------------------------


_first_batch_timestamps: weakref.WeakKeyDictionary[LogSegment, int] = weakref.WeakKeyDictionary()


def segment_infos(partition: Partition) -> list[SegmentInfo]:
    """What log_to_clean needs of each segment: its size, its max timestamp (as the segment keeps it) and,
    when ``max.compaction.lag.ms`` is set, its first batch's max timestamp (one header read per rolled
    segment, remembered)."""
    need_first = partition.config.max_compaction_lag_ms < 2**63 - 1
    out = []
    for segment in partition.segments:
        first = -1
        if need_first and segment is not partition.active and segment.size > 0:
            if segment not in _first_batch_timestamps:
                with open(segment.log_path, "rb") as f:
                    header = record_batch.unpack_header(f.read(record_batch.HEADER_BYTES))
                _first_batch_timestamps[segment] = header.max_timestamp if header is not None else -1
            first = _first_batch_timestamps[segment]
        out.append(SegmentInfo(segment.base_offset, segment.size, segment.max_timestamp, first))
    return out


def _now_ms() -> int:
    return int(time.time() * 1000)


class LogCleaner:
    """The broker's cleaner: one asyncio task cleaning the filthiest compacted log, round after round."""

    def __init__(self, catalog, props: dict[str, str]):
        self.catalog = catalog
        self.enabled = props.get("log.cleaner.enable", "true").strip().lower() == "true"
        self.backoff_ms = int(props.get("log.cleaner.backoff.ms", "15000"))
        buffer_size = int(props.get("log.cleaner.dedupe.buffer.size", "134217728"))
        load_factor = float(props.get("log.cleaner.io.buffer.load.factor", "0.9"))
        self.map_capacity = max(int(buffer_size / 24 * load_factor), 1)  # Kafka: 24 bytes a slot (MD5 + offset)
        self.store = checkpoints.CleanerCheckpoints(catalog.log_dir)
        self.path = self.store.file.path
        self.checkpoints = self.store.read()
        self.uncleanable: set[tuple[str, int]] = set()
        self.rounds = 0  # cleanings completed (tests wait on it)
        self.step_ms: collections.deque[float] = collections.deque(maxlen=100_000)  # the loop's wait on each recent step
        self._task: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kcli-log-cleaner")

    def start(self) -> None:
        if self.enabled:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._executor.shutdown(wait=True)

    async def _run(self) -> None:
        while True:
            if not await self.clean_filthiest(_now_ms()):
                await asyncio.sleep(self.backoff_ms / 1000)

    def grab_filthiest(self, now: int) -> tuple[Partition, LogToClean] | None:
        """The compacted log with the highest dirty ratio among those due for cleaning (Kafka's grabFilthiestCompactedLog)."""
        best = None
        for topic in list(self.catalog.topics.values()):
            for partition in topic.partitions:
                key = (topic.name, partition.index)
                if not partition.config.compact or key in self.uncleanable or partition.offline is not None:
                    continue
                todo = log_to_clean(
                    segment_infos(partition), partition.log_start_offset, partition.log_end_offset,
                    partition.last_stable_offset, self.checkpoints.get(key), partition.config.min_compaction_lag_ms,
                    partition.config.max_compaction_lag_ms, now,
                )
                if todo.reset_checkpoint:
                    self._save(key, todo.first_dirty_offset)
                if todo.should_clean(partition.config.min_cleanable_ratio) and (best is None or todo.cleanable_ratio > best[1].cleanable_ratio):
                    best = (partition, todo)
        return best

    async def clean_filthiest(self, now: int) -> bool:
        """Clean the filthiest log, yielding to the event loop between steps; whether one was cleaned."""
        picked = self.grab_filthiest(now)
        if picked is None:
            return False
        partition, todo = picked
        key = (partition.topic, partition.index)
        cleaning = Cleaning(partition, todo, self.map_capacity, now, lambda: self.catalog.partition(*key) is partition)
        steps = cleaning.steps()
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        error: OSError | None = None
        try:
            while True:
                step = time.perf_counter()
                try:
                    request = next(steps) if error is None else steps.throw(error)
                finally:
                    self.step_ms.append((time.perf_counter() - step) * 1000)
                error = None
                if request is None:
                    await asyncio.sleep(0)
                    continue
                try:
                    await loop.run_in_executor(self._executor, request)  # an fsync: off the event loop
                except OSError as exc:
                    error = exc
        except StopIteration as done:
            end_offset = done.value
        except CleaningAborted as exc:
            log.info("Cleaning of log %s-%d aborted: %s", *key, exc)
            return False
        except (OSError, batch_filter.UnreadableBatch) as exc:
            log.error("Unexpected exception thrown when cleaning log %s-%d, marking it uncleanable: %s", *key, exc)
            self.uncleanable.add(key)
            return False
        finally:
            steps.close()  # cancelled (the broker stops): the unfinished cleaning removes its files now
        self._save(key, end_offset)
        self.rounds += 1
        log.info(
            "Cleaned log %s-%d up to offset %d in %.1f ms: %d records removed, %d transaction markers removed, "
            "%d batches rebuilt", *key, end_offset, (time.monotonic() - started) * 1000, cleaning.records_removed,
            cleaning.markers_removed, cleaning.batches_rebuilt,
        )
        return True

    def _save(self, key: tuple[str, int], offset: int) -> None:
        self.checkpoints[key] = offset
        live = {k: v for k, v in self.checkpoints.items() if self.catalog.partition(*k) is not None}
        self.checkpoints = live
        try:
            self.store.replace(live)
        except OSError as exc:
            log.error("Cannot write %s: %s", self.path, exc.strerror or exc)
