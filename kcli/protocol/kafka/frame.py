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


@dataclass(slots=True)  # not frozen: a frozen dataclass costs about 1 µs more to build, once per request
class RequestHead:
    api_key: int
    api_version: int
    correlation_id: int
    client_id: str | None
    end: int = 10  # where the header ends without its tagged fields (a flexible request's follow here)


class FrameTooLarge(MalformedFrame):
    """A frame announcing more than ``socket.request.max.bytes``: refused before any of it is read."""


def frame_size(prefix: bytes | bytearray | memoryview, max_bytes: int = MAX_FRAME_BYTES) -> int:
    """Size announced by a 4-byte frame prefix; rejects negative sizes and sizes over ``max_bytes``.

    The message is Kafka's NetworkReceive's (InvalidReceiveException), after which Kafka's Selector closes the connection.
    """
    (size,) = _SIZE.unpack(prefix)
    if size > max_bytes:
        raise FrameTooLarge(f"Invalid receive (size = {size} larger than {max_bytes})")
    if size < 0:
        raise MalformedFrame(f"Invalid receive (size = {size})")
    if size < 8:
        raise MalformedFrame(f"invalid request size {size}")
    return size


def peek_head(frame: bytes | memoryview) -> RequestHead:
    """The fixed part of the request header, enough to route the request."""
    if len(frame) < 10:
        raise MalformedFrame("request shorter than its header")
    api_key, api_version, correlation_id = _HEAD.unpack_from(frame, 0)
    (n,) = struct.unpack_from(">h", frame, 8)
    if n < 0:
        return RequestHead(api_key, api_version, correlation_id, None, 10)
    if 10 + n > len(frame):
        raise MalformedFrame("client id runs past the end of the request")
    return RequestHead(api_key, api_version, correlation_id, str(frame[10 : 10 + n], "utf-8", "replace"), 10 + n)


def body_start(frame: bytes | memoryview, head: RequestHead, flexible: bool) -> int:
    """Where the request body begins: after the client id, and after the header's tagged fields when ``flexible`` (header v2)."""
    if not flexible:
        return head.end
    pos = head.end
    count, pos = _uvarint(frame, pos)
    for _ in range(count):
        _, pos = _uvarint(frame, pos)  # tag
        size, pos = _uvarint(frame, pos)
        pos += size
    if pos > len(frame):
        raise MalformedFrame("request header tagged fields run past the end of the request")
    return pos


def _uvarint(frame: bytes | memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(frame) or shift > 28:
            raise MalformedFrame("bad varint in the request header")
        b = frame[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def decode_request(request_class, version: int, frame: bytes | memoryview, head: RequestHead | None = None):
    """Decode a request frame into a kafka-python message: the header is parsed once, by peek_head (``head``
    when the caller has it), and only the body is decoded, from a view of the frame (no copy).

    A null where the schema allows none (length -1 for a non-nullable array,
    string or bytes) does not parse either: Kafka's generated readers refuse it
    ("non-nullable field ... was serialized as null") and the broker closes the
    connection. kafka-python reads it as None, so it is checked here.
    """
    try:
        start = body_start(frame, head or peek_head(frame), request_class.flexible_version_q(version))
        request = request_class.decode(memoryview(frame)[start:], version=version)
    except MalformedFrame:
        raise
    except Exception as exc:  # kafka-python raises assorted errors on bad bytes
        raise MalformedFrame(f"cannot decode {request_class.__name__} v{version}: {exc}") from exc
    field = _null_field(request, request_class._struct, version)
    if field is not None:
        raise MalformedFrame(f"cannot decode {request_class.__name__} v{version}: non-nullable field {field} was serialized as null")
    return request


_Plan = tuple[tuple[str, bool, object, bool], ...]
_PLANS: dict[tuple[int, int], _Plan] = {}


def _plan(struct, version: int) -> _Plan:
    """(name, nullable, nested struct or None, is an array of it) for each field of ``struct`` at ``version``."""
    key = (id(struct), version)
    plan = _PLANS.get(key)
    if plan is None:
        plan = tuple(
            (f.name, f.nullable_for_version_q(version), f.array_of if f.is_struct_array() else f if f.is_struct() else None, f.is_struct_array())
            for f in struct.fields.values()
            if f.for_version_q(version)
        )
        _PLANS[key] = plan
    return plan


def _null_field(message, struct, version: int) -> str | None:
    """The path of the first non-nullable field of ``message`` that is None, or None."""
    for name, nullable, nested, is_array in _plan(struct, version):
        value = getattr(message, name)
        if value is None:
            if not nullable:
                return name
        elif nested is not None:
            for item in value if is_array else (value,):
                inner = _null_field(item, nested, version)
                if inner is not None:
                    return f"{name}.{inner}"
    return None


def encode_response_parts(response, correlation_id: int) -> bytes | bytearray | list:
    """``encode_response``, except that a response with a hand-written encoder (``encode_framed``,
    fetch_response.py) gives its frame as a list of parts: bytes, and records the server supplies from the log."""
    if hasattr(response, "encode_framed"):
        return response.encode_framed(correlation_id)
    return encode_response(response, correlation_id)


def encode_response(response, correlation_id: int) -> bytes:
    """A framed response: size, header, body. The response carries its version; one with its own
    ``encode_framed`` (a hand-written hot path, e.g. produce_codec) encodes itself."""
    fast = getattr(response, "encode_framed", None)
    if fast is not None:
        return fast(correlation_id)
    response.with_header(correlation_id=correlation_id)
    return bytes(response.encode(header=True, framed=True))
