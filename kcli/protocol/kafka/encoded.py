"""Responses encoded by hand on a measured hot path (Metadata, ListOffsets), and the primitives they use.

An ``EncodedResponse`` is a response body already in bytes; ``frame.encode_response`` frames it
like any kafka-python response: ``int32 size``, then the response header (``correlation_id int32``,
plus an empty tagged-field byte when the version is flexible), then the body. Primitives as
Kafka's protocol defines them: big-endian ints, strings with an int16 length (-1: null), and in
flexible versions compact strings and arrays (unsigned varint of length + 1) and tagged fields
(an unsigned varint count; kcli writes none). Every user is checked byte for byte against
kafka-python's classes, for every version it serves. ``read_string`` is the string of the requests
read by hand (Produce, Fetch), refused in kafka-python's words. Nothing here does I/O.
"""

from __future__ import annotations

import struct

from kcli.protocol.kafka.frame import MalformedFrame

INT16 = struct.Struct(">h")
INT32 = struct.Struct(">i")
NO_TAGGED_FIELDS = b"\x00"


class EncodedResponse:
    def __init__(self, version: int, body: bytes, flexible: bool = False):
        self.version = version
        self.body = body
        self.flexible = flexible
        self.correlation_id = 0

    def with_header(self, correlation_id: int) -> None:
        self.correlation_id = correlation_id

    def encode(self, header: bool = False, framed: bool = False) -> bytes:
        head = INT32.pack(self.correlation_id) + NO_TAGGED_FIELDS * self.flexible if header else b""
        size = INT32.pack(len(head) + len(self.body)) if framed else b""
        return b"".join((size, head, self.body))


def string(value: str | None) -> bytes:
    """A nullable string with an int16 length."""
    if value is None:
        return INT16.pack(-1)
    data = value.encode("utf-8")
    return INT16.pack(len(data)) + data


TOPIC_NAMES: dict[str, bytes] = {}  # name -> ``string(name)``: a client names the same topics request after request
TOPIC_NAMES_KEPT = 10_000  # topics come and go: never an unbounded cache


def topic_name(name: str) -> bytes:
    """``string(name)``, remembered for the next response that names the topic."""
    encoded = TOPIC_NAMES.get(name)
    if encoded is None:
        if len(TOPIC_NAMES) >= TOPIC_NAMES_KEPT:
            TOPIC_NAMES.clear()
        encoded = TOPIC_NAMES[name] = string(name)
    return encoded


def read_string(frame, pos: int, request: str, field: str) -> tuple[str, int]:
    """The int16-length string at ``pos`` of a ``request`` read by hand, and the position after it;
    MalformedFrame for a null (``field`` does not allow it), a string past the end, or bad UTF-8."""
    (n,) = INT16.unpack_from(frame, pos)
    if n < 0:
        raise MalformedFrame(f"cannot decode {request}: non-nullable field {field} was serialized as null")
    end = pos + 2 + n
    if end > len(frame):
        raise MalformedFrame(f"cannot decode {request}: {field} runs past the end of the request")
    try:
        return str(frame[pos + 2:end], "utf-8"), end
    except UnicodeDecodeError as exc:
        raise MalformedFrame(f"cannot decode {request}: {exc}") from None


def read_nullable_string(frame, pos: int, request: str, field: str) -> tuple[str | None, int]:
    """``read_string`` of a field that may be null (length -1)."""
    if INT16.unpack_from(frame, pos)[0] == -1:
        return None, pos + 2
    return read_string(frame, pos, request, field)


def uvarint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def compact_string(value: str) -> bytes:
    data = value.encode("utf-8")
    return uvarint(len(data) + 1) + data
