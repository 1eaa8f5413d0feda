"""Writing a response given as parts: bytes, and FileSlices of segment files (a Fetch response's records).

A slice goes from the file to the socket with ``sendfile`` (``loop.sendfile``,
which waits for the transport's buffer to empty, then lets the kernel copy
the range; Kafka's FileRecords.writeTo does the same with transferTo). A
transport that cannot (TLS: the bytes must be encrypted in user space) or a
platform without ``os.sendfile`` (Windows) gets the bytes copied instead, as
does a slice smaller than ``COPY_BELOW``, for which one ``pread`` costs less
than a sendfile round. A copied slice is read and written ``COPY_PIECE`` bytes
at a time, each piece waiting while more than ``COPY_UNSENT`` bytes are still
unsent, so a slow reader of a 50 MiB fetch over TLS holds about a megabyte of
the broker's memory, not the whole range (as sendfile holds none). The bytes
between slices are written as one chunk; before a slice sent with sendfile,
with ``MSG_MORE`` where the platform has it (Linux), so they leave with the
range rather than on their own (``_send_more``).
Every slice's descriptor is released once the response is written or failed.
``on_wait`` is called when a slice must wait for the peer to read (back-pressure,
which the server counts as it counts its own drains).

The slices come unpinned from the handler: nothing runs on the event loop
between the handler's return and the write, so a slice the socket takes at
once is sent from its segment's own descriptor (no duplicate to make and
close). Before the write first waits, every slice of the response is pinned
(file_slice.py): only then could a segment close under it.
"""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any, Callable, Protocol, cast

from kcli.broker.log.file_slice import SENDFILE

COPY_BELOW = 64 * 1024
COPY_PIECE = 256 * 1024
COPY_UNSENT = 1 << 20  # a copied slice's next piece waits while more than this is unsent
_BYTES = (bytes, bytearray, memoryview)
_MSG_MORE = getattr(socket, "MSG_MORE", 0)  # Linux: more follows at once, hold these bytes for it


class _Descriptor:
    """What ``loop.sendfile`` needs of a file: its descriptor. ``os.sendfile`` is given the offsets, so the
    file position is never used and ``seek`` does nothing (the descriptor's position is shared with the
    segment's reader)."""

    mode = "rb"
    __slots__ = ("fd",)

    def __init__(self, fd: int):
        self.fd = fd

    def fileno(self) -> int:
        return self.fd

    def seek(self, *_args) -> None:
        pass


class Writer(Protocol):
    """What a response is written to: an asyncio.StreamWriter, or a connection of channel.py."""

    @property
    def transport(self) -> Any: ...

    def write(self, data) -> None: ...

    async def drain(self) -> None: ...

    def get_extra_info(self, name: str, default=None) -> Any: ...


async def write(writer: Writer, parts: list, on_wait: Callable[[], None] = lambda: None) -> None:
    native = SENDFILE and writer.get_extra_info("ssl_object") is None

    def waiting() -> None:
        for slice_ in parts:
            if not isinstance(slice_, _BYTES):
                slice_.pin()  # idempotent: a slice already written is released with the others
        on_wait()

    try:
        pending: list = []  # bytes not written yet, written as one chunk before the next slice sent on its own
        for part in parts:
            if isinstance(part, _BYTES):
                if part:
                    pending.append(part)
            elif part.size < COPY_BELOW:
                pending.append(part.read())
            else:
                if pending:
                    data = pending[0] if len(pending) == 1 else b"".join(pending)
                    pending = []
                    taken = _send_more(writer.transport, data) if native else 0
                    if taken < len(data):
                        writer.write(data[taken:] if taken else data)
                if native:
                    native = await _sendfile(writer, part, waiting)
                else:
                    await _copy(writer, part, 0, waiting)
        if pending:
            writer.write(pending[0] if len(pending) == 1 else b"".join(pending))
    finally:
        for part in parts:
            if not isinstance(part, _BYTES):
                part.release()


def discard(parts: list) -> None:
    """Release the slices of a response that will not be written (its connection is gone)."""
    for part in parts:
        if not isinstance(part, _BYTES):
            part.release()


async def _sendfile(writer: Writer, part, on_wait: Callable[[], None]) -> bool:
    """Send ``part`` with sendfile, or copy it if the transport turns out not to support it; whether to go on
    with sendfile."""
    transport = writer.transport
    if transport.is_closing():
        raise ConnectionResetError("the connection closed while a response was written")
    sent = _sendfile_now(transport, part)
    if sent == part.size:
        return True
    loop = asyncio.get_running_loop()
    on_wait()
    try:
        source = cast(Any, _Descriptor(part.fd))  # loop.sendfile uses only fileno() and seek()
        sent += await loop.sendfile(transport, source, part.position + sent, part.size - sent, fallback=False)
    except (asyncio.SendfileNotAvailableError, RuntimeError):
        if transport.is_closing():
            raise ConnectionResetError("the connection closed while a response was written") from None
        await _copy(writer, part, sent, on_wait)  # sendfile not available: nothing more was sent
        return False
    if sent != part.size:  # the file ended early: the frame cannot be completed
        raise ConnectionResetError(f"sent {sent} of {part.size} bytes of {part.segment.log_path}")
    return True


async def _copy(writer: Writer, part, start: int, on_wait: Callable[[], None]) -> None:
    """Write ``part`` from ``start`` by copying it, a piece at a time, never more than about ``COPY_UNSENT``
    unsent (the transport's buffer: for TLS, the encrypted bytes the peer has not taken)."""
    transport = writer.transport
    for position in range(start, part.size, COPY_PIECE):
        if transport.is_closing():
            raise ConnectionResetError("the connection closed while a response was written")
        writer.write(part.read(position, COPY_PIECE))
        if cast(asyncio.WriteTransport, transport).get_write_buffer_size() > COPY_UNSENT:
            on_wait()
            await writer.drain()


def _send_more(transport: asyncio.BaseTransport, data) -> int:
    """Bytes of ``data`` (the envelope before a range sent with sendfile) the socket takes right away, sent with
    ``MSG_MORE``, when nothing waits in the transport's buffer; 0 where that cannot be done (the transport
    then writes them).

    The bytes leave with the range's first packet instead of on their own: a reader woken by the envelope alone
    is reading while the range is sent, which cost the broker half again as much CPU for a 1 MiB range over
    loopback (bench/request_cost.py's 1 MB-batch fetch, measured both ways in the same run).
    """
    sock = transport.get_extra_info("socket")
    if not _MSG_MORE or sock is None or cast(asyncio.WriteTransport, transport).get_write_buffer_size():
        return 0
    # asyncio's socket wrapper has no send(): a socket object over the same descriptor, let go of after the call
    # (send() uses neither its family nor its type: constants spare reading them back as enums each time)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, sock.fileno())
    try:
        return raw.send(data, _MSG_MORE)
    except OSError:  # would block, or a failing connection: the transport writes them, and reports the failure
        return 0
    finally:
        raw.detach()


def _sendfile_now(transport: asyncio.BaseTransport, part) -> int:
    """Bytes of ``part`` the socket takes right away, when nothing waits in the transport's buffer (as
    ``loop.sendfile`` does once that buffer is empty, without pausing reading and waiting a loop round)."""
    sock = transport.get_extra_info("socket")
    if sock is None or cast(asyncio.WriteTransport, transport).get_write_buffer_size():
        return 0
    try:
        return os.sendfile(sock.fileno(), part.source_fd(), part.position, part.size)
    except (BlockingIOError, InterruptedError):
        return 0
    except ConnectionError:
        raise
    except OSError:  # not a socket sendfile serves: loop.sendfile decides
        return 0
