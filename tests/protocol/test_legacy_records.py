"""Message sets of magic 0/1 ↔ magic-2 batches: keys, values, timestamps and offsets survive both ways,
for every codec a pre-0.11 producer uses."""

from __future__ import annotations

import gzip
import struct
import zlib

import pytest
from kafka.record.default_records import DefaultRecordBatch
from kafka.record.legacy_records import LegacyRecordBatch, LegacyRecordBatchBuilder
from kafka.record.memory_records import MemoryRecords

from kcli.protocol.kafka import legacy_records
from tests.wire_requests import message_set, record_batch

NONE, GZIP, SNAPPY, LZ4 = 0, 1, 2, 3
T0 = 1_700_000_000_000


def _legacy_messages(data: bytes):
    """(offset, timestamp, key, value, magic) of every message of a message set, inner messages unwrapped."""
    out = []
    pos = 0
    while pos < len(data):
        _, size = struct.unpack_from(">qi", data, pos)
        message = data[pos:pos + 12 + size]
        batch = LegacyRecordBatch(message, message[16])
        assert batch.validate_crc()
        out += [(r.offset, r.timestamp, r.key, r.value, message[16]) for r in batch]
        pos += 12 + size
    return out


def _with_base(batch: bytes, base: int) -> bytes:
    out = bytearray(batch)
    struct.pack_into(">q", out, 0, base)
    return bytes(out)


@pytest.mark.parametrize("codec", [NONE, GZIP, SNAPPY, LZ4])
@pytest.mark.parametrize("magic", [0, 1])
def test_a_message_set_becomes_one_batch_with_its_codec_keys_values_and_timestamps(magic, codec):
    values = [b"v%d" % i + b"x" * 200 for i in range(5)]  # compressible: kafka-python keeps a batch that does not shrink uncompressed
    batch = DefaultRecordBatch(legacy_records.to_record_batch(message_set(values, magic, codec, timestamp_ms=T0)))
    assert batch.validate_crc()
    assert batch.compression_type == codec
    records = list(batch)
    assert [(r.offset, r.key, r.value) for r in records] == [(i, b"k%d" % i, values[i]) for i in range(5)]
    assert [r.timestamp for r in records] == ([-1] * 5 if magic == 0 else [T0 + i for i in range(5)])


@pytest.mark.parametrize("codec", [NONE, GZIP, SNAPPY, LZ4])
@pytest.mark.parametrize("magic", [0, 1])
def test_batches_down_convert_to_messages_at_their_offsets(magic, codec):
    values = [c * 200 for c in (b"a", b"b", b"c")]
    stored = _with_base(record_batch(values, compression=codec, timestamp_ms=T0), 40)
    assert DefaultRecordBatch(stored).compression_type == codec
    data = legacy_records.down_convert(stored, magic, fetch_offset=40)
    assert data[17] & 0x07 == codec  # one wrapper carrying the batch's codec (or plain messages)
    expected_ts = [None] * 3 if magic == 0 else [T0, T0 + 1, T0 + 2]
    assert _legacy_messages(data) == [(40 + i, expected_ts[i], b"k%d" % i, v, magic) for i, v in enumerate(values)]
    # kafka-python's own reader (an old consumer's) sees the same offsets
    reader = MemoryRecords(data)
    seen = []
    while (b := reader.next_batch()) is not None:
        seen += [r.offset for r in b]
    assert seen == [40, 41, 42]


def test_an_uncompressed_batch_down_converts_from_the_fetch_offset():
    stored = _with_base(record_batch([b"a", b"b", b"c"]), 10)
    assert [m[0] for m in _legacy_messages(legacy_records.down_convert(stored, 1, fetch_offset=11))] == [11, 12]


def test_a_message_set_that_fails_its_crc_is_refused():
    data = bytearray(message_set([b"x"], 1))
    data[-1] ^= 0xFF
    with pytest.raises(legacy_records.LegacyFormatError, match="CRC"):
        legacy_records.to_record_batch(bytes(data))


def test_a_message_set_cut_short_is_refused():
    with pytest.raises(legacy_records.LegacyFormatError):
        legacy_records.to_record_batch(message_set([b"x", b"y"], 0)[:-3])


def test_fetch_versions_map_to_magics():
    assert [legacy_records.magic_for_fetch(v) for v in range(6)] == [0, 0, 1, 1, 2, 2]


def test_a_compressed_message_whose_inner_message_fails_its_crc_is_refused():
    inner = bytearray(message_set([b"x" * 50, b"y" * 50], 1))
    inner[-1] ^= 0xFF  # the second inner message's value, under its CRC
    builder = LegacyRecordBatchBuilder(magic=1, compression_type=0, batch_size=1 << 20)
    builder.append(0, timestamp=T0, key=None, value=gzip.compress(bytes(inner)))
    wrapper = bytearray(builder.build())
    wrapper[17] |= GZIP  # mark the wrapper gzip-compressed, then fix its own CRC
    struct.pack_into(">I", wrapper, 12, zlib.crc32(bytes(wrapper[16:])) & 0xFFFFFFFF)
    with pytest.raises(legacy_records.LegacyFormatError, match="inside the wrapper"):
        legacy_records.to_record_batch(bytes(wrapper))


def test_a_zstd_batch_ends_a_down_converted_set_and_refuses_one_that_starts_with_it():
    ZSTD = 4
    plain = _with_base(record_batch([b"a"]), 0)
    zstd = _with_base(record_batch([b"z" * 300], compression=ZSTD), 1)
    assert DefaultRecordBatch(zstd).compression_type == ZSTD
    assert [m[0] for m in _legacy_messages(legacy_records.down_convert(plain + zstd, 1, 0))] == [0]
    with pytest.raises(legacy_records.ZstdNotDownConvertible):
        legacy_records.down_convert(zstd, 1, 1)


@pytest.mark.parametrize("codec", [GZIP, SNAPPY, LZ4, 4, 7])
def test_a_wrapper_whose_value_is_not_its_codecs_format_is_refused(codec):
    builder = LegacyRecordBatchBuilder(magic=1, compression_type=0, batch_size=1 << 20)
    builder.append(0, timestamp=T0, key=None, value=b"\x00not compressed at all\xff" * 3)
    wrapper = bytearray(builder.build())
    wrapper[17] |= codec
    struct.pack_into(">I", wrapper, 12, zlib.crc32(bytes(wrapper[16:])) & 0xFFFFFFFF)
    with pytest.raises(legacy_records.LegacyFormatError, match="does not decode"):
        legacy_records.to_record_batch(bytes(wrapper))
