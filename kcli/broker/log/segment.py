"""LogSegment: one ``<20-digit base offset>.log`` file and its ``.index``.

The ``.log`` file is a plain concatenation of RecordBatch v2 frames exactly as
producers sent them, with only the base offset (and, for LogAppendTime
topics, the max timestamp and CRC) rewritten by the broker. Nothing else is
in the file, so a fetch is a byte slice of it.

Appends go through an unbuffered file object: once ``append`` returns, the
bytes are in the operating system's page cache and survive ``kill -9`` of the
broker. ``flush`` adds an fsync for clean shutdowns and rolls.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kcli.broker.log.index import OffsetIndex
from kcli.protocol.kafka import record_batch

INDEX_INTERVAL_BYTES = 4096
_SCAN_CHUNK = 64 * 1024


def segment_name(base_offset: int) -> str:
    return f"{base_offset:020d}"


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

    # -- opening and recovery ------------------------------------------------

    def open(self, recover: bool) -> int:
        """Open the files; with ``recover``, validate every batch and cut a torn tail.

        Returns how many bytes were cut.
        """
        self.log_path.touch(exist_ok=True)
        self._reader = open(self.log_path, "rb")
        self.size = os.fstat(self._reader.fileno()).st_size
        cut = 0
        if recover:
            valid = self._recover()
            if valid < self.size:
                cut = self.size - valid
                self._reader.close()
                with open(self.log_path, "r+b") as f:
                    f.truncate(valid)
                self._reader = open(self.log_path, "rb")
                self.size = valid
        else:
            self.index.load()
            start = self.index.last_position()
            for header in self._headers(start, validate=False):
                self._advance(header)
        self._writer = open(self.log_path, "ab", buffering=0)
        return cut

    def _recover(self) -> int:
        """Rebuild the index from the log; returns the byte length of the valid prefix."""
        self.index.reset()
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
        while position + record_batch.HEADER_BYTES <= self.size:
            rel = position - chunk_start
            if rel + record_batch.HEADER_BYTES > len(chunk):
                f.seek(position)
                chunk, chunk_start, rel = f.read(_SCAN_CHUNK), position, 0
            header = record_batch.unpack_header(chunk, rel)
            if header is None or position + header.size > self.size:
                return
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
        start = 0
        if self.size > max_bytes:
            found = self.index.first_position_at_or_after(self.size - max_bytes)
            start = self.index.last_position() if found is None else found
        return self._headers(start, validate=False)

    def _advance(self, header) -> None:
        self.next_offset = header.next_offset
        if header.max_timestamp > self.max_timestamp:
            self.max_timestamp = header.max_timestamp

    def _maybe_index(self, last_offset: int, position: int, size: int) -> None:
        self._bytes_since_index += size
        if self._bytes_since_index > self.index_interval_bytes:
            self.index.append(last_offset, position)
            self._bytes_since_index = 0

    # -- appending -----------------------------------------------------------

    def append(self, data, last_offset: int, max_timestamp: int) -> int:
        """Write batches whose offsets are already assigned; returns their position."""
        position = self.size
        self._writer.write(data)
        self.size += len(data)
        self.next_offset = last_offset + 1
        if max_timestamp > self.max_timestamp:
            self.max_timestamp = max_timestamp
        self._maybe_index(last_offset, position, len(data))
        return position

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
        """Position of the first batch whose last offset is >= ``offset``, or None."""
        for header in self._headers(self.index.lookup(offset), validate=False):
            if header.last_offset >= offset:
                return header.position
        return None

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
            os.fsync(self._writer.fileno())

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
