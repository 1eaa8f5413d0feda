"""Records of the ``__consumer_offsets`` topic, in Kafka's own key and value schemas.

Kafka's coordinator stores two kinds of record there (GroupMetadataManager):

* offset commit — key v1 ``(group, topic, partition)``, value v3
  ``(offset, leader_epoch, metadata, commit_timestamp)``;
* group metadata — key v2 ``(group)``, value v3 ``(protocol_type, generation,
  protocol, leader, current_state_timestamp, members[...])``.

A null value is a tombstone. These schemas are not part of the wire protocol,
so kafka-python does not ship them; they are small enough to write out here.
Keeping Kafka's layout means ``kcat -C -t __consumer_offsets`` shows what a
Kafka user expects and a compacting cleaner could keep the last value per key.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from kcli.protocol.kafka.encoded import string as _string

OFFSET_KEY_VERSION = 1
GROUP_KEY_VERSION = 2
OFFSET_VALUE_VERSION = 3
GROUP_VALUE_VERSION = 3

_I16, _I32, _I64 = struct.Struct(">h"), struct.Struct(">i"), struct.Struct(">q")


class InvalidRecord(ValueError):
    """A key or value that does not follow the schemas."""


@dataclass(frozen=True)
class OffsetKey:
    group: str
    topic: str
    partition: int


@dataclass(frozen=True)
class GroupKey:
    group: str


@dataclass(frozen=True)
class OffsetValue:
    offset: int
    leader_epoch: int
    metadata: str
    commit_timestamp: int


@dataclass(frozen=True)
class MemberValue:
    member_id: str
    group_instance_id: str | None
    client_id: str
    client_host: str
    rebalance_timeout: int
    session_timeout: int
    subscription: bytes
    assignment: bytes


@dataclass(frozen=True)
class GroupValue:
    protocol_type: str
    generation: int
    protocol: str | None
    leader: str | None
    current_state_timestamp: int
    members: tuple[MemberValue, ...] = field(default=())


# -- encoding ----------------------------------------------------------------


def _bytes(value: bytes | None) -> bytes:
    if value is None:
        return _I32.pack(-1)
    return _I32.pack(len(value)) + bytes(value)


def encode_key(key: OffsetKey | GroupKey) -> bytes:
    if isinstance(key, OffsetKey):
        return _I16.pack(OFFSET_KEY_VERSION) + _string(key.group) + _string(key.topic) + _I32.pack(key.partition)
    return _I16.pack(GROUP_KEY_VERSION) + _string(key.group)


def encode_value(value: OffsetValue | GroupValue) -> bytes:
    if isinstance(value, OffsetValue):
        return (
            _I16.pack(OFFSET_VALUE_VERSION) + _I64.pack(value.offset) + _I32.pack(value.leader_epoch)
            + _string(value.metadata) + _I64.pack(value.commit_timestamp)
        )
    parts = [
        _I16.pack(GROUP_VALUE_VERSION), _string(value.protocol_type), _I32.pack(value.generation),
        _string(value.protocol), _string(value.leader), _I64.pack(value.current_state_timestamp),
        _I32.pack(len(value.members)),
    ]
    for m in value.members:
        parts += [
            _string(m.member_id), _string(m.group_instance_id), _string(m.client_id), _string(m.client_host),
            _I32.pack(m.rebalance_timeout), _I32.pack(m.session_timeout), _bytes(m.subscription), _bytes(m.assignment),
        ]
    return b"".join(parts)


# -- decoding ----------------------------------------------------------------


class _Reader:
    def __init__(self, data: bytes):
        self.data = memoryview(data)
        self.pos = 0

    def _take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise InvalidRecord("record is truncated")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def i16(self) -> int:
        return _I16.unpack(self._take(2))[0]

    def i32(self) -> int:
        return _I32.unpack(self._take(4))[0]

    def i64(self) -> int:
        return _I64.unpack(self._take(8))[0]

    def string(self) -> str | None:
        n = self.i16()
        return None if n < 0 else bytes(self._take(n)).decode("utf-8")

    def bytes_(self) -> bytes | None:
        n = self.i32()
        return None if n < 0 else bytes(self._take(n))


def decode_key(data: bytes) -> OffsetKey | GroupKey:
    r = _Reader(data)
    version = r.i16()
    if version in (0, 1):
        return OffsetKey(r.string() or "", r.string() or "", r.i32())
    if version == 2:
        return GroupKey(r.string() or "")
    raise InvalidRecord(f"unknown key version {version}")


def decode_offset_value(data: bytes) -> OffsetValue:
    r = _Reader(data)
    version = r.i16()
    if version not in (1, 3):
        raise InvalidRecord(f"unknown offset value version {version}")
    offset = r.i64()
    leader_epoch = r.i32() if version >= 3 else -1
    metadata = r.string() or ""
    commit_timestamp = r.i64()
    return OffsetValue(offset, leader_epoch, metadata, commit_timestamp)


def decode_group_value(data: bytes) -> GroupValue:
    r = _Reader(data)
    version = r.i16()
    if version != GROUP_VALUE_VERSION:
        raise InvalidRecord(f"unknown group value version {version}")
    protocol_type = r.string() or ""
    generation = r.i32()
    protocol, leader, timestamp = r.string(), r.string(), r.i64()
    members = []
    for _ in range(r.i32()):
        members.append(MemberValue(
            member_id=r.string() or "", group_instance_id=r.string(), client_id=r.string() or "",
            client_host=r.string() or "", rebalance_timeout=r.i32(), session_timeout=r.i32(),
            subscription=r.bytes_() or b"", assignment=r.bytes_() or b"",
        ))
    return GroupValue(protocol_type, generation, protocol, leader, timestamp, tuple(members))


def subscribed_topics(subscription: bytes) -> set[str]:
    """The topics of a ConsumerProtocolSubscription (a consumer member's metadata); empty if unreadable."""
    try:
        r = _Reader(subscription)
        r.i16()
        return {r.string() or "" for _ in range(r.i32())}
    except (InvalidRecord, UnicodeDecodeError):
        return set()
