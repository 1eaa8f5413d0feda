"""log_validator: the regex fast path accepts nothing the Python walk refuses; valid shapes of every kind pass."""

import random
import struct

import crc32c
import pytest
from kafka.record.default_records import DefaultRecordBatchBuilder

from kcli.protocol.kafka import log_validator, record_batch
from kcli.protocol.kafka.errors import ErrorCode


def build(n, key=None, value_length=100, headers=(), codec=0, vary=False):
    builder = DefaultRecordBatchBuilder(
        magic=2, compression_type=codec, is_transactional=False, producer_id=-1, producer_epoch=-1, base_sequence=-1,
        batch_size=1 << 24,
    )
    for i in range(n):
        value = None if value_length is None else b"v" * (value_length + (i % 3 if vary else 0))
        builder.append(i, timestamp=1_700_000_000_000 + i * 37, key=key, value=value, headers=list(headers))
    batch = bytearray(builder.build())
    assert batch[22] & record_batch.ATTR_CODEC_MASK == codec
    return batch


def check(batch):
    header = record_batch.read_header(batch)
    log_validator.validate_batch(batch, header, "t-0")


@pytest.mark.parametrize(
    "batch",
    [
        build(1), build(200), build(100, key=b"k" * 7), build(100, value_length=None), build(100, value_length=0),
        build(100, vary=True), build(30, headers=[("a", b"1"), ("b", None)]), build(9000),
        build(100, codec=1), build(100, codec=2), build(100, codec=3), build(100, codec=4),
    ],
    ids=["one", "alike", "keyed", "null-values", "empty-values", "varied", "headers", "offset-deltas-of-3-bytes",
         "gzip", "snappy", "lz4", "zstd"],
)
def test_valid_batches_pass(batch):
    check(batch)


def test_fast_path_accepts_nothing_the_walk_refuses():
    rng = random.Random(7)
    good = build(40)
    start, end, count = record_batch.HEADER_BYTES, len(good), 40
    assert log_validator._fast_walk(good, start, end, count) is not None
    fast_accepted = 0
    for _ in range(3000):
        mutated = bytearray(good)
        for _ in range(rng.randint(1, 3)):
            mutated[rng.randrange(start, end)] = rng.choice((0x00, 0x01, 0x02, 0x7F, 0x80, 0xC8, 0xFF, rng.randrange(256)))
        key_length = log_validator._fast_walk(mutated, start, end, count)
        if key_length is not None:
            fast_accepted += 1
            null_keys = log_validator._walk(mutated, start, end, count, compacted=True)  # must not raise _Refused
            assert null_keys == (list(range(count)) if key_length < 0 else [])  # both paths find the same null keys
    assert fast_accepted  # mutations inside values and timestamps stay valid, and take the fast path


def test_a_record_that_does_not_parse_is_named_by_its_index():
    batch = build(50)
    header = record_batch.read_header(batch)
    struct.pack_into(">B", batch, len(batch) - 1, 0x01)  # the last record's header count: -1
    struct.pack_into(">I", batch, 17, crc32c.crc32c(bytes(batch[21:])))
    with pytest.raises(log_validator.RecordValidationError) as info:
        log_validator.validate_batch(batch, header, "t-0")
    assert info.value.code is ErrorCode.INVALID_RECORD
    assert info.value.record_errors == [(49, "Found invalid number of record headers -1")]


def _mixed_keys(n, null_every):
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False, producer_id=-1,
                                        producer_epoch=-1, base_sequence=-1, batch_size=1 << 24)
    for i in range(n):
        builder.append(i, timestamp=1_700_000_000_000, key=None if i % null_every == 0 else b"k%d" % i, value=b"v", headers=[])
    return bytearray(builder.build())


@pytest.mark.parametrize(
    ("batch", "nulls"),
    [(build(1), [0]), (build(200), list(range(200))), (_mixed_keys(10, 4), [0, 4, 8]), (build(100, codec=1), list(range(100)))],
    ids=["one", "alike-fast-path", "some-null-keys", "gzip"],
)
def test_compacted_topic_refuses_records_without_key(batch, nulls):
    header = record_batch.read_header(batch)
    log_validator.validate_batch(batch, header, "t-0")  # fine on a topic that is not compacted
    with pytest.raises(log_validator.RecordValidationError) as caught:
        log_validator.validate_batch(batch, header, "t-0", compacted=True)
    error = caught.value
    message = "Compacted topic cannot accept message without key in topic partition t-0"
    assert error.code == ErrorCode.INVALID_RECORD
    assert error.record_errors == [(i, message) for i in nulls]
    shown = ", ".join(f"RecordError(batchIndex={i}, message='{message}')" for i in nulls[:3])
    assert error.message == (
        f"One or more records have been rejected due to {len(nulls)} record errors in total, "
        f"and only showing the first three errors at most: [{shown}]"
    )


@pytest.mark.parametrize("batch", [build(1, key=b""), build(200, key=b"k"), build(30, key=b"k" * 200, vary=True)])
def test_compacted_topic_accepts_keyed_records(batch):
    log_validator.validate_batch(batch, record_batch.read_header(batch), "t-0", compacted=True)
