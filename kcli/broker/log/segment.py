"""LogSegment: one ``<20-digit base offset>.log`` file and its ``.index``.

The ``.log`` file is a plain concatenation of RecordBatch v2 frames exactly as
producers sent them, with only the base offset (and, for LogAppendTime
topics, the max timestamp and CRC) rewritten by the broker. Nothing else is
in the file, so a fetch is a byte slice of it.

Appends go through an unbuffered file object: once ``append`` returns, the
bytes are in the operating system's page cache and survive ``kill -9`` of the
broker. ``flush`` adds an fsync (for clean shutdowns, rolls and the flush
policy); every fsync of the log goes through the module's ``fsync``.

An append is all or nothing: a failed or short write of the log or of its
index entry (a full disk, an I/O error) cuts both files back to where they
were before the OSError is raised, so the file always ends at a batch
boundary and the index never points past what was written.

Opening never trusts the ``.index`` blindly. After an unclean stop the last
segment is recovered: every batch validated (CRC included), a torn or invalid
tail cut, the index rebuilt. Every other segment (and the last one after a
clean stop) gets Kafka's index sanity check, then kcli's cheap ones: the last
entry must point at a batch ending at its offset, and the batches from there
to the end of the file must be whole and valid (CRC included) and no more
than ``index.interval.bytes`` past the last entry, as the writer leaves them.
A segment failing any check is recovered as after an unclean stop, so a
damaged index is rebuilt and a damaged tail never lends its offsets to the
log end offset. Reads verify each indexed position they start from the same
way and rebuild the index from the log if it points at anything but the
batch it names.
"""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path
from typing import Any

from kcli.broker.log.index import CorruptIndexError, OffsetIndex
from kcli.protocol.kafka import record_batch

INDEX_INTERVAL_BYTES = 4096
_MAX_RELATIVE_OFFSET = 2**31 - 1  # .index entries hold offset - base_offset as an int32
_SCAN_CHUNK = 64 * 1024
_BAD_INDEX = -1  # _scan_for's answer when an index entry or a header on the way is impossible

log = logging.getLogger("kcli.broker.log")


def segment_name(base_offset: int) -> str:
    return f"{base_offset:020d}"


