"""Fetch responses v0–v10, written by hand so the record bytes can come straight from the log file.

kcli serves Fetch up to v10, none of them flexible, so a response is (big-endian)::

    size int32 | correlation_id int32
    [v1+] throttle_time_ms int32
    [v7+] error_code int16 | session_id int32
    topics: count int32, each
        name string (int16 length)
        partitions: count int32, each
            partition_index int32 | error_code int16 | high_watermark int64
            [v4+] last_stable_offset int64
            [v5+] log_start_offset int64
            [v4+] aborted_transactions nullable array: count int32 (-1: null), each producer_id int64 | first_offset int64
            records nullable bytes: length int32 | the bytes

``encode`` returns the frame as parts: the envelope as bytes, and each
partition's records as given — bytes, or any object with a length (a slice of
a segment file the server sends with sendfile). The bytes equal
kafka-python's ``FetchResponse.encode(header=True, framed=True)`` of the same
response at every version served (tests/protocol/test_fetch_response.py).
Nothing here does I/O.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from kcli.protocol.kafka.encoded import TOPIC_NAMES, topic_name

MAX_VERSION = 10

_INT32 = struct.Struct(">i")
_HEAD_V0 = struct.Struct(">iii")  # size, correlation_id, the topic count
_HEAD_V1 = struct.Struct(">iiii")  # size, correlation_id, throttle_time_ms, the topic count
_HEAD_V7 = struct.Struct(">iiihii")  # size, correlation_id, throttle_time_ms, error_code, session_id, the topic count
# a partition up to its aborted transactions (v4+), and with "null" and the records' length after them: the
# usual partition (no aborted transactions, or before v4 none at all) is one pack
_PARTITION_V4 = struct.Struct(">ihqqi")
_PARTITION_V5 = struct.Struct(">ihqqqi")
_PLAIN_V0 = struct.Struct(">ihqi")
_PLAIN_V4 = struct.Struct(">ihqqii")
_PLAIN_V5 = struct.Struct(">ihqqqii")
_ABORTED = struct.Struct(">qq")


@dataclass(slots=True)
class PartitionData:
    partition_index: int
    error_code: int
    high_watermark: int
    last_stable_offset: int
    log_start_offset: int
    aborted_transactions: list[tuple[int, int]] | None  # (producer_id, first_offset); None is sent as null
    records: Any  # bytes, or an object with a length whose bytes the writer supplies


@dataclass(slots=True)
class FetchResponse:
    """A Fetch response that encodes itself into frame parts (``frame.encode_response`` asks it to)."""

    version: int
    topics: list[tuple[str, list[PartitionData]]]
    error_code: int = 0
    throttle_time_ms: int = 0
    session_id: int = 0

    def encode_framed(self, correlation_id: int) -> bytearray | list:
        """The frame: one bytearray when every records field is bytes, else ``encode``'s parts."""
        parts = encode(self, correlation_id)
        return parts[0] if len(parts) == 1 else parts


def encode(response: FetchResponse, correlation_id: int) -> list:
    """The framed response as a list of parts: bytes, and the records objects that are not bytes, in order."""
    version = response.version
    if not 0 <= version <= MAX_VERSION:
        raise ValueError(f"Fetch v{version} is not written by hand")
    usual = _PLAIN_V5.pack if version >= 5 else None  # the partition of today's clients, in one pack
    parts: list = []
    buf = bytearray(22 if version >= 7 else 16 if version >= 1 else 12)  # the head, filled in last
    size = 0
    for name, partitions in response.topics:
        buf += TOPIC_NAMES.get(name) or topic_name(name)
        buf += _INT32.pack(len(partitions))
        for p in partitions:
            records = p.records
            length = -1 if records is None else len(records)
            if usual is not None and p.aborted_transactions is None:
                buf += usual(p.partition_index, p.error_code, p.high_watermark, p.last_stable_offset, p.log_start_offset,
                             -1, length)
            else:
                buf += _partition(p, version, length)
            if length > 0:
                if isinstance(records, (bytes, bytearray, memoryview)):
                    buf += records
                else:
                    size += len(buf) + length
                    parts.append(buf)
                    parts.append(records)
                    buf = bytearray()
    parts.append(buf)
    first, total, count = parts[0], size + len(buf) - 4, len(response.topics)
    if version >= 7:
        _HEAD_V7.pack_into(first, 0, total, correlation_id, response.throttle_time_ms, response.error_code, response.session_id,
                           count)
    elif version >= 1:
        _HEAD_V1.pack_into(first, 0, total, correlation_id, response.throttle_time_ms, count)
    else:
        _HEAD_V0.pack_into(first, 0, total, correlation_id, count)
    return parts


def _partition(p: PartitionData, version: int, length: int) -> bytes:
    """A partition up to its records' bytes, at any version (``encode`` packs the usual one itself)."""
    aborted = p.aborted_transactions
    if version < 4:
        return _PLAIN_V0.pack(p.partition_index, p.error_code, p.high_watermark, length)
    if aborted is None:
        if version >= 5:
            return _PLAIN_V5.pack(p.partition_index, p.error_code, p.high_watermark, p.last_stable_offset,
                                  p.log_start_offset, -1, length)
        return _PLAIN_V4.pack(p.partition_index, p.error_code, p.high_watermark, p.last_stable_offset, -1, length)
    if version >= 5:
        out = _PARTITION_V5.pack(p.partition_index, p.error_code, p.high_watermark, p.last_stable_offset,
                                 p.log_start_offset, len(aborted))
    else:
        out = _PARTITION_V4.pack(p.partition_index, p.error_code, p.high_watermark, p.last_stable_offset, len(aborted))
    return out + b"".join(_ABORTED.pack(producer_id, first_offset) for producer_id, first_offset in aborted) + _INT32.pack(length)
