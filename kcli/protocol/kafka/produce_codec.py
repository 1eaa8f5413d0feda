"""Produce's hot path on the wire: the request body decoded with its records left in the frame, the response encoded by hand.

Produce v0–v8 (none flexible). The request body, after the request header::

    transactional_id  nullable string (int16 length, -1 = null)     v3+
    acks              int16
    timeout_ms        int32
    topic_data        int32 count × (name string, partition_data int32 count × (index int32, records nullable bytes (int32 length)))

``records`` stays a memoryview into the received frame: nothing is copied
until the partition appends it. A null where the schema has no null (an array
or a topic name with length -1) is malformed, as frame.decode_request rules
for every other API. The response body::

    responses         int32 count × (name string, partition_responses int32 count × (
                          index int32, error_code int16, base_offset int64,
                          log_append_time_ms int64 (v2+), log_start_offset int64 (v5+),
                          record_errors int32 count × (batch_index int32, batch_index_error_message nullable string) (v8+),
                          error_message nullable string (v8+)))
    throttle_time_ms  int32                                          v1+

behind a v0 response header (correlation_id) and the int32 frame size. Both
are checked byte for byte against kafka-python's ProduceRequest/ProduceResponse
for every version (tests/protocol/test_produce_codec.py).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from kcli.protocol.kafka.encoded import read_nullable_string, read_string, string, topic_name
from kcli.protocol.kafka.frame import MalformedFrame

MAX_VERSION = 8

_I16 = struct.Struct(">h")
_I32 = struct.Struct(">i")
_ACKS_TIMEOUT_COUNT = struct.Struct(">hii")  # acks, timeout_ms, the topic_data count
_ONE_PARTITION_HEAD = struct.Struct(">iii")  # partition_data count, index, records size
_FRAME_HEAD = struct.Struct(">ii")  # frame size, correlation id
_PARTITION_V0 = struct.Struct(">ihq")  # index, error_code, base_offset
_PARTITION_V2 = struct.Struct(">ihqq")  # + log_append_time_ms
_PARTITION_V5 = struct.Struct(">ihqqq")  # + log_start_offset
_NO_RECORD_ERRORS = b"\x00\x00\x00\x00"
# a response of one topic with one partition and no error message: frame size, correlation id, topic count 1, the
# name, then partition count 1, the partition, (v8+) no record_errors and a null error_message, (v1+) throttle_time_ms
_FRAME_HEAD_COUNT = struct.Struct(">iii")
_ONE_V0 = struct.Struct(">iihq")
_ONE_V1 = struct.Struct(">iihqi")
_ONE_V2 = struct.Struct(">iihqqi")
_ONE_V5 = struct.Struct(">iihqqqi")
_ONE_V8 = struct.Struct(">iihqqqihi")
_NO_ERRORS = _NO_RECORD_ERRORS + b"\xff\xff"  # no record_errors, a null error_message (v8+)


@dataclass(slots=True)
class PartitionProduceData:
    index: int
    records: memoryview | None


@dataclass(slots=True)
class TopicProduceData:
    name: str
    partition_data: list[PartitionProduceData]


@dataclass(slots=True)
class ProduceRequest:
    """The fields of kafka-python's ProduceRequest, under the same names."""

    transactional_id: str | None
    acks: int
    timeout_ms: int
    topic_data: list[TopicProduceData]


@dataclass(slots=True)
class PartitionProduceResponse:
    index: int
    error_code: int
    base_offset: int = -1
    log_append_time_ms: int = -1
    log_start_offset: int = -1
    record_errors: list[tuple[int, str | None]] = field(default_factory=list)  # (batch_index, message)
    error_message: str | None = None


@dataclass(slots=True)
class ProduceResponse:
    """What kafka-python's ProduceResponse holds; ``encode_framed`` writes it as kafka-python would."""

    version: int
    responses: list[tuple[str, list[PartitionProduceResponse]]]  # (topic name, partitions)
    throttle_time_ms: int = 0

    def encode_framed(self, correlation_id: int) -> bytes:
        return encode_response(self, correlation_id)


