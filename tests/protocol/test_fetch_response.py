"""The hand-written Fetch response envelope (kcli/protocol/kafka/fetch_response.py) against kafka-python's
FetchResponse encoder, byte for byte, at every version the broker serves."""

from __future__ import annotations

import pytest
from kafka.protocol.consumer import FetchResponse as KafkaPythonFetchResponse

from kcli.broker.handlers import fetch
from kcli.protocol.kafka import encoded, fetch_response
from kcli.protocol.kafka.fetch_response import FetchResponse, PartitionData

_Topic = KafkaPythonFetchResponse.FetchableTopicResponse
_Partition = _Topic.PartitionData
_Aborted = _Partition.AbortedTransaction


class _Slice:
    """Records the writer supplies later (a file range): only a length here."""

    def __init__(self, data: bytes):
        self.data = data

    def __len__(self) -> int:
        return len(self.data)


def _cases():
    batch = bytes(range(256)) * 3
    partial = batch + batch[:100]  # a range ending inside a batch, as LogSegment.read returns one
    return [
        [],
        [("t", [])],
        [("t", [PartitionData(0, 0, 0, 0, 0, None, b"")])],
        [
            ("topic-\u00e9", [
                PartitionData(0, 0, 1234567890123, 17, 3, None, _Slice(partial)),
                PartitionData(1, 1, -1, -1, -1, None, b""),
                PartitionData(2, 0, 9, 9, 0, [], batch),
                PartitionData(7, 0, 42, 40, 0, [(1000, 5), (2**62, 2**40)], _Slice(batch)),
            ]),
            ("other", [PartitionData(3, 0, 5, 5, 0, [(1, 2)], _Slice(b"x")), PartitionData(4, 3, 5, 5, 0, None, None)]),
        ],
    ]


def _kafka_python(version: int, topics, correlation_id: int, error_code: int, session_id: int) -> bytes:
    response = KafkaPythonFetchResponse(
        version=version, throttle_time_ms=7, error_code=error_code, session_id=session_id,
        responses=[
            _Topic(topic=name, partitions=[
                _Partition(
                    partition_index=p.partition_index, error_code=p.error_code, high_watermark=p.high_watermark,
                    last_stable_offset=p.last_stable_offset, log_start_offset=p.log_start_offset,
                    aborted_transactions=None if p.aborted_transactions is None
                    else [_Aborted(producer_id=a, first_offset=b) for a, b in p.aborted_transactions],
                    preferred_read_replica=-1,
                    records=p.records.data if isinstance(p.records, _Slice) else p.records,
                )
                for p in partitions
            ])
            for name, partitions in topics
        ],
    )
    response.with_header(correlation_id=correlation_id)
    return bytes(response.encode(header=True, framed=True))


@pytest.mark.parametrize("version", range(fetch.ADVERTISED[0], fetch.ADVERTISED[1] + 1))
@pytest.mark.parametrize("case", range(len(_cases())))
def test_the_envelope_with_its_records_spliced_in_equals_kafka_pythons_encoding(version, case):
    topics = _cases()[case]
    parts = fetch_response.encode(FetchResponse(version, topics, error_code=0 if case else 5, throttle_time_ms=7, session_id=case),
                                  2**31 - 1 - case)
    spliced = b"".join(part.data if isinstance(part, _Slice) else bytes(part) for part in parts)
    assert spliced == _kafka_python(version, topics, 2**31 - 1 - case, 0 if case else 5, case)
    assert all(isinstance(part, (bytearray, _Slice)) for part in parts)
    assert sum(isinstance(part, _Slice) for part in parts) == sum(
        isinstance(p.records, _Slice) and len(p.records) > 0 for _, ps in topics for p in ps)


def test_a_version_it_does_not_write_is_refused():
    with pytest.raises(ValueError):
        fetch_response.encode(FetchResponse(fetch_response.MAX_VERSION + 1, []), 1)


def test_a_response_whose_records_are_all_bytes_is_one_frame():
    response = FetchResponse(10, [("t", [PartitionData(0, 0, 5, 5, 0, None, b"abc")])])
    assert response.encode_framed(3) == fetch_response.encode(response, 3)[0]
    assert isinstance(FetchResponse(10, [("t", [PartitionData(0, 0, 5, 5, 0, None, _Slice(b"abc"))])]).encode_framed(3), list)


def test_the_remembered_topic_names_are_bounded_and_each_response_names_its_own(monkeypatch):
    monkeypatch.setattr(encoded, "TOPIC_NAMES_KEPT", 2)
    encoded.TOPIC_NAMES.clear()
    for i in range(5):
        topics = [(f"topic-{i}", [PartitionData(0, 0, i, i, 0, None, b"")]), ("caf\u00e9", [])]
        framed = fetch_response.encode(FetchResponse(10, topics, throttle_time_ms=7), i)[0]
        assert bytes(framed) == _kafka_python(10, topics, i, 0, 0)
        assert len(encoded.TOPIC_NAMES) <= 2
