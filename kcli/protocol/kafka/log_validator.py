"""What the broker checks in a client's RecordBatch v2 before appending it (Kafka's LogValidator).

A Produce request carries one RecordBatch of magic 2 per partition (zstd
from v7 only), as Kafka's ``ProduceRequest.validateRecords`` requires. The
batch header (record_batch.py) is checked next: magic, CRC. Then, as
Kafka's ``LogValidator.validateBatch``, the header must agree with itself:
base offset 0, ``last_offset_delta + 1 == records_count > 0``, no control
batch from a client, a sequence number whenever there is a producer id.
Then the records, decompressed when the codec says so, are walked without
building a record object. Each record is (Kafka's ``DefaultRecord``; varints
are zigzag-encoded, as in protobuf)::

    length          varint   bytes after this field
    attributes      int8     unused
    timestamp_delta varlong  from the batch's base timestamp
    offset_delta    varint   from the batch's base offset
    key_length      varint   -1 for a null key
    key             bytes
    value_length    varint   -1 for a null value
    value           bytes
    header_count    varint
    headers         header_count × (key_length varint ≥ 0, key, value_length varint, value)

The walk checks what ``DefaultRecord.readFrom`` checks — every varint ends
within 5 bytes (10 for the varlong), every length fits the bytes left,
header counts are neither negative nor larger than the bytes left, each
record ends exactly ``length`` bytes after its length field — and that the
batch holds exactly ``records_count`` records. It also checks that each
record's offset delta is its index: Kafka rewrites a compressed batch whose
inner offsets are not 0, 1, 2, … and kcli appends batches byte for byte, so
it refuses one instead of storing offsets that contradict the header.

Codes, as Kafka answers them: ``INVALID_RECORD`` for a header that disagrees
with itself and for a record that does not parse (with the record's index in
``record_errors``, which Produce v8+ carries); ``CORRUPT_MESSAGE`` for an
unknown codec or compressed bytes that do not decompress. (Kafka itself lets
those two escape as an unexpected error, UNKNOWN_SERVER_ERROR.)

Cost: the walk is the only per-record work on the produce path. A batch of
records shaped alike (the same key and value lengths, no headers — what a
load generator or a steady producer sends) is checked by two passes of a
compiled regular expression, about 0.2 µs a record on a slow 2-core machine
(bench/record_walk.py); any other batch, and any batch that fails, takes the
Python walk (about 1 µs a record there), which decides.
"""

from __future__ import annotations

import re
import sys
import zlib

from kafka import codec as kafka_codec

from kcli.protocol.kafka.encoded import uvarint
from kcli.protocol.kafka.errors import ErrorCode
from kcli.protocol.kafka.record_batch import (
    ATTR_CODEC_MASK,
    HEADER_BYTES,
    BatchHeader,
    read_header,
    unpack_header,
)

CODEC_NONE, CODEC_GZIP, CODEC_SNAPPY, CODEC_LZ4, CODEC_ZSTD = range(5)
_PREMATURE_EOF = "Incorrect declared batch size, premature EOF reached"
_STRUCTURE = "Found invalid record structure"


