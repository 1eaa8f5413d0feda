"""LogSegment: one ``<20-digit base offset>.log`` file, its ``.index`` and its ``.timeindex``.

The ``.log`` file is a plain concatenation of RecordBatch v2 frames exactly as
producers sent them, with only the base offset (and, for LogAppendTime
topics, the max timestamp and CRC) rewritten by the broker. Nothing else is
in the file, so a fetch is a byte slice of it.

Appends go through an unbuffered file object: once ``append`` returns, the
bytes are in the operating system's page cache and survive ``kill -9`` of the
broker. ``flush`` adds an fsync (for clean shutdowns, rolls and the flush
policy); every fsync of the log goes through the module's ``fsync``.

Index entries follow Kafka's LogSegment: a batch gets an offset index entry
(its last offset, its position) when more than ``index.interval.bytes`` lie
between the position of the last indexed batch (or the start of the file)
and its own, and the time index is offered the segment's largest timestamp
so far at the same moment (see ``time_index``). The segment also keeps that
timestamp and the last offset of the batch that first reached it (Kafka's
``maxTimestampAndOffsetSoFar``), so ListOffsets max-timestamp reads one batch.

An append is all or nothing: a failed or short write of the log or of its
index entries (a full disk, an I/O error) cuts the files back to where they
were before the OSError is raised, so the file always ends at a batch
boundary and the indexes never point past what was written.

Opening never trusts the ``.index`` blindly. After an unclean stop the last
segment is recovered: every batch validated (CRC included), a torn or invalid
tail cut, the index rebuilt. Every other segment (and the last one after a
clean stop) gets Kafka's index sanity checks, then kcli's cheap ones (an
older segment not recovered gets them on its first use rather than at start,
as Kafka's LazyIndex loads its indexes: until then it holds no file, and the
checks run before anything of it is read or answered): the last
offset index entry must point at a batch ending at its offset, the batches
from there to the end of the file must be whole and valid (CRC included) and
none may start more than ``index.interval.bytes`` past the last entry, as the
writer leaves them; the last time index entry must name a batch ending at its
offset with its timestamp, and no batch of that tail may be stamped later
(a segment rolled or closed ends its time index with its largest timestamp).
A segment failing any check is recovered as after an unclean stop, so a
damaged or missing index is rebuilt (both are) and a damaged tail never lends
its offsets to the log end offset. Reads verify each indexed position they start from the same
way and rebuild the index from the log if it points at anything but the
batch it names.
"""

from __future__ import annotations

import errno
import logging
import os
import struct
from pathlib import Path
from typing import Any

from kafka.record.default_records import DefaultRecordBatch

from kcli.broker.log.file_slice import FileSlice
from kcli.broker.log.index import CorruptIndexError, OffsetIndex
from kcli.broker.log.time_index import TimeIndex
from kcli.protocol.kafka import record_batch

INDEX_INTERVAL_BYTES = 4096
_MAX_RELATIVE_OFFSET = 2**31 - 1  # .index entries hold offset - base_offset as an int32
_SCAN_CHUNK = 64 * 1024
_BAD_INDEX = object()  # _scan_for's answer when an index entry or a header on the way is impossible
_SCAN = struct.Struct(">qi4xb6xi")  # a batch header's base_offset, batch_length, magic, last_offset_delta
_PREAD = hasattr(os, "pread")  # not on Windows: seek and read there
# what a segment opened lazily loads on first use (_LazyLogSegment.__getattr__)
_LOADED_ON_FIRST_USE = frozenset(("index", "time_index", "next_offset", "max_timestamp", "offset_of_max_timestamp", "_bytes_since_index"))

log = logging.getLogger("kcli.broker.log")


def segment_name(base_offset: int) -> str:
    return f"{base_offset:020d}"


def fsync(fd: int) -> None:
    """The one place the log is fsynced (tests wrap it to count calls)."""
    os.fsync(fd)


