"""ZooKeeper's framing: ``int32 length`` + payload, both directions.

The first frame of a connection is a ConnectRequest, or a four-letter word
(``ruok``, ``srvr``, …) whose 4 ASCII bytes stand where the length would be.
Every later request is ``RequestHeader{xid, type}`` + the opcode's record; a
reply is ``ReplyHeader{xid, zxid, err}`` + the response record only when err
is 0. Watch notifications are replies with xid -1 carrying a WatcherEvent.

Quirks kept on purpose:
- modern clients append a ``readOnly`` byte to the ConnectRequest; the
  ConnectResponse carries one back only when the request had it (ZooKeeper's
  ``isOldClient``), so a 36-byte answer goes to old clients, 37 to new ones;
- a multi request is a run of ``MultiHeader{type, done, err}`` + op record
  ended by ``{-1, true, -1}``; its response the same with per-op results, a
  failed op answered as type -1 with its code and an ErrorResponse.

Nothing here does I/O.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from kcli.protocol.zookeeper import opcodes as op
from kcli.protocol.zookeeper import records as r
from kcli.protocol.zookeeper.jute import JuteError, Reader, Record

MAX_BUFFER = 0xFFFFF  # jute.maxbuffer default: 1 MiB - 1
_SIZE = struct.Struct(">i")
_REPLY = struct.Struct(">iqi")
_HEAD = struct.Struct(">ii")
_MULTI_DONE = bytes.fromhex("ffffffff01ffffffff")
_EVENT_HEAD = _REPLY.pack(op.NOTIFICATION_XID, -1, 0)  # ZooKeeper 3.8 sends zxid -1 on notifications

FOUR_LETTER_WORDS = frozenset(
    {"ruok", "stat", "srvr", "mntr", "conf", "cons", "envi", "dump", "wchs", "wchc", "wchp", "dirs", "isro", "gtmk",
     "stmk", "crst", "srst", "hash"}
)
MULTI_OPS = frozenset({op.CREATE, op.CREATE2, op.CREATE_CONTAINER, op.CREATE_TTL, op.DELETE, op.SET_DATA, op.CHECK})
MULTI_READ_OPS = frozenset({op.GET_DATA, op.GET_CHILDREN})


class MalformedFrame(Exception):
    """Bytes that are not a ZooKeeper request; the connection is closed."""


class UnknownOpcode(Exception):
    """A well-framed request with an opcode the server does not implement."""

    def __init__(self, xid: int, opcode: int):
        super().__init__(f"unknown opcode {opcode}")
        self.xid = xid
        self.opcode = opcode


@dataclass(slots=True)
class Request:
    xid: int
    opcode: int
    record: object  # the opcode's request record; for multi/multiRead a list of (opcode, record)


def frame_size(prefix: bytes) -> int:
    size = _SIZE.unpack(prefix)[0]
    if size < 0 or size > MAX_BUFFER:
        raise MalformedFrame(f"Len error {size}")
    return size


def four_letter_word(prefix: bytes) -> str | None:
    """The command a connection's first 4 bytes spell, if they spell one."""
    try:
        word = prefix.decode("ascii")
    except UnicodeDecodeError:
        return None
    return word if word in FOUR_LETTER_WORDS else None


def decode_connect(body: bytes) -> tuple[Record, bool | None]:  # a ConnectRequest
    """The ConnectRequest and its trailing readOnly flag (None when the client is old and sent none)."""
    reader = Reader(body)
    try:
        request = r.ConnectRequest.read(reader)
    except JuteError as exc:
        raise MalformedFrame(f"bad ConnectRequest: {exc}") from None
    read_only = reader.boolean() if reader.remaining() >= 1 else None
    return request, read_only


def encode_connect_response(response: Record, read_only: bool | None) -> bytes:  # a ConnectResponse
    out = bytearray(b"\0\0\0\0")
    r.ConnectResponse.write(out, response)
    if read_only is not None:
        out.append(1 if read_only else 0)
    _SIZE.pack_into(out, 0, len(out) - 4)
    return bytes(out)


