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
    """Decode a whole request frame (header included) into a kafka-python message.

    A null where the schema allows none (length -1 for a non-nullable array,
    string or bytes) does not parse either: Kafka's generated readers refuse it
    ("non-nullable field ... was serialized as null") and the broker closes the
    connection. kafka-python reads it as None, so it is checked here.
    """
    try:
        request = request_class.decode(frame, version=version, header=True)
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
    """A framed response: size, header, body. The response carries its version."""
    response.with_header(correlation_id=correlation_id)
    return bytes(response.encode(header=True, framed=True))
