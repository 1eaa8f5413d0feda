"""ListOffsets' hand-written v1+ encoding, byte for byte against kafka-python's ListOffsetsResponse."""

import pytest
from kafka.protocol.consumer import ListOffsetsResponse

from kcli.broker.handlers import list_offsets
from kcli.protocol.kafka.encoded import EncodedResponse

_Topic = ListOffsetsResponse.ListOffsetsTopicResponse
_Partition = _Topic.ListOffsetsPartitionResponse

TOPICS = [
    ("orders", [(0, 0, -1, 42), (1, 0, 1_700_000_000_123, 7), (7, 3, -1, -1), (2, 2, -1, -1)]),
    ("caf\u00e9", [(0, 35, -1, -1)]),
    ("x" * 200, [(i, 0, -1, 1 << 40) for i in range(130)]),  # past one varint byte of lengths
    ("empty", []),
]


@pytest.mark.parametrize("version", range(1, list_offsets.ADVERTISED[1] + 1))
def test_encoding_is_kafka_pythons(version):
    response = ListOffsetsResponse(version=version, throttle_time_ms=0, topics=[
        _Topic(name=name, partitions=[
            _Partition(partition_index=i, error_code=code, timestamp=ts, offset=offset, leader_epoch=-1)
            for i, code, ts, offset in partitions
        ])
        for name, partitions in TOPICS
    ])
    response.with_header(correlation_id=123456)
    ours = EncodedResponse(version, list_offsets.encode(version, TOPICS), flexible=version >= list_offsets.FLEXIBLE)
    ours.with_header(correlation_id=123456)
    assert ours.encode(header=True, framed=True) == bytes(response.encode(header=True, framed=True))