def decode_request(body: bytes) -> Request:
    if len(body) < 8:
        raise MalformedFrame("request shorter than its header")
    xid, opcode = _HEAD.unpack_from(body)
    reader = Reader(body, 8)
    try:
        if opcode == op.MULTI or opcode == op.MULTI_READ:
            return Request(xid, opcode, _decode_multi(reader, MULTI_OPS if opcode == op.MULTI else MULTI_READ_OPS))
        kind = op.REQUESTS.get(opcode)
        if kind is None:
            raise UnknownOpcode(xid, opcode)
        return Request(xid, opcode, kind.read(reader))
    except JuteError as exc:
        raise MalformedFrame(f"bad request for opcode {opcode}: {exc}") from None


def _decode_multi(reader: Reader, allowed: frozenset) -> list:
    ops: list[tuple[int, Record]] = []
    while True:
        head = r.MultiHeader.read(reader)
        if head.done:
            return ops
        if head.type not in allowed:
            raise JuteError(f"opcode {head.type} inside a multi")
        ops.append((head.type, op.REQUESTS[head.type].read(reader)))


def encode_request(xid: int, opcode: int, record) -> bytes:
    """A client request frame (used by tests and the benchmark's raw probes)."""
    out = bytearray(b"\0\0\0\0")
    out += _HEAD.pack(xid, opcode)
    if opcode in (op.MULTI, op.MULTI_READ):
        for sub_op, sub in record:
            r.MultiHeader.write(out, r.MultiHeader(sub_op, False, -1))
            type(sub).write(out, sub)
        out += _MULTI_DONE
    elif record is not None:
        type(record).write(out, record)
    _SIZE.pack_into(out, 0, len(out) - 4)
    return bytes(out)


def encode_reply(xid: int, zxid: int, err: int, record=None) -> bytes:
    out = bytearray(b"\0\0\0\0")
    out += _REPLY.pack(xid, zxid, err)
    if record is not None and err == 0:
        type(record).write(out, record)
    _SIZE.pack_into(out, 0, len(out) - 4)
    return bytes(out)


def encode_multi_reply(xid: int, zxid: int, results: list) -> bytes:
    """``results``: per op ``(opcode, err, record or None)``, opcode -1 for an ErrorResult (err 0 included:
    ops before the one that failed); the header err stays 0 even when an op failed."""
    out = bytearray(b"\0\0\0\0")
    out += _REPLY.pack(xid, zxid, 0)
    for opcode, err, record in results:
        if opcode == op.ERROR:
            r.MultiHeader.write(out, r.MultiHeader(op.ERROR, False, err))
            r.ErrorResponse.write(out, r.ErrorResponse(err))
        else:
            r.MultiHeader.write(out, r.MultiHeader(opcode, False, 0))
            if record is not None:
                type(record).write(out, record)
    out += _MULTI_DONE
    _SIZE.pack_into(out, 0, len(out) - 4)
    return bytes(out)


def decode_reply(payload: bytes, opcode: int) -> tuple[Record, Any]:  # a ReplyHeader, the reply
    """A reply to ``opcode`` (client side: tests, tools): its header and record; for multi a list of
    ``(opcode, err, record)``; for a notification (xid -1) the WatcherEvent."""
    reader = Reader(payload)
    head = r.ReplyHeader.read(reader)
    if head.xid == op.NOTIFICATION_XID:
        return head, r.WatcherEvent.read(reader)
    if head.err:
        return head, None
    if opcode in (op.MULTI, op.MULTI_READ):
        results: list[tuple[int, int, Record | None]] = []
        while True:
            sub = r.MultiHeader.read(reader)
            if sub.done:
                return head, results
            if sub.type == op.ERROR:
                results.append((op.ERROR, r.ErrorResponse.read(reader).err, None))
            else:
                kind = op.RESPONSES.get(sub.type) if sub.type not in (op.CHECK, op.DELETE) else None
                if opcode == op.MULTI_READ and sub.type == op.GET_CHILDREN:
                    kind = r.GetChildrenResponse
                results.append((sub.type, sub.err, kind.read(reader) if kind else None))
    kind = op.RESPONSES.get(opcode)
    return head, kind.read(reader) if kind is not None else None


def encode_event(event_type: int, path: str, state: int = op.SYNC_CONNECTED) -> bytes:
    out = bytearray(b"\0\0\0\0")
    out += _EVENT_HEAD
    r.WatcherEvent.write(out, r.WatcherEvent(event_type, state, path))
    _SIZE.pack_into(out, 0, len(out) - 4)
    return bytes(out)