class RecordValidationError(Exception):
    """A batch refused before anything is appended: the Kafka error code, a message, and the
    per-record errors ``[(batch_index, message)]`` Produce v8+ reports."""

    def __init__(self, code: ErrorCode, message: str, record_errors: list[tuple[int, str]] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.record_errors = record_errors or []


class _BadRecord(Exception):
    """Raised inside the walk; carries the message of the record being read."""


def validate_produce_records(records, version: int, first: BatchHeader | None = None) -> None:
    """Kafka's ProduceRequest.validateRecords, for one partition of a Produce request (v3+): a single
    RecordBatch of magic 2, and zstd only from v7. Batches cut short are left to the append, which
    refuses them whole. ``first`` is ``unpack_header(records)`` when the caller has it."""
    if first is None:
        first = unpack_header(records)
    if first is None:
        return
    if first.magic != 2:
        _invalid(f"Produce requests with version {version} are only allowed to contain record batches with magic version 2")
    if version < 7 and first.attributes & ATTR_CODEC_MASK == CODEC_ZSTD:
        raise RecordValidationError(
            ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
            f"Produce requests with version {version} are not allowed to use ZStandard compression",
        )
    if len(records) > first.size and read_header(records, first.size) is not None:
        _invalid(f"Produce requests with version {version} are only allowed to contain exactly one record batch per partition")


def validate_batch(buf, header: BatchHeader, topic_partition: str, compacted: bool = False) -> None:
    """Raise RecordValidationError unless the batch at ``header.position`` in ``buf`` may be appended.

    The CRC must already have been checked (record_batch.validate). On a ``compacted`` topic every
    record needs a key, as Kafka's LogValidator.validateKey requires.
    """
    _validate_header(header, topic_partition)
    codec = header.attributes & ATTR_CODEC_MASK
    start = header.position + HEADER_BYTES
    end = header.position + header.size
    records = buf
    if codec != CODEC_NONE:
        records = _decompress(codec, memoryview(buf)[start:end])
        start, end = 0, len(records)
    null_keys: list[int] | range = []
    try:
        count = header.records_count
        key_length = _fast_walk(records, start, end, count) if _FAST_MIN_RECORDS <= count <= _FAST_MAX_RECORDS else None
        if key_length is None:
            null_keys = _walk(records, start, end, header.records_count, compacted)
        elif compacted and key_length < 0:
            null_keys = range(header.records_count)
    except _Refused as exc:
        index, message = exc.args
        _refuse([(index, message)])
    if null_keys:
        message = f"Compacted topic cannot accept message without key in topic partition {topic_partition}"
        _refuse([(index, message) for index in null_keys])


def _refuse(errors: list[tuple[int, str]]) -> None:
    """Kafka's LogValidator.processRecordErrors: INVALID_RECORD naming the first three record errors."""
    shown = ", ".join(f"RecordError(batchIndex={index}, message='{message}')" for index, message in errors[:3])
    raise RecordValidationError(
        ErrorCode.INVALID_RECORD,
        f"One or more records have been rejected due to {len(errors)} record errors in total, and only showing the "
        f"first three errors at most: [{shown}]",
        errors,
    ) from None


def _validate_header(header: BatchHeader, tp: str) -> None:
    """Kafka's validateBatch for a client's append, and the base-offset rule of UnifiedLog."""
    if header.base_offset != 0:
        _invalid(f"The baseOffset of the record batch in the append to {tp} should be 0, but it is {header.base_offset}")
    count_from_offsets = header.last_offset_delta + 1
    if count_from_offsets <= 0:
        _invalid(f"Batch has an invalid offset range: [0, {header.last_offset_delta}] in topic partition {tp}")
    if header.records_count <= 0:
        _invalid(f"Invalid reported count for record batch: {header.records_count} in topic partition {tp}")
    if count_from_offsets != header.records_count:
        _invalid(
            f"Inconsistent batch offset range [0, {header.last_offset_delta}] and count of records "
            f"{header.records_count} in topic partition {tp}"
        )
    if header.is_control:
        _invalid(f"Clients are not allowed to write control records in topic partition {tp}")
    if header.producer_id >= 0 and header.base_sequence < 0:
        _invalid(
            f"Invalid sequence number {header.base_sequence} in record batch with producerId "
            f"{header.producer_id} in topic partition {tp}"
        )
    codec = header.attributes & ATTR_CODEC_MASK
    if codec > CODEC_ZSTD:
        raise RecordValidationError(ErrorCode.CORRUPT_MESSAGE, f"Unknown compression type id: {codec}")


def _invalid(message: str) -> None:
    raise RecordValidationError(ErrorCode.INVALID_RECORD, message)


# -- decompression -------------------------------------------------------------


def _decompress(codec: int, data: memoryview) -> bytes:
    """The records bytes of a compressed batch, with the codecs kcli depends on (as kafka-python's
    kafka.codec frames them: gzip members, xerial-framed or raw snappy, LZ4 frames, zstd frames)."""
    try:
        if codec == CODEC_GZIP:
            return _gunzip(data)
        raw = data.tobytes()
        if codec == CODEC_SNAPPY:
            return kafka_codec.snappy_decode(raw)
        if codec == CODEC_LZ4:
            return kafka_codec.lz4_decode(raw)
        return kafka_codec.zstd_decode(raw)
    except Exception as exc:  # noqa: BLE001 -- each codec library raises its own errors on bad input
        raise RecordValidationError(ErrorCode.CORRUPT_MESSAGE, f"Failed to decompress record stream: {exc}") from None


def _gunzip(data: memoryview) -> bytes:
    """Every gzip member in ``data`` (Java's GZIPInputStream reads concatenated members too)."""
    out = []
    rest = data.tobytes()
    while rest:
        d = zlib.decompressobj(wbits=31)
        out.append(d.decompress(rest))
        if not d.eof:
            raise ValueError("truncated gzip stream")
        rest = d.unused_data
    return b"".join(out)


# -- the walk ------------------------------------------------------------------


class _Refused(Exception):
    """(batch_index, message) of the first record that does not parse."""


def _varint(buf, pos: int, end: int, limit: int) -> tuple[int, int]:
    """A zigzag varint of at most ``limit`` bytes at ``pos``: (value, position after it)."""
    raw = shift = 0
    for _ in range(limit):
        if pos >= end:
            raise _BadRecord(_STRUCTURE)
        b = buf[pos]
        pos += 1
        raw |= (b & 0x7F) << shift
        if b < 0x80:
            if limit == 5:
                raw &= 0xFFFFFFFF  # Java's int: the fifth byte's high bits fall off
            return (raw >> 1) ^ -(raw & 1), pos
        shift += 7
    raise _BadRecord(_STRUCTURE)


def _walk(buf, pos: int, end: int, count: int, compacted: bool = False) -> list[int]:
    """Walk ``count`` records in ``buf[pos:end]``; raise _Refused at the first that does not parse.

    Returns the indexes of the records without a key when ``compacted`` (a negative key length:
    its zigzag varint's first byte is odd), else an empty list.

    Reads one- and two-byte varints inline (most are) and longer ones with _varint. It
    reads through a memoryview cut at ``end``, so running off the batch is an
    IndexError rather than a bounds check per field.
    """
    view = memoryview(buf)[pos:end]
    end = len(view)
    pos = index = 0
    null_keys: list[int] = []
    try:
        while index < count:
            if pos >= end:
                raise _BadRecord(_PREMATURE_EOF)
            b = view[pos]
            if b < 0x80:
                size = (b >> 1) ^ -(b & 1)
                pos += 1
            elif view[pos + 1] < 0x80:
                raw = (b & 0x7F) | (view[pos + 1] << 7)
                size = (raw >> 1) ^ -(raw & 1)
                pos += 2
            else:
                size, pos = _varint(view, pos, end, 5)
            if end - pos < size:
                raise _BadRecord(
                    f"Invalid record size: expected {size} bytes in record payload, but instead the buffer "
                    f"has only {end - pos} remaining bytes."
                )
            start = pos
            pos += 1  # attributes
            if view[pos] < 0x80:  # timestamp delta, a varlong: only its extent matters
                pos += 1
            elif view[pos + 1] < 0x80:
                pos += 2
            else:
                _, pos = _varint(view, pos, end, 10)
            b = view[pos]
            if b < 0x80:
                offset_delta = (b >> 1) ^ -(b & 1)
                pos += 1
            elif view[pos + 1] < 0x80:
                raw = (b & 0x7F) | (view[pos + 1] << 7)
                offset_delta = (raw >> 1) ^ -(raw & 1)
                pos += 2
            else:
                offset_delta, pos = _varint(view, pos, end, 5)
            if offset_delta != index:
                raise _BadRecord(f"Invalid offset delta {offset_delta} of the record at batch index {index}: expected {index}")
            b = view[pos]  # key length
            if compacted and b & 1:
                null_keys.append(index)
            if b < 0x80:
                pos += 1 + ((b >> 1) if not b & 1 else 0)
            elif view[pos + 1] < 0x80:
                raw = (b & 0x7F) | (view[pos + 1] << 7)
                pos += 2 + ((raw >> 1) if not raw & 1 else 0)
            else:
                length, pos = _varint(view, pos, end, 5)
                pos += max(length, 0)
            b = view[pos]  # value length
            if b < 0x80:
                pos += 1 + ((b >> 1) if not b & 1 else 0)
            elif view[pos + 1] < 0x80:
                raw = (b & 0x7F) | (view[pos + 1] << 7)
                pos += 2 + ((raw >> 1) if not raw & 1 else 0)
            else:
                length, pos = _varint(view, pos, end, 5)
                pos += max(length, 0)
            b = view[pos]
            if b == 0:
                pos += 1
            else:
                pos = _headers(view, pos, end)
            if pos - start != size:
                raise _BadRecord(
                    f"Invalid record size: expected to read {size} bytes in record payload, but instead read {pos - start}"
                )
            index += 1
    except IndexError:
        raise _Refused(index, _STRUCTURE) from None
    except _BadRecord as exc:
        raise _Refused(index, str(exc)) from None
    if pos != end:
        raise _Refused(count, "Incorrect declared batch size, records still remaining in file")
    return null_keys


def _headers(view, pos: int, end: int) -> int:
    """Walk a record's header count and headers at ``pos``; returns the position after them."""
    headers, pos = _varint(view, pos, end, 5)
    if headers < 0:
        raise _BadRecord(f"Found invalid number of record headers {headers}")
    if headers > end - pos:
        raise _BadRecord(f"Found invalid number of record headers. {headers} is larger than the remaining size of the buffer")
    for _ in range(headers):
        length, pos = _varint(view, pos, end, 5)
        if length < 0:
            raise _BadRecord(f"Invalid negative header key size {length}")
        length, pos = _varint(view, pos + length, end, 5)
        pos += max(length, 0)
    return pos


# -- the fast path: batches of records shaped alike ----------------------------
#
# One record of a given key length k and value length v, with no headers, is
#   LEN  attributes  TS(t bytes)  OD(o bytes)  KEYLEN KEY  VALUELEN VALUE  0x00
# where LEN = 1 + t + o + (the fixed tail), so LEN decides t + o. A pattern
# with one branch per (t, o) checks a whole batch in C; a second, simpler
# pattern collects the offset deltas, compared with 0, 1, 2, … in one list
# comparison. Anything the patterns do not accept goes to the Python walk.

_FAST_MIN_RECORDS = 16
_FAST_MAX_RECORDS = 1 << 15
_TS_BYTES = range(1, 5)  # timestamp deltas within ±2^27 ms
_OD_BYTES = range(1, 4)  # offset deltas below 2^20
_POSSESSIVE = "*+" if sys.version_info >= (3, 11) else "*"
_patterns: dict[tuple[int, int], tuple[re.Pattern, re.Pattern]] = {}
_offset_deltas: list[bytes] = []


def zigzag_varint(n: int) -> bytes:
    """``n`` as a record's varint (zig-zag, then 7 bits a byte, low first): the framing this module walks."""
    return uvarint((n << 1) ^ (n >> 63))


def _compile(key_length: int, value_length: int) -> tuple[re.Pattern, re.Pattern]:
    tail = re.escape(zigzag_varint(key_length)) + (b".{%d}" % key_length if key_length > 0 else b"")
    tail += re.escape(zigzag_varint(value_length)) + (b".{%d}" % value_length if value_length > 0 else b"")
    tail += b"\\x00"
    tail_bytes = len(zigzag_varint(key_length)) + max(key_length, 0) + len(zigzag_varint(value_length)) + max(value_length, 0) + 1
    branches = []
    for t in _TS_BYTES:
        for o in _OD_BYTES:
            ts = b"[\\x80-\\xff]{%d}[\\x00-\\x7f]" % (t - 1)
            od = b"[\\x80-\\xff]{%d}[\\x00-\\x7f]" % (o - 1)
            branches.append(re.escape(zigzag_varint(1 + t + o + tail_bytes)) + b"." + ts + od)
    record = b"(?:" + b"|".join(branches) + b")" + tail
    whole = re.compile(b"(?:" + record + b")" + _POSSESSIVE.encode(), re.DOTALL)
    deltas = re.compile(
        b"[\\x80-\\xff]{0,4}[\\x00-\\x7f].[\\x80-\\xff]{0,9}[\\x00-\\x7f]([\\x80-\\xff]{0,4}[\\x00-\\x7f]).{%d}" % tail_bytes,
        re.DOTALL,
    )
    return whole, deltas


def _fast_walk(buf, pos: int, end: int, count: int) -> int | None:
    """The records' common key length (-1: null keys) if the batch is records shaped alike and every
    one is well formed; None means "ask _walk"."""
    if count < _FAST_MIN_RECORDS or count > _FAST_MAX_RECORDS:
        return None
    try:
        _, p = _varint(buf, pos, end, 5)
        _, p = _varint(buf, p + 1, end, 10)
        _, p = _varint(buf, p, end, 5)
        key_length, p = _varint(buf, p, end, 5)
        p += max(key_length, 0)
        value_length, p = _varint(buf, p, end, 5)
        p += max(value_length, 0)
        if p >= end or buf[p] != 0:
            return None
    except _BadRecord:
        return None
    shape = (key_length, value_length)
    patterns = _patterns.get(shape)
    if patterns is None:
        if len(_patterns) >= 64:
            _patterns.clear()
        patterns = _patterns[shape] = _compile(*shape)
    whole, deltas = patterns
    view = memoryview(buf)[pos:end]
    if whole.fullmatch(view) is None:
        return None
    found = deltas.findall(view)
    if len(found) == count and found == _expected_offset_deltas(count)[:count]:
        return key_length
    return None


def _expected_offset_deltas(count: int) -> list[bytes]:
    """The varints of 0, 1, 2, … (at least ``count`` of them), built once per power of two and swapped
    in whole, so brokers on several threads of one process never see a half-built list."""
    global _offset_deltas
    expected = _offset_deltas
    if len(expected) < count:
        expected = _offset_deltas = [zigzag_varint(i) for i in range(1 << (count - 1).bit_length())]
    return expected
