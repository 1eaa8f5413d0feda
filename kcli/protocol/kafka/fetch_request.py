"""Fetch requests v0–v10 read by hand: the body, from where the request header ends.

None of these versions is flexible, so the body is (big-endian)::

    replica_id int32 | max_wait_ms int32 | min_bytes int32
    [v3+] max_bytes int32
    [v4+] isolation_level int8
    [v7+] session_id int32 | session_epoch int32
    topics: count int32, each
        topic string (int16 length)
        partitions: count int32, each
            partition int32
            [v9+] current_leader_epoch int32
            fetch_offset int64
            [v5+] log_start_offset int64
            partition_max_bytes int32
    [v7+] forgotten_topics_data: count int32, each topic string | partitions: count int32, each int32

A field a version lacks takes kafka-python's default. The result has the
attribute names of kafka-python's ``FetchRequest`` and equals its decoding at
every version served (tests/protocol/test_fetch_request.py). A null string or
array (length -1) where the schema allows none, or a body cut short, raises
MalformedFrame, as Kafka's generated reader refuses it. Nothing here does I/O.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from kcli.protocol.kafka.encoded import read_string
from kcli.protocol.kafka.frame import MalformedFrame

MAX_VERSION = 10

_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
_TOP = {0: struct.Struct(">iii"), 3: struct.Struct(">iiii"), 4: struct.Struct(">iiiib"), 7: struct.Struct(">iiiibii")}
_PARTITION_V0 = struct.Struct(">iqi")
_PARTITION_V5 = struct.Struct(">iqqi")
_PARTITION_V9 = struct.Struct(">iiqqi")


@dataclass(slots=True)
class FetchPartition:
    partition: int
    fetch_offset: int
    partition_max_bytes: int
    current_leader_epoch: int = -1
    log_start_offset: int = -1


@dataclass(slots=True)
class FetchTopic:
    topic: str
    partitions: list[FetchPartition]


@dataclass(slots=True)
class ForgottenTopic:
    topic: str
    partitions: list[int]


@dataclass(slots=True)
class FetchRequest:
    version: int
    replica_id: int
    max_wait_ms: int
    min_bytes: int
    max_bytes: int = 0x7FFFFFFF
    isolation_level: int = 0
    session_id: int = 0
    session_epoch: int = -1
    topics: list[FetchTopic] = field(default_factory=list)
    forgotten_topics_data: list[ForgottenTopic] = field(default_factory=list)


def decode(frame, start: int, version: int) -> FetchRequest:
    """The Fetch request body of ``version`` that begins at ``start`` of ``frame``."""
    if not 0 <= version <= MAX_VERSION:
        raise MalformedFrame(f"cannot decode FetchRequest v{version} by hand")
    try:
        return _decode(frame, start, version)
    except (struct.error, UnicodeDecodeError, IndexError) as exc:
        raise MalformedFrame(f"cannot decode FetchRequest v{version}: {exc}") from None


def _decode(frame, pos: int, version: int) -> FetchRequest:
    top = _TOP[7 if version >= 7 else 4 if version >= 4 else 3 if version >= 3 else 0]
    request = FetchRequest(version, *top.unpack_from(frame, pos))
    pos += top.size
    size = len(frame)
    count, pos = _count(frame, pos, "topics")
    partition = _PARTITION_V9 if version >= 9 else _PARTITION_V5 if version >= 5 else _PARTITION_V0
    step = partition.size
    unpack = partition.unpack_from
    topics = request.topics
    for _ in range(count):
        # the topic's name and its partition count, read in line (the usual request names one topic)
        (n,) = _INT16.unpack_from(frame, pos)
        end = pos + 2 + n
        if n < 0 or end > size:
            read_string(frame, pos, "FetchRequest", "topics.topic")  # raises the reader's MalformedFrame
        name = str(frame[pos + 2 : end], "utf-8")
        (n,) = _INT32.unpack_from(frame, end)
        pos = end + 4
        if not 0 <= n <= size - end:
            _count(frame, end, "topics.partitions")  # raises
        partitions: list[FetchPartition] = []
        for _ in range(n):
            values = unpack(frame, pos)
            pos += step
            if version >= 9:
                index, epoch, offset, log_start, max_bytes = values
                partitions.append(FetchPartition(index, offset, max_bytes, epoch, log_start))
            elif version >= 5:
                index, offset, log_start, max_bytes = values
                partitions.append(FetchPartition(index, offset, max_bytes, -1, log_start))
            else:
                index, offset, max_bytes = values
                partitions.append(FetchPartition(index, offset, max_bytes))
        topics.append(FetchTopic(name, partitions))
    if version >= 7:
        (count,) = _INT32.unpack_from(frame, pos)
        if count:
            count, pos = _count(frame, pos, "forgotten_topics_data")
            for _ in range(count):
                name, pos = read_string(frame, pos, "FetchRequest", "forgotten_topics_data.topic")
                n, pos = _count(frame, pos, "forgotten_topics_data.partitions")
                indexes = list(struct.unpack_from(f">{n}i", frame, pos))
                pos += 4 * n
                request.forgotten_topics_data.append(ForgottenTopic(name, indexes))
    return request


def _count(frame, pos: int, name: str) -> tuple[int, int]:
    (n,) = _INT32.unpack_from(frame, pos)
    if n < 0:
        raise MalformedFrame(f"cannot decode FetchRequest: non-nullable field {name} was serialized as null")
    if n > len(frame) - pos:  # each element takes at least a byte
        raise MalformedFrame(f"cannot decode FetchRequest: {name} announces {n} elements past the end of the request")
    return n, pos + 4
