"""FileSlice: a byte range of a segment's ``.log`` file that a fetch returns (Kafka's ``FileRecords.slice``).

A fetch answers with the file's bytes as they are, so the server can hand the
range to ``sendfile`` instead of reading it into memory. The range is
computed while the segment is open, and while nothing else has run on the
event loop since, it is read through the segment's own descriptor
(``source_fd``). ``pin`` fixes it before anything waits (the response
writer pins a response's slices before it first waits: kcli/broker/
sendfile_writer.py), since the segment may be closed (retention, the cleaner)
while the response is still being written:

- where the platform has ``os.sendfile``, the slice takes a duplicate of the
  file's descriptor (``fd``), so it keeps reading the same file even if the
  segment is closed or deleted meanwhile, and ``release`` closes it;
- elsewhere (Windows), the bytes are read there and then (``data``), which
  also never holds a file open that Windows would then refuse to rename.

``read`` is the copy for whoever needs the bytes in memory: down-conversion
for old fetch versions, and a transport without sendfile (TLS), which reads
the range a piece at a time.
"""

from __future__ import annotations

import os

SENDFILE = hasattr(os, "sendfile")


class FileSlice:
    __slots__ = ("segment", "position", "size", "fd", "data")

    def __init__(self, segment, position: int, size: int):
        self.segment = segment
        self.position = position
        self.size = size
        self.fd: int | None = None
        self.data: bytes | None = None

    def __len__(self) -> int:
        return self.size

    def pin(self) -> None:
        """Keep the range readable however long the write takes (see the module docstring)."""
        if self.fd is None and self.data is None:
            if SENDFILE:
                self.fd = self.segment.duplicate_reader_fd()
            else:
                self.data = self.segment.read_at(self.position, self.size)

    def source_fd(self) -> int:
        """The descriptor to send the range from: the pinned duplicate, or else (before anything waited since the
        range was computed) the segment's own."""
        return self.fd if self.fd is not None else self.segment.reader_fd()

    def read(self, start: int = 0, size: int | None = None) -> bytes:
        """The bytes of the range (or of its ``size`` bytes from ``start``, as far as the range goes), copied
        into memory."""
        size = self.size - start if size is None else min(size, self.size - start)
        if self.data is not None:
            return self.data if (start, size) == (0, self.size) else self.data[start : start + size]
        if self.fd is not None:
            data = os.pread(self.fd, size, self.position + start)
        else:
            data = self.segment.read_at(self.position + start, size)
        if len(data) != size:
            end = self.position + start + len(data)
            raise OSError(f"{self.segment.log_path} ended at {end}, inside a slice to {self.position + self.size}")
        return data

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