def decode_request(frame: bytes | memoryview, start: int, version: int) -> ProduceRequest:
    """The body of a Produce request of ``version`` that begins at ``start`` of ``frame``; MalformedFrame when it does not parse."""
    view = frame if type(frame) is memoryview else memoryview(frame)
    try:
        pos = start
        transactional_id = None
        if version >= 3:
            if view[pos] == 0xFF and view[pos + 1] == 0xFF:  # null, as a producer outside a transaction sends it
                pos += 2
            else:
                transactional_id, pos = read_nullable_string(view, pos, "ProduceRequest", "transactional_id")
        acks, timeout_ms, topic_count = _ACKS_TIMEOUT_COUNT.unpack_from(view, pos)
        pos += 10
        if topic_count == 1:  # a producer's usual request: one topic, one partition, the records to the end
            (n,) = _I16.unpack_from(view, pos)
            at = pos + 2 + n + 12  # where the records begin
            if n >= 0 and at <= len(view):
                partition_count, index, size = _ONE_PARTITION_HEAD.unpack_from(view, at - 12)
                if partition_count == 1 and size >= 0 and at + size == len(view):
                    name = str(view[pos + 2 : pos + 2 + n], "utf-8")
                    topic = TopicProduceData(name, [PartitionProduceData(index, view[at:])])
                    return ProduceRequest(transactional_id, acks, timeout_ms, [topic])
        if topic_count < 0:
            raise MalformedFrame("cannot decode ProduceRequest: non-nullable field topic_data was serialized as null")
        topics = []
        for _ in range(topic_count):
            name, pos = read_string(view, pos, "ProduceRequest", "topic_data.name")
            (partition_count,) = _I32.unpack_from(view, pos)
            pos += 4
            if partition_count < 0:
                raise MalformedFrame("cannot decode ProduceRequest: non-nullable field topic_data.partition_data was serialized as null")
            partitions = []
            for _ in range(partition_count):
                index, size = _FRAME_HEAD.unpack_from(view, pos)
                pos += 8
                if size < 0:
                    records = None
                else:
                    end = pos + size
                    if end > len(view):
                        raise MalformedFrame(f"cannot decode ProduceRequest v{version}: records run past the end of the request")
                    records = view[pos:end]
                    pos = end
                partitions.append(PartitionProduceData(index, records))
            topics.append(TopicProduceData(name, partitions))
    except (struct.error, IndexError) as exc:
        raise MalformedFrame(f"cannot decode ProduceRequest v{version}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise MalformedFrame(f"cannot decode ProduceRequest: {exc}") from None
    return ProduceRequest(transactional_id, acks, timeout_ms, topics)


def encode_response(response: ProduceResponse, correlation_id: int) -> bytes:
    """The framed response: int32 size, correlation id, then the body of ``response.version``."""
    version = response.version
    responses = response.responses
    if len(responses) == 1 and len(responses[0][1]) == 1:  # one partition, a producer's usual request: two packs
        name, (p,) = responses[0]
        if not p.record_errors and p.error_message is None:
            if version >= 8:
                tail = _ONE_V8.pack(1, p.index, p.error_code, p.base_offset, p.log_append_time_ms, p.log_start_offset, 0, -1,
                                    response.throttle_time_ms)
            elif version >= 5:
                tail = _ONE_V5.pack(1, p.index, p.error_code, p.base_offset, p.log_append_time_ms, p.log_start_offset,
                                    response.throttle_time_ms)
            elif version >= 2:
                tail = _ONE_V2.pack(1, p.index, p.error_code, p.base_offset, p.log_append_time_ms, response.throttle_time_ms)
            elif version == 1:
                tail = _ONE_V1.pack(1, p.index, p.error_code, p.base_offset, response.throttle_time_ms)
            else:
                tail = _ONE_V0.pack(1, p.index, p.error_code, p.base_offset)
            encoded = topic_name(name)
            return b"".join((_FRAME_HEAD_COUNT.pack(8 + len(encoded) + len(tail), correlation_id, 1), encoded, tail))
    out = bytearray(8)
    out += _I32.pack(len(responses))
    for name, partitions in response.responses:
        out += topic_name(name)
        out += _I32.pack(len(partitions))
        for p in partitions:
            if version >= 5:
                out += _PARTITION_V5.pack(p.index, p.error_code, p.base_offset, p.log_append_time_ms, p.log_start_offset)
            elif version >= 2:
                out += _PARTITION_V2.pack(p.index, p.error_code, p.base_offset, p.log_append_time_ms)
            else:
                out += _PARTITION_V0.pack(p.index, p.error_code, p.base_offset)
            if version >= 8:
                if p.record_errors:
                    out += _I32.pack(len(p.record_errors))
                    for batch_index, message in p.record_errors:
                        out += _I32.pack(batch_index)
                        out += string(message)
                    out += string(p.error_message)
                elif p.error_message is None:
                    out += _NO_ERRORS
                else:
                    out += _NO_RECORD_ERRORS
                    out += string(p.error_message)
    if version >= 1:
        out += _I32.pack(response.throttle_time_ms)
    _FRAME_HEAD.pack_into(out, 0, len(out) - 4, correlation_id)
    return bytes(out)


