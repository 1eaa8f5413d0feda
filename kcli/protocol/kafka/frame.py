"""Kafka's request/response framing, on top of kafka-python's message classes.

A frame is ``int32 size`` followed by ``size`` bytes. A request frame starts
with the request header::

    api_key int16 | api_version int16 | correlation_id int32 | client_id nullable string (int16 length)
    [tagged fields]   -- only when the request version is flexible (header v2)

The response header is ``correlation_id int32`` plus a tagged-field byte when
the response version is flexible, except ApiVersions, whose response header
is always v0 (KIP-511; kafka-python's ``ApiVersionsResponse`` encodes it so).

Nothing here does I/O: bytes in, typed messages out, and back.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_HEAD = struct.Struct(">hhi")
_SIZE = struct.Struct(">i")

MAX_FRAME_BYTES = 100 * 1024 * 1024  # socket.request.max.bytes default (104857600)


class MalformedFrame(Exception):
    """The peer sent bytes that are not a Kafka request; its connection is closed."""


@dataclass(frozen=True, slots=True)
class RequestHead:
    api_key: int
    api_version: int
    correlation_id: int
    client_id: str | None


def frame_size(prefix: bytes) -> int:
    """Size announced by a 4-byte frame prefix; rejects negative or huge sizes."""
    (size,) = _SIZE.unpack(prefix)
    if size < 8 or size > MAX_FRAME_BYTES:
        raise MalformedFrame(f"invalid request size {size}")
    return size


def peek_head(frame: bytes | memoryview) -> RequestHead:
    """The fixed part of the request header, enough to route the request."""
    if len(frame) < 10:
        raise MalformedFrame("request shorter than its header")
    api_key, api_version, correlation_id = _HEAD.unpack_from(frame, 0)
    (n,) = struct.unpack_from(">h", frame, 8)
    if n < 0:
        client_id = None
    elif 10 + n > len(frame):
        raise MalformedFrame("client id runs past the end of the request")
    else:
        client_id = bytes(frame[10 : 10 + n]).decode("utf-8", "replace")
    return RequestHead(api_key, api_version, correlation_id, client_id)


def decode_request(request_class, version: int, frame: bytes | memoryview):
    """Decode a whole request frame (header included) into a kafka-python message."""
    try:
        return request_class.decode(frame, version=version, header=True)
    except Exception as exc:  # kafka-python raises assorted errors on bad bytes
        raise MalformedFrame(f"cannot decode {request_class.__name__} v{version}: {exc}") from exc


def encode_response(response, correlation_id: int) -> bytes:
    """A framed response: size, header, body. The response carries its version."""
    response.with_header(correlation_id=correlation_id)
    return bytes(response.encode(header=True, framed=True))