def fsync_directory(path: Path) -> None:
    """Make the creation, removal or renaming of names in ``path`` durable (POSIX; Windows cannot open a directory)."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(f, data) -> None:
    """Write all of ``data`` to the unbuffered file ``f``; a short write that cannot be completed raises OSError."""
    view = memoryview(data)
    done = 0
    while done < len(view):
        n = f.write(view[done:])
        if not n:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        done += n


class LogSegment:
    def __init__(self, directory: Path, base_offset: int, index_interval_bytes: int = INDEX_INTERVAL_BYTES):
        self.base_offset = base_offset
        self.log_path = directory / f"{segment_name(base_offset)}.log"
        self.index = OffsetIndex(directory / f"{segment_name(base_offset)}.index", base_offset)
        self.time_index = TimeIndex(directory / f"{segment_name(base_offset)}.timeindex", base_offset)
        self.index_interval_bytes = index_interval_bytes
        self.size = 0
        self.next_offset = base_offset
        self.max_timestamp = -1  # the largest batch timestamp, and the last offset of the first batch carrying it
        self.offset_of_max_timestamp = base_offset
        self._bytes_since_index = 0  # since the position of the last indexed batch (Kafka's bytesSinceLastIndexEntry)
        self.timestamp_scan_batches = 0  # batch headers read to answer ListOffsets by time (tests count them)
        self._writer: Any = None  # the open files, once open() ran
        self._reader: Any = None
        self._rebuilt_for_reads = False

    # -- opening and recovery ------------------------------------------------

    def open(self, recover: bool, lazy: bool = False) -> int:
        """Open the files; with ``recover``, validate every batch and cut a torn tail.

        Without ``recover`` the index and the tail are checked (see the module
        docstring) and the segment recovered if they fail. With ``lazy`` (an
        inactive segment needing no recovery) only the log's size is read now;
        the rest waits for the segment's first use (``_LazyLogSegment``). Returns how
        many bytes were cut.
        """
        if lazy and not recover:
            self.size = os.stat(self.log_path).st_size
            if self.size:
                for name in (*_LOADED_ON_FIRST_USE, "_reader"):
                    delattr(self, name)
                self._unloaded = True
                self.__class__ = _LazyLogSegment
                return 0
        try:
            self._reader = open(self.log_path, "rb")
        except FileNotFoundError:  # a new segment (a roll); an existing one keeps its modification time
            self.log_path.touch()
            self._reader = open(self.log_path, "rb")
        self.size = os.fstat(self._reader.fileno()).st_size
        cut = self._check_or_recover(recover)
        self._writer = open(self.log_path, "ab", buffering=0)
        return cut

    def create(self) -> None:
        """Make a new, empty segment's files (nothing to check: ``open`` on a segment known to be new)."""
        self._writer = open(self.log_path, "xb", buffering=0)
        self._reader = open(self.log_path, "rb")
        self.index.reset()
        self.time_index.reset()

    def _load(self) -> None:
        state = self.__dict__
        state["_unloaded"] = False
        self.index = OffsetIndex(self.log_path.with_suffix(".index"), self.base_offset)
        self.time_index = TimeIndex(self.log_path.with_suffix(".timeindex"), self.base_offset)
        self.next_offset, self._bytes_since_index = self.base_offset, 0
        self.max_timestamp, self.offset_of_max_timestamp = -1, self.base_offset
        closed = "_reader" in state and state["_reader"] is None
        had_reader = "_reader" in state and not closed
        if closed:  # closed meanwhile: checked with a reader of its own, and closed again after
            del state["_reader"]
        try:
            self._check_or_recover(recover=False)
        finally:
            self.index.close()  # a recovery wrote them; an inactive segment keeps no index file open
            self.time_index.close()
            if not had_reader:
                reader = state.pop("_reader", None)
                if reader is not None:
                    reader.close()
                if closed:
                    state["_reader"] = None

    def _check_or_recover(self, recover: bool) -> int:
        """``open``'s work once the reader is open and ``size`` known; returns how many bytes were cut."""
        if self.size == 0:
            recover = False
            self._empty_indexes()  # a new (or empty) segment: nothing to check
        elif not recover:
            problem = self._check()
            if problem is not None:
                log.warning("%s, recovering segment and rebuilding index files...", problem)
                recover = True
        cut = 0
        if recover:
            valid = self._recover()
            if valid < self.size:
                cut = self.size - valid
                log.warning(
                    "Found invalid messages in log segment %s at byte offset %d: truncated %d bytes",
                    self.log_path, valid, cut,
                )
                self._reader.close()
                with open(self.log_path, "r+b") as f:
                    f.truncate(valid)
                self._reader = open(self.log_path, "rb")
                self.size = valid
        return cut

    def _empty_indexes(self) -> None:
        """An empty segment's index files, made empty unless they already are (a restart then writes nothing)."""
        if [_file_size(path) for path in (self.index.path, self.time_index.path)] != [0, 0]:
            self.index.reset()
            self.time_index.reset()

    def _check(self) -> str | None:
        """Load and check the indexes and the tail after the last offset entry; why the segment needs recovery, or None.

        Leaves the offsets, the max timestamp and the bytes since the last index
        entry as the writer had them, so the indexes go on exactly as a rebuild
        would write them.
        """
        corrupt = f"Found a corrupted index file corresponding to log file {self.log_path} due to"
        try:
            self.index.load(self.size)
        except FileNotFoundError:
            return f"Could not find offset index file corresponding to log file {self.log_path}"
        except CorruptIndexError as exc:
            return f"{corrupt} {exc}"
        try:
            self.time_index.load()
        except FileNotFoundError:
            return f"Could not find time index file corresponding to log file {self.log_path}"
        except CorruptIndexError as exc:
            return f"{corrupt} {exc}"
        self.max_timestamp, self.offset_of_max_timestamp = self.time_index.last_entry()
        entry = self.index.last_entry()
        start = entry[1] if entry else 0
        end = start
        for header in self._headers(start, validate=True):
            if entry is not None and header.position == start:
                if header.last_offset != entry[0]:
                    return (
                        f"{corrupt} its last entry (offset {entry[0]}, position {start}) pointing at a batch "
                        f"of offsets {header.base_offset} to {header.last_offset}"
                    )
            elif header.position - start > self.index_interval_bytes:
                return f"{corrupt} it missing the entries after position {start}"
            if header.max_timestamp > self.max_timestamp:
                return (
                    f"{corrupt} its time index ending at timestamp {self.max_timestamp} before the batch of "
                    f"offsets {header.base_offset} to {header.last_offset} stamped {header.max_timestamp}"
                )
            self._advance(header)
            end = header.position + header.size
        if end == start and entry is not None and not self._names_batch(entry):
            return f"{corrupt} its last entry (offset {entry[0]}, position {start}) pointing at no valid batch"
        if end != self.size:
            return f"Found an invalid or torn batch in log segment {self.log_path} at byte offset {end}"
        if len(self.time_index) and not self._stamps_batch(*self.time_index.last_entry()):
            timestamp, offset = self.time_index.last_entry()
            return f"{corrupt} its last time index entry (timestamp {timestamp}, offset {offset}) naming no batch so stamped"
        self._bytes_since_index = end - start
        return None

    def _stamps_batch(self, timestamp: int, offset: int) -> bool:
        """Whether a batch ends at ``offset`` with ``timestamp`` as its max timestamp (headers only)."""
        if offset >= self.next_offset:
            return False
        entry = self.index.lookup(offset)
        for header in self._headers(entry[1] if entry else 0, validate=False):
            if header.last_offset >= offset:
                return header.last_offset == offset and header.max_timestamp == timestamp
        return False

    def _names_batch(self, entry: tuple[int, int]) -> bool:
        """Whether the header at an entry's position ends at the entry's offset (the batch itself may be damaged)."""
        header = next(self._headers(entry[1], validate=False), None)
        return header is not None and header.last_offset == entry[0]

    def _recover(self) -> int:
        """Rebuild the indexes from the log; returns the byte length of the valid prefix."""
        self.index.reset()
        self.time_index.reset()
        self.next_offset, self._bytes_since_index = self.base_offset, 0
        self.max_timestamp, self.offset_of_max_timestamp = -1, self.base_offset
        end = 0
        for header in self._headers(0, validate=True):
            self._advance(header)
            if self._index_due(header.last_offset, header.size):
                self.index.append(header.last_offset, header.position)
                self.time_index.maybe_append(self.max_timestamp, self.offset_of_max_timestamp)
            end = header.position + header.size
        # as Kafka's LogSegment.recover: the entry a roll or a close would have added
        self.time_index.maybe_append(self.max_timestamp, self.offset_of_max_timestamp)
        return end

    def _headers(self, position: int, validate: bool, chunk_bytes: int = _SCAN_CHUNK):
        """Headers of the whole batches from ``position``; stops at a torn or invalid batch.

        Reads the file in chunks of ``chunk_bytes`` and looks only at batch headers, so a
        scan costs one read per chunk, not one per batch; ``validate`` reads whole batches
        to check their CRC (recovery only).
        """
        f = self._reader
        chunk, chunk_start = b"", position
        expected = self.base_offset
        while position + record_batch.HEADER_BYTES <= self.size:
            rel = position - chunk_start
            if rel + record_batch.HEADER_BYTES > len(chunk):
                f.seek(position)
                chunk, chunk_start, rel = f.read(chunk_bytes), position, 0
            header = record_batch.unpack_header(chunk, rel)
            if header is None or position + header.size > self.size or not _plausible(header, expected):
                return
            expected = header.next_offset
            header.position = position
            if validate:
                if rel + header.size <= len(chunk):
                    raw = memoryview(chunk)[rel : rel + header.size]
                else:
                    f.seek(position)
                    raw = f.read(header.size)
                header.position = 0
                try:
                    record_batch.validate(raw, header)
                except record_batch.InvalidBatch:
                    return
                header.position = position
            yield header
            position += header.size

    def tail_headers(self, max_bytes: int):
        """Headers of the batches in about the last ``max_bytes`` of the segment (batch-aligned via the index)."""
        if self.size <= max_bytes:
            return self._headers(0, validate=False)
        entry = self.index.first_entry_at_or_after(self.size - max_bytes) or self.index.last_entry()
        if entry is not None and not self._names_batch(entry) and self._rebuild_index(f"position {entry[1]}"):
            entry = self.index.first_entry_at_or_after(self.size - max_bytes) or self.index.last_entry()
        return self._headers(entry[1] if entry else 0, validate=False)

    def _advance(self, header) -> None:
        self.next_offset = header.next_offset
        if header.max_timestamp > self.max_timestamp:
            self.max_timestamp, self.offset_of_max_timestamp = header.max_timestamp, header.last_offset

    def can_convert_to_relative_offset(self, offset: int) -> bool:
        """Whether ``offset`` fits an index entry of this segment (Kafka's LogSegment of the same name)."""
        return 0 <= offset - self.base_offset <= _MAX_RELATIVE_OFFSET

    def _index_due(self, last_offset: int, size: int) -> bool:
        """Whether the next batch (``size`` bytes ending at ``last_offset``) gets index entries, as Kafka's
        LogSegment decides: more than ``index.interval.bytes`` lie between the last indexed batch's position and
        its own. Counts its bytes."""
        due = self._bytes_since_index > self.index_interval_bytes
        if due and not self.can_convert_to_relative_offset(last_offset):
            due = False  # only a log written before batches were validated gets here; lookups scan from the last entry
        if due:
            self._bytes_since_index = 0
        self._bytes_since_index += size
        return due

    # -- appending -----------------------------------------------------------

    def append(self, data, last_offset: int, max_timestamp: int, headers=None) -> int:
        """Write batches whose offsets (and, for LogAppendTime, timestamps) are already set; returns their position.

        The log bytes are written first and the index entries they call for after them; if
        any write fails, the files are cut back and the OSError is raised. Each batch's own
        max timestamp is read from its header (``headers``, when the caller has parsed them,
        positions relative to ``data``); ``max_timestamp`` is the largest of them.
        """
        position = self.size
        saved = self.max_timestamp, self.offset_of_max_timestamp, self._bytes_since_index
        entries = None
        for header in record_batch.iter_headers(data) if headers is None else headers:
            if header.max_timestamp > self.max_timestamp:
                self.max_timestamp, self.offset_of_max_timestamp = header.max_timestamp, header.last_offset
            if self._bytes_since_index <= self.index_interval_bytes:
                self._bytes_since_index += header.size  # no entry due: what _index_due would count
            elif self._index_due(header.last_offset, header.size):
                if entries is None:
                    entries = []
                entries.append((header.last_offset, position + header.position, self.max_timestamp, self.offset_of_max_timestamp))
        time_entries = len(self.time_index) if entries is not None else -1  # -1: the time index is not touched
        try:
            written = self._writer.write(data)
            if written != len(data):  # a short write: the rest, or ENOSPC
                write_all(self._writer, memoryview(data)[written or 0 :])
            if entries is not None:
                for offset, at, timestamp, offset_of_timestamp in entries:
                    self.index.append(offset, at)
                    self.time_index.maybe_append(timestamp, offset_of_timestamp)
        except OSError:
            self.max_timestamp, self.offset_of_max_timestamp, self._bytes_since_index = saved
            self._cut(position, time_entries if time_entries >= 0 else len(self.time_index))
            raise
        self.size = position + len(data)
        self.next_offset = last_offset + 1
        return position

    def _cut(self, position: int, time_entries: int) -> None:
        """Cut the log file back to ``position`` and the time index to ``time_entries`` after a failed append
        (raises OSError if even that fails)."""
        os.ftruncate(self._writer.fileno(), position)
        self.index.truncate_to_position(position)
        self.time_index.truncate_to_entries(time_entries)
        self._reader.close()  # its buffer may hold bytes of the batch that was cut
        self._reader = open(self.log_path, "rb")

    # -- reading -------------------------------------------------------------

    def read(self, offset: int, max_bytes: int, min_one_batch: bool) -> bytes:
        """Bytes of whole batches starting with the one that contains ``offset``.

        At most ``max_bytes`` bytes, except that the first batch is returned
        whole when ``min_one_batch`` (KIP-74), so a consumer never stalls on a
        batch larger than its fetch size.
        """
        start = self.find_position(offset)
        if start is None:
            return b""
        f = self._reader
        f.seek(start)
        data = f.read(min(max(max_bytes, record_batch.HEADER_BYTES), self.size - start))
        end = 0
        for header in record_batch.iter_headers(data):
            end = header.position + header.size
        if end == len(data):
            return data
        if end == 0:
            first = record_batch.unpack_header(data)
            if not min_one_batch or first is None:
                return b""
            f.seek(start)
            return f.read(first.size)
        return data[:end]

    def slice(self, offset: int, max_bytes: int, max_position: int, min_one_batch: bool) -> FileSlice | None:
        """The byte range a fetch at ``offset`` returns, as Kafka's LogSegment.read; None when no batch here
        ends at or past ``offset``.

        It starts at the batch containing ``offset`` and holds at most ``max_bytes``, ending at
        ``max_position`` at the latest (the high watermark's or the last stable offset's position),
        so it may end inside a batch: clients drop a partial batch at the end. With
        ``min_one_batch`` the first batch is whole however large (KIP-74). Only the headers
        between the index entry and the start are read; the range's own bytes are not.
        """
        found = self._find_batch(offset)
        if found is None:
            return None
        position, first_size = found
        size = min(max_position - position, max(max_bytes, first_size) if min_one_batch else max_bytes)
        return FileSlice(self, position, max(size, 0))

    def read_at(self, position: int, size: int) -> bytes:
        """``size`` bytes of the log file from ``position`` (fewer only past its end)."""
        if _PREAD:
            return os.pread(self._reader.fileno(), size, position)
        f = self._reader
        f.seek(position)
        return f.read(size)

    def reader_fd(self) -> int:
        """The log file's descriptor, for a read made before anything else runs (a FileSlice sent at once)."""
        return self._reader.fileno()

    def duplicate_reader_fd(self) -> int:
        """A descriptor of the log file of the caller's own (a FileSlice sent with sendfile)."""
        return os.dup(self._reader.fileno())

    def find_position(self, offset: int) -> int | None:
        """Position of the first batch whose last offset is >= ``offset``, or None."""
        found = self._find_batch(offset)
        return None if found is None else found[0]

    def _find_batch(self, offset: int) -> tuple[int, int] | None:
        """(position, size) of the first batch whose last offset is >= ``offset``, or None.

        An index that points anywhere but at the batch its entry names, or a scan
        that meets an impossible header, gets the index rebuilt from the log
        (once per opening: a log damaged past that point reads as ending there).
        """
        found = self._scan_for(offset)
        if found is _BAD_INDEX and self._rebuild_index(f"offset {offset}"):
            found = self._scan_for(offset)
        return None if found is _BAD_INDEX else found

    def _scan_for(self, offset: int):
        """The scan behind ``_find_batch``: from the index entry at or below ``offset``, the few header fields
        each batch needs (no header objects); ``_BAD_INDEX`` where ``_headers`` would stop short of the end."""
        entry = self.index.lookup(offset)
        start = position = entry[1] if entry else 0
        end = self.size
        # the batch wanted starts about index.interval.bytes past the entry: read little more than that
        chunk_bytes = 2 * self.index_interval_bytes + record_batch.HEADER_BYTES
        chunk, chunk_start = b"", position
        expected = self.base_offset
        while position + record_batch.HEADER_BYTES <= end:
            rel = position - chunk_start
            if rel + record_batch.HEADER_BYTES > len(chunk):
                chunk, chunk_start, rel = self.read_at(position, chunk_bytes), position, 0
            base_offset, batch_length, magic, last_offset_delta = _SCAN.unpack_from(chunk, rel)
            size = record_batch.LOG_OVERHEAD + batch_length
            if (batch_length < record_batch.HEADER_BYTES - record_batch.LOG_OVERHEAD or position + size > end
                    or magic != 2 or last_offset_delta < 0 or base_offset < expected):  # as _headers and _plausible
                break
            last_offset = base_offset + last_offset_delta
            if entry is not None and position == start and last_offset != entry[0]:
                return _BAD_INDEX
            if last_offset >= offset:
                return position, size
            expected = last_offset + 1
            position += size
        return None if position == end else _BAD_INDEX

    def _rebuild_index(self, reading: str) -> bool:
        """Write the index again from the batches' headers (no CRC check, nothing cut: the log is being served).

        Once per opening; returns whether it rebuilt.
        """
        if self._rebuilt_for_reads:
            return False
        log.warning(
            "Found a corrupted index file corresponding to log file %s while reading %s, rebuilding index files...",
            self.log_path, reading,
        )
        self._rebuilt_for_reads = True
        self.index.reset()
        self._bytes_since_index = 0
        for header in self._headers(0, validate=False):
            if self._index_due(header.last_offset, header.size):
                self.index.append(header.last_offset, header.position)
        return True

    # -- lookups by time -----------------------------------------------------

    def find_offset_by_timestamp(self, timestamp: int, starting_offset: int) -> tuple[int, int] | None:
        """(offset, timestamp) of the first record stamped at or after ``timestamp`` and at or after
        ``starting_offset``, or None (Kafka's LogSegment.findOffsetByTimestamp).

        The time index gives the last offset known to come before any such record; the
        offset index turns it into a position; the batches from there are scanned.
        """
        known_before = self.time_index.lookup(timestamp)[1]
        for header in self._batches_from(max(known_before, starting_offset)):
            if header.max_timestamp >= timestamp:
                for offset, stamp in self._record_timestamps(header):
                    if stamp >= timestamp and offset >= starting_offset:
                        return offset, stamp
        return None

    def find_max_timestamp(self) -> tuple[int, int] | None:
        """(offset, timestamp) of the first record carrying the segment's largest timestamp, or None
        (Kafka's UnifiedLog for ListOffsets MAX_TIMESTAMP): the batch is found from the offset index."""
        for header in self._batches_from(self.offset_of_max_timestamp):
            if header.max_timestamp == self.max_timestamp:
                return next(((o, t) for o, t in self._record_timestamps(header) if t == header.max_timestamp), None)
        return None

    def _batches_from(self, offset: int):
        """Headers from the indexed position at or below ``offset`` to the end, counted in ``timestamp_scan_batches``;
        an entry that names no batch gets the index rebuilt first, as reads do."""
        entry = self.index.lookup(offset)
        if entry is not None and not self._names_batch(entry) and self._rebuild_index(f"offset {offset}"):
            entry = self.index.lookup(offset)
        for header in self._headers(entry[1] if entry else 0, validate=False):
            self.timestamp_scan_batches += 1
            yield header

    def _record_timestamps(self, header):
        """(offset, timestamp) of each record of the batch ``header`` describes (one read of the batch)."""
        if header.attributes & record_batch.ATTR_LOG_APPEND_TIME:
            yield header.base_offset, header.max_timestamp  # every record carries the batch's time
            return
        self._reader.seek(header.position)
        try:
            stamps = [(record.offset, record.timestamp) for record in DefaultRecordBatch(self._reader.read(header.size))]
        except Exception as exc:  # kafka-python raises zlib, lz4, struct or index errors on bytes that do not decode
            raise record_batch.InvalidBatch(
                f"the batch at offset {header.base_offset} of {self.log_path} does not decode: {type(exc).__name__}: {exc}"
            ) from None
        yield from stamps

    # -- lifecycle -----------------------------------------------------------

    def flush(self) -> None:
        if self._writer is not None:
            fsync(self._writer.fileno())

    def duplicate_fd(self) -> int | None:
        """A descriptor of the log file of the caller's own, for an fsync on another thread (None once closed)."""
        return None if self._writer is None else os.dup(self._writer.fileno())

    def on_become_inactive(self) -> None:
        """The segment was rolled: its time index gets its last entry and the indexes are closed (Kafka's
        onBecomeInactiveSegment), and so is the appender."""
        self.time_index.maybe_append(self.max_timestamp, self.offset_of_max_timestamp)
        self.index.close()
        self.time_index.close()
        if self._writer is not None:  # fsynced by the roll; nothing is appended to it again
            self._writer.close()
            self._writer = None

    def open_files(self) -> int:
        """Descriptors the segment holds now (partition_bounds counts them)."""
        reader = self.__dict__.get("_reader")
        unloaded = self.__dict__.get("_unloaded")
        index, time_index = (None, None) if unloaded else (self.index._file, self.time_index._file)
        return sum(f is not None for f in (self._writer, reader, index, time_index))

    def close(self) -> None:
        """Close every file; the time index first gets the entry for the largest timestamp, as Kafka's close."""
        if self._writer is not None:
            try:
                self.time_index.maybe_append(self.max_timestamp, self.offset_of_max_timestamp)
            except OSError as exc:  # Kafka swallows it too: the next start rebuilds the time index
                log.warning("Cannot add the last entry to %s: %s", self.time_index.path, exc.strerror or exc)
        for f in (self._writer, self.__dict__.get("_reader")):  # a lazy segment's reader only if it was opened
            if f is not None:
                f.close()
        self._writer = self._reader = None
        if not self.__dict__.get("_unloaded"):
            self.index.close()
            self.time_index.close()

    def delete(self) -> None:
        self.close()
        self.log_path.unlink(missing_ok=True)
        self.log_path.with_suffix(".index").unlink(missing_ok=True)
        self.log_path.with_suffix(".timeindex").unlink(missing_ok=True)


