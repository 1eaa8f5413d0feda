"""ListOffsets over raw frames: each special timestamp from the version Kafka accepts it in, UNSUPPORTED_VERSION before."""

import pytest
from kafka.protocol.consumer import ListOffsetsRequest, ListOffsetsResponse
from kafka.record.memory_records import MemoryRecordsBuilder

from kcli.protocol.kafka.errors import ErrorCode
from tests.broker.test_wire import Wire, create, produce

_Topic = ListOffsetsRequest.ListOffsetsTopic
_Partition = _Topic.ListOffsetsPartition


def stamped(*stamps):
    builder = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 20)
    for ts in stamps:
        builder.append(timestamp=ts, key=None, value=b"v", headers=[])
    builder.close()
    return bytes(builder.buffer())


def list_offsets(wire, topic, timestamp, version, partition=0):
    request = ListOffsetsRequest(replica_id=-1, isolation_level=0, topics=[_Topic(name=topic, partitions=[
        _Partition(partition_index=partition, current_leader_epoch=-1, timestamp=timestamp)])])
    answer = wire.call(request, ListOffsetsResponse, version).topics[0].partitions[0]
    return ErrorCode(answer.error_code), answer.offset, answer.timestamp


@pytest.fixture
def wire(broker):
    wire = Wire(broker)
    assert create(wire, "stamps").error_code == 0
    for stamps in ((100, 300), (200,), (900, 400), (500,)):  # offsets 0-5; 900 is the largest, at offset 3
        assert produce(wire, "stamps", stamped(*stamps)).error_code == 0
    return wire


@pytest.mark.parametrize(
    ("timestamp", "version", "expected"),
    [
        (-2, 1, (ErrorCode.NONE, 0, -1)),
        (-1, 1, (ErrorCode.NONE, 6, -1)),
        (250, 1, (ErrorCode.NONE, 1, 300)),
        (901, 9, (ErrorCode.NONE, -1, -1)),
        (-3, 6, (ErrorCode.UNSUPPORTED_VERSION, -1, -1)),
        (-3, 7, (ErrorCode.NONE, 3, 900)),
        (-4, 7, (ErrorCode.UNSUPPORTED_VERSION, -1, -1)),
        (-4, 8, (ErrorCode.NONE, 0, -1)),  # earliest-local: no tiered storage, so the log start offset
        (-5, 8, (ErrorCode.UNSUPPORTED_VERSION, -1, -1)),
        (-5, 9, (ErrorCode.NONE, -1, -1)),  # latest-tiered without remote storage, as Kafka
        (-6, 9, (ErrorCode.UNSUPPORTED_VERSION, -1, -1)),
    ],
)
def test_special_timestamps_by_version(wire, timestamp, version, expected):
    assert list_offsets(wire, "stamps", timestamp, version) == expected


def test_an_unknown_partition_and_an_empty_log(wire):
    assert list_offsets(wire, "stamps", -3, 7, partition=5) == (ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1)
    assert create(wire, "empty").error_code == 0
    assert list_offsets(wire, "empty", -3, 9) == (ErrorCode.NONE, -1, -1)
    assert list_offsets(wire, "empty", 0, 9) == (ErrorCode.NONE, -1, -1)