def fsync(fd: int) -> None:
    """The one place the log is fsynced (tests wrap it to count calls)."""
    os.fsync(fd)


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
        self.index_interval_bytes = index_interval_bytes
        self.size = 0
        self.next_offset = base_offset
        self.max_timestamp = -1
        self._bytes_since_index = 0
        self._writer: Any = None  # the open files, once open() ran
        self._reader: Any = None
        self._rebuilt_for_reads = False

    # -- opening and recovery ------------------------------------------------

    def open(self, recover: bool) -> int:
        """Open the files; with ``recover``, validate every batch and cut a torn tail.

        Without ``recover`` the index and the tail are checked (see the module
        docstring) and the segment recovered if they fail. Returns how many
        bytes were cut.
        """
        self.log_path.touch(exist_ok=True)
        self._reader = open(self.log_path, "rb")
        self.size = os.fstat(self._reader.fileno()).st_size
        if self.size == 0:
            recover = False
            self.index.reset()  # a new (or empty) segment: nothing to check
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
        self._writer = open(self.log_path, "ab", buffering=0)
        return cut

    def _check(self) -> str | None:
        """Load and check the index and the tail after its last entry; why the segment needs recovery, or None.

        Leaves the offsets, the max timestamp and the bytes since the last index
        entry as the writer had them, so the index goes on exactly as a rebuild
        would write it.
        """
        corrupt = f"Found a corrupted index file corresponding to log file {self.log_path} due to"
        try:
            self.index.load(self.size)
        except FileNotFoundError:
            return f"Could not find offset index file corresponding to log file {self.log_path}"
        except CorruptIndexError as exc:
            return f"{corrupt} {exc}"
        entry = self.index.last_entry()
        start = entry[1] if entry else 0
        end, pending = start, 0
        for header in self._headers(start, validate=True):
            if entry is not None and header.position == start:
                if header.last_offset != entry[0]:
                    return (
                        f"{corrupt} its last entry (offset {entry[0]}, position {start}) pointing at a batch "
                        f"of offsets {header.base_offset} to {header.last_offset}"
                    )
            else:
                pending += header.size
                if pending > self.index_interval_bytes:
                    return f"{corrupt} it missing the entries after position {start}"
            self._advance(header)
            end = header.position + header.size
        if end == start and entry is not None and not self._names_batch(entry):
            return f"{corrupt} its last entry (offset {entry[0]}, position {start}) pointing at no valid batch"
        if end != self.size:
            return f"Found an invalid or torn batch in log segment {self.log_path} at byte offset {end}"
        self._bytes_since_index = pending
        return None

    def _names_batch(self, entry: tuple[int, int]) -> bool:
        """Whether the header at an entry's position ends at the entry's offset (the batch itself may be damaged)."""
        header = next(self._headers(entry[1], validate=False), None)
        return header is not None and header.last_offset == entry[0]

    def _recover(self) -> int:
        """Rebuild the index from the log; returns the byte length of the valid prefix."""
        self.index.reset()
        self.next_offset, self.max_timestamp, self._bytes_since_index = self.base_offset, -1, 0
        end = 0
        for header in self._headers(0, validate=True):
            self._advance(header)
            self._maybe_index(header.last_offset, header.position, header.size)
            end = header.position + header.size
        return end

    def _headers(self, position: int, validate: bool):
        """Headers of the whole batches from ``position``; stops at a torn or invalid batch.

        Reads the file in chunks and looks only at batch headers, so a scan costs
        one read per chunk, not one per batch; ``validate`` reads whole batches
        to check their CRC (recovery only).
        """
        f = self._reader
        chunk, chunk_start = b"", position
        expected = self.base_offset
        while position + record_batch.HEADER_BYTES <= self.size:
            rel = position - chunk_start
            if rel + record_batch.HEADER_BYTES > len(chunk):
                f.seek(position)
                chunk, chunk_start, rel = f.read(_SCAN_CHUNK), position, 0
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
            self.max_timestamp = header.max_timestamp

    def can_convert_to_relative_offset(self, offset: int) -> bool:
        """Whether ``offset`` fits an index entry of this segment (Kafka's LogSegment of the same name)."""
        return 0 <= offset - self.base_offset <= _MAX_RELATIVE_OFFSET

    def _maybe_index(self, last_offset: int, position: int, size: int) -> None:
        self._bytes_since_index += size
        if not self.can_convert_to_relative_offset(last_offset):
            return  # only a log written before batches were validated gets here; lookups scan from the last entry
        if self._bytes_since_index > self.index_interval_bytes:
            self.index.append(last_offset, position)
            self._bytes_since_index = 0

    # -- appending -----------------------------------------------------------

    def append(self, data, last_offset: int, max_timestamp: int) -> int:
        """Write batches whose offsets are already assigned; returns their position.

        The log bytes are written first and the index entries they call for after them; if
        either write fails, both files are cut back and the OSError is raised.
        """
        position = self.size
        entries, pending = self._index_entries(data, position)
        try:
            write_all(self._writer, data)
            for offset, at in entries:
                self.index.append(offset, at)
        except OSError:
            self._cut(position)
            raise
        self.size += len(data)
        self.next_offset = last_offset + 1
        if max_timestamp > self.max_timestamp:
            self.max_timestamp = max_timestamp
        self._bytes_since_index = pending
        return position

    def _index_entries(self, data, position: int) -> tuple[list[tuple[int, int]], int]:
        """The index entries ``data`` calls for at ``position`` — per batch, as Kafka's LogSegment.append
        and recovery index — and the bytes left unindexed after them."""
        entries = []
        pending = self._bytes_since_index
        for header in record_batch.iter_headers(data):
            pending += header.size
            if pending > self.index_interval_bytes:
                entries.append((header.last_offset, position + header.position))
                pending = 0
        return entries, pending

    def _cut(self, position: int) -> None:
        """Cut the log file back to ``position`` after a failed append (raises OSError if even that fails)."""
        os.ftruncate(self._writer.fileno(), position)
        self.index.truncate_to_position(position)
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

    def find_position(self, offset: int) -> int | None:
        """Position of the first batch whose last offset is >= ``offset``, or None.

        An index that points anywhere but at the batch its entry names, or a scan
        that meets an impossible header, gets the index rebuilt from the log
        (once per opening: a log damaged past that point reads as ending there).
        """
        position = self._scan_for(offset)
        if position == _BAD_INDEX and self._rebuild_index(f"offset {offset}"):
            position = self._scan_for(offset)
        return None if position == _BAD_INDEX else position

    def _scan_for(self, offset: int) -> int | None:
        entry = self.index.lookup(offset)
        start = entry[1] if entry else 0
        end = start
        for header in self._headers(start, validate=False):
            if entry is not None and header.position == start and header.last_offset != entry[0]:
                return _BAD_INDEX
            if header.last_offset >= offset:
                return header.position
            end = header.position + header.size
        return None if end == self.size else _BAD_INDEX

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
            self._maybe_index(header.last_offset, header.position, header.size)
        return True

    def find_timestamp(self, timestamp: int) -> int | None:
        """First offset of the first batch with max_timestamp >= ``timestamp``."""
        if self.max_timestamp < timestamp:
            return None
        for header in self._headers(0, validate=False):
            if header.max_timestamp >= timestamp:
                return header.base_offset
        return None

    # -- lifecycle -----------------------------------------------------------

    def flush(self) -> None:
        if self._writer is not None:
            fsync(self._writer.fileno())

    def duplicate_fd(self) -> int | None:
        """A descriptor of the log file of the caller's own, for an fsync on another thread (None once closed)."""
        return None if self._writer is None else os.dup(self._writer.fileno())

    def close(self) -> None:
        for f in (self._writer, self._reader):
            if f is not None:
                f.close()
        self._writer = self._reader = None
        self.index.close()

    def delete(self) -> None:
        self.close()
        self.log_path.unlink(missing_ok=True)
        self.index.path.unlink(missing_ok=True)


def _plausible(header, expected_offset: int) -> bool:
    """A header that can start a kcli batch: magic 2, offsets not going backwards.

    Cheap enough for every scan; it stops one that started off a batch
    boundary (a damaged index) before garbage offsets leak out of it.
    """
    return header.magic == 2 and header.last_offset_delta >= 0 and header.base_offset >= expected_offset
