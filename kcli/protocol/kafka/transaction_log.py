"""Records of ``__transaction_state`` and the control records of transaction markers, in Kafka's schemas.

``__transaction_state`` (Kafka's TransactionLog; neither schema is on the wire, so
kafka-python does not ship them):

* key v0 — ``version:int16=0, transactional_id:string``;
* value v0 — ``version:int16=0, producer_id:int64, producer_epoch:int16,
  transaction_timeout_ms:int32, transaction_status:int8,
  transaction_partitions:nullable array of (topic:string, partition_ids:array of int32),
  transaction_last_update_timestamp_ms:int64, transaction_start_timestamp_ms:int64``.
  Status bytes are TransactionState ids: Empty 0, Ongoing 1, PrepareCommit 2,
  PrepareAbort 3, CompleteCommit 4, CompleteAbort 5, Dead 6, PrepareEpochFence 7.

A control record (Kafka's ControlRecordType / EndTransactionMarker): key
``version:int16=0, type:int16`` (0 ABORT, 1 COMMIT), value ``version:int16=0,
coordinator_epoch:int32``, alone in a batch whose attributes carry the
transactional (0x10) and control (0x20) bits, the producer's id and epoch,
and base sequence -1.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.util import calc_crc32c

ABORT, COMMIT = 0, 1
KEY_VERSION = VALUE_VERSION = 0

_I8, _I16, _I32, _I64 = struct.Struct(">b"), struct.Struct(">h"), struct.Struct(">i"), struct.Struct(">q")
_CONTROL_KEY = struct.Struct(">hh")
_MARKER_VALUE = struct.Struct(">hi")
_ATTRIBUTES_AT, _CRC_AT = 21, 17


class InvalidRecord(ValueError):
    """A key or value that does not follow the schemas."""


@dataclass(frozen=True)
class TransactionValue:
    producer_id: int
    producer_epoch: int
    timeout_ms: int
    status: int
    partitions: tuple[tuple[str, int], ...]
    last_update_ms: int
    start_ms: int


def encode_key(transactional_id: str) -> bytes:
    raw = transactional_id.encode()
    return _I16.pack(KEY_VERSION) + _I16.pack(len(raw)) + raw


def decode_key(data: bytes) -> str:
    try:
        (version,) = _I16.unpack_from(data, 0)
        (length,) = _I16.unpack_from(data, 2)
    except struct.error:
        raise InvalidRecord("short key") from None
    if version != KEY_VERSION or len(data) < 4 + length:
        raise InvalidRecord(f"key version {version}")
    return data[4 : 4 + length].decode()


def encode_value(v: TransactionValue) -> bytes:
    out = [_I16.pack(VALUE_VERSION), _I64.pack(v.producer_id), _I16.pack(v.producer_epoch), _I32.pack(v.timeout_ms), _I8.pack(v.status)]
    by_topic: dict[str, list[int]] = {}
    for topic, partition in v.partitions:
        by_topic.setdefault(topic, []).append(partition)
    out.append(_I32.pack(len(by_topic)))
    for topic, partitions in by_topic.items():
        raw = topic.encode()
        out += [_I16.pack(len(raw)), raw, _I32.pack(len(partitions))]
        out += [_I32.pack(p) for p in sorted(partitions)]
    out += [_I64.pack(v.last_update_ms), _I64.pack(v.start_ms)]
    return b"".join(out)


def decode_value(data: bytes) -> TransactionValue:
    try:
        version, pid, epoch, timeout, status = struct.unpack_from(">hqhib", data, 0)
        if version not in (0, 1):
            raise InvalidRecord(f"value version {version}")
        pos = 17
        (count,) = _I32.unpack_from(data, pos)
        pos += 4
        partitions = []
        for _ in range(max(count, 0)):
            (length,) = _I16.unpack_from(data, pos)
            topic = data[pos + 2 : pos + 2 + length].decode()
            pos += 2 + length
            (n,) = _I32.unpack_from(data, pos)
            pos += 4
            for _ in range(n):
                partitions.append((topic, _I32.unpack_from(data, pos)[0]))
                pos += 4
        last_update, start = struct.unpack_from(">qq", data, pos)
    except struct.error:
        raise InvalidRecord("short value") from None
    return TransactionValue(pid, epoch, timeout, status, tuple(partitions), last_update, start)


def control_batch(producer_id: int, producer_epoch: int, commit: bool, coordinator_epoch: int, now_ms: int) -> bytes:
    """One marker batch at base offset 0 (the partition assigns the real one)."""
    builder = DefaultRecordBatchBuilder(2, 0, True, producer_id, producer_epoch, -1, batch_size=1 << 20)
    key = _CONTROL_KEY.pack(0, COMMIT if commit else ABORT)
    builder.append(0, timestamp=now_ms, key=key, value=_MARKER_VALUE.pack(0, coordinator_epoch), headers=[])
    data = bytearray(builder.build())
    (attributes,) = _I16.unpack_from(data, _ATTRIBUTES_AT)
    _I16.pack_into(data, _ATTRIBUTES_AT, attributes | 0x30)
    struct.pack_into(">I", data, _CRC_AT, calc_crc32c(bytes(data[_ATTRIBUTES_AT:])))
    return bytes(data)


def control_type(batch: bytes) -> int | None:
    """ABORT or COMMIT from a control batch's only record (uncompressed, as brokers write them); None if unreadable."""
    from kafka.record.default_records import DefaultRecordBatch

    try:
        for record in DefaultRecordBatch(batch):
            key = record.key
            if key is not None and len(key) >= 4:
                return _CONTROL_KEY.unpack_from(key, 0)[1]
            return None
    except Exception:  # a torn batch: the caller treats it as no marker
        return None
    return None