class _LazyLogSegment(LogSegment):
    """A LogSegment opened ``lazy``: its missing state is loaded by ``__getattr__`` on first use.

    A class of its own, set by ``open`` (and kept), because a class with ``__getattr__`` makes
    every attribute read of its instances take CPython's slow, unspecialized path: the other
    segments, the active one (appended to on every produce) among them, keep the fast one.
    """

    def __getattr__(self, name: str) -> Any:
        """The state of a segment opened ``lazy``, on first use (Python asks only for attributes not set).

        Its indexes, offsets and largest timestamp are loaded, checked as ``open`` checks
        them (and the segment recovered if that fails), on the first read of any of them;
        its reader is opened when a read needs it and then kept. The check's own reader
        is closed after it, so a look at the largest timestamp (retention) holds no file.
        """
        state = self.__dict__
        if state.get("_unloaded") and name in _LOADED_ON_FIRST_USE:
            self._load()
            return state[name]
        if name == "_reader" and "_unloaded" in state:
            reader = state["_reader"] = open(self.log_path, "rb")
            return reader
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _file_size(path: Path) -> int | None:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return None


def _plausible(header, expected_offset: int) -> bool:
    """A header that can start a kcli batch: magic 2, offsets not going backwards.

    Cheap enough for every scan; it stops one that started off a batch
    boundary (a damaged index) before garbage offsets leak out of it.
    """
    return header.magic == 2 and header.last_offset_delta >= 0 and header.base_offset >= expected_offset
