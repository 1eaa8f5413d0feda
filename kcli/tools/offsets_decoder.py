"""``kafka-dump-log --offsets-decoder``: ``__consumer_offsets`` records as Kafka 3.8+ prints them.

Kafka's OffsetsMessageParser prints a record's key as
``{"type":"<key version>","data":{...}}`` and its value as
``{"version":"<value version>","data":{...}}`` (``<DELETE>`` for a tombstone),
the data being the record's fields in schema order as Kafka's generated JSON
converters write them: compact JSON, bytes in base64. For a group whose
protocol type is ``consumer``, each member's subscription and assignment are
decoded too (ConsumerProtocolSubscription / ConsumerProtocolAssignment).
Schemas (kcli/protocol/kafka/consumer_offsets.py gives the layouts):

    key    v0, v1 OffsetCommitKey (group, topic, partition); v2 GroupMetadataKey (group)
    value  OffsetCommitValue v0-v3: offset, leaderEpoch (v3+), metadata, commitTimestamp, expireTimestamp (v1 only)
           GroupMetadataValue v0-v3: protocolType, generation, protocol, leader, currentStateTimestamp (v2+),
           members [memberId, groupInstanceId (v3+), clientId, clientHost, rebalanceTimeout (v1+),
           sessionTimeout, subscription, assignment]
"""

from __future__ import annotations

import base64
import json
import struct
from typing import Any


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def _unpack(self, fmt: str) -> Any:
        s = struct.Struct(fmt)
        if self.pos + s.size > len(self.data):
            raise ValueError("Tried to read past the end of the buffer")
        value = s.unpack_from(self.data, self.pos)[0]
        self.pos += s.size
        return value

    def i16(self) -> int:
        return self._unpack(">h")

    def i32(self) -> int:
        return self._unpack(">i")

    def i64(self) -> int:
        return self._unpack(">q")

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("Tried to read past the end of the buffer")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def string(self) -> str | None:
        n = self.i16()
        return None if n < 0 else self._take(n).decode("utf-8")

    def bytes_(self) -> bytes | None:
        n = self.i32()
        return None if n < 0 else self._take(n)

    def array(self, read) -> list:
        n = self.i32()
        return [] if n < 0 else [read() for _ in range(n)]


def _json(value: dict) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def _key(data: bytes) -> tuple[int, dict]:
    r = _Reader(data)
    version = r.i16()
    if version in (0, 1):
        return version, {"group": r.string(), "topic": r.string(), "partition": r.i32()}
    if version == 2:
        return version, {"group": r.string()}
    raise _UnknownType(version)


class _UnknownType(Exception):
    def __init__(self, version: int):
        super().__init__(version)
        self.version = version


def _offset_value(data: bytes) -> tuple[int, dict]:
    r = _Reader(data)
    version = r.i16()
    if not 0 <= version <= 3:
        raise ValueError(f"Unknown offset message version: {version}")
    out: dict[str, Any] = {"offset": r.i64()}
    if version >= 3:
        out["leaderEpoch"] = r.i32()
    out["metadata"] = r.string()
    out["commitTimestamp"] = r.i64()
    if version == 1:
        out["expireTimestamp"] = r.i64()
    return version, out


def _topic_partitions(r: _Reader) -> dict:
    return {"topic": r.string(), "partitions": r.array(r.i32)}


def _subscription(data: bytes) -> dict:
    r = _Reader(data)
    version = r.i16()
    out: dict[str, Any] = {"topics": r.array(r.string), "userData": _b64(r.bytes_())}
    if version >= 1:
        out["ownedPartitions"] = r.array(lambda: _topic_partitions(r))
    if version >= 2:
        out["generationId"] = r.i32()
    if version >= 3:
        out["rackId"] = r.string()
    return out


def _assignment(data: bytes) -> dict:
    r = _Reader(data)
    r.i16()
    return {"assignedPartitions": r.array(lambda: _topic_partitions(r)), "userData": _b64(r.bytes_())}


def _decoded(data: bytes | None, decode) -> Any:
    """A consumer-protocol field decoded, or its bytes kept (base64) when it cannot be, as Kafka swallows the error."""
    if data is None:
        return None
    try:
        return decode(data)
    except (ValueError, UnicodeDecodeError, struct.error):
        return _b64(data)


def _group_value(data: bytes) -> tuple[int, dict]:
    r = _Reader(data)
    version = r.i16()
    if not 0 <= version <= 3:
        raise ValueError(f"Unknown group metadata message version: {version}")
    out: dict[str, Any] = {"protocolType": r.string(), "generation": r.i32(), "protocol": r.string(), "leader": r.string()}
    if version >= 2:
        out["currentStateTimestamp"] = r.i64()
    consumer = out["protocolType"] == "consumer"

    def member() -> dict:
        m: dict[str, Any] = {"memberId": r.string()}
        if version >= 3:
            m["groupInstanceId"] = r.string()
        m["clientId"] = r.string()
        m["clientHost"] = r.string()
        if version >= 1:
            m["rebalanceTimeout"] = r.i32()
        m["sessionTimeout"] = r.i32()
        subscription, assignment = r.bytes_(), r.bytes_()
        m["subscription"] = _decoded(subscription, _subscription) if consumer else _b64(subscription)
        m["assignment"] = _decoded(assignment, _assignment) if consumer else _b64(assignment)
        return m

    out["members"] = r.array(member)
    return version, out


def parse(record) -> tuple[str | None, str | None]:
    """(key text, payload text) for one ``__consumer_offsets`` record, as OffsetsMessageParser.parse returns them."""
    from kcli.tools.errors import ToolError

    if record.key is None:
        raise ToolError(f"Failed to decode message at offset {record.offset} using offset topic decoder (message had a missing key)")
    try:
        key_version, key = _key(record.key)
        if record.value is None:
            value = "<DELETE>"
        else:
            value_version, data = (_offset_value if key_version < 2 else _group_value)(record.value)
            value = _json({"version": str(value_version), "data": data})
        return _json({"type": str(key_version), "data": key}), value
    except _UnknownType as exc:
        return f"Unknown record type {exc.version} at offset {record.offset}, skipping.", None
    except (ValueError, UnicodeDecodeError) as exc:
        return f"Error at offset {record.offset}, skipping. {exc}", None
