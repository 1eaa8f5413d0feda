"""produce_codec against kafka-python's ProduceRequest/ProduceResponse, byte for byte, every version kcli serves (v0–v8)."""

import pytest
from kafka.protocol.producer import ProduceRequest, ProduceResponse

from kcli.broker.handlers import produce
from kcli.protocol.kafka import frame, produce_codec
from tests.wire_requests import message_set, record_batch

VERSIONS = range(produce.ADVERTISED[0], produce.ADVERTISED[1] + 1)
T = ProduceRequest.TopicProduceData
P = T.PartitionProduceData


def _frame(request) -> bytes:
    request.with_header(correlation_id=42, client_id="codec-test")
    return bytes(request.encode(header=True))  # unframed: what the server hands to decode


def _requests(version: int):
    records = record_batch([b"a", b"bb"]) if version >= 3 else message_set([b"a", b"bb"], magic=min(version, 1))
    yield ProduceRequest(version=version, transactional_id=None, acks=1, timeout_ms=30000,
                         topic_data=[T(name="t", partition_data=[P(index=0, records=records)])])
    yield ProduceRequest(version=version, transactional_id="txn-\u00e9", acks=-1, timeout_ms=-5, topic_data=[
        T(name="first", partition_data=[P(index=0, records=records), P(index=7, records=None), P(index=2, records=b"")]),
        T(name="s\u00e9cond", partition_data=[]),
        T(name="", partition_data=[P(index=-1, records=records + records)]),
    ])
    yield ProduceRequest(version=version, transactional_id=None, acks=0, timeout_ms=0, topic_data=[])


def _as_dict(request) -> dict:
    return {
        "transactional_id": request.transactional_id, "acks": request.acks, "timeout_ms": request.timeout_ms,
        "topic_data": [(t.name, [(p.index, None if p.records is None else bytes(p.records)) for p in t.partition_data])
                       for t in request.topic_data],
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_the_request_decodes_as_kafka_python_decodes_it(version):
    for request in _requests(version):
        data = _frame(request)
        head = frame.peek_head(data)
        ours = produce.decode_body(data, head)
        theirs = ProduceRequest.decode(data, version=version, header=True)
        expected = _as_dict(theirs)
        if version < 3:
            expected["transactional_id"] = None  # not on the wire before v3
        assert _as_dict(ours) == expected


@pytest.mark.parametrize("version", VERSIONS)
def test_records_are_views_into_the_received_frame(version):
    data = _frame(next(_requests(version)))
    records = produce.decode_body(data, frame.peek_head(data)).topic_data[0].partition_data[0].records
    assert isinstance(records, memoryview) and records.obj is data


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("which", [0, 1])  # one topic with one partition (read by the shortcut), and several
def test_every_truncation_is_malformed(version, which):
    # Kafka's generated reader refuses a body cut anywhere; kafka-python reads some cuts as shorter strings or records.
    data = _frame(list(_requests(version))[which])
    head = frame.peek_head(data)
    for end in range(head.end, len(data)):
        cut = data[:end]
        with pytest.raises(frame.MalformedFrame):
            produce.decode_body(cut, head)


@pytest.mark.parametrize("version", VERSIONS)
def test_one_partition_followed_by_more_bytes_decodes_as_kafka_python_decodes_it(version):
    # the one-partition shortcut takes only records that end the request; anything else is read the long way
    data = _frame(next(_requests(version))) + b"\x00\x01"
    theirs = ProduceRequest.decode(data, version=version, header=True)
    ours = produce.decode_body(data, frame.peek_head(data))
    expected = _as_dict(theirs)
    if version < 3:
        expected["transactional_id"] = None
    assert _as_dict(ours) == expected


@pytest.mark.parametrize("version", VERSIONS)
def test_a_topic_name_that_is_not_utf8_is_malformed(version):
    data = bytearray(_frame(ProduceRequest(version=version, transactional_id=None, acks=1, timeout_ms=1,
                                           topic_data=[T(name="\u00e9", partition_data=[P(index=0, records=b"x")])])))
    data[data.index("\u00e9".encode())] = 0xFF
    with pytest.raises(frame.MalformedFrame, match="utf-8"):
        produce.decode_body(bytes(data), frame.peek_head(data))


@pytest.mark.parametrize("version", VERSIONS)
def test_a_null_topic_array_or_topic_name_is_malformed(version):
    data = bytearray(_frame(ProduceRequest(version=version, transactional_id=None, acks=1, timeout_ms=1, topic_data=[])))
    data[-4:] = b"\xff\xff\xff\xff"  # topic_data count -1
    with pytest.raises(frame.MalformedFrame, match="non-nullable field topic_data was serialized as null"):
        produce.decode_body(bytes(data), frame.peek_head(data))
    request = ProduceRequest(version=version, transactional_id=None, acks=1, timeout_ms=1,
                             topic_data=[T(name="", partition_data=[])])
    data = bytearray(_frame(request))
    data[-6:-4] = b"\xff\xff"  # name length -1
    with pytest.raises(frame.MalformedFrame, match="topic_data.name"):
        produce.decode_body(bytes(data), frame.peek_head(data))


def _responses(version: int):
    R = produce_codec.PartitionProduceResponse
    yield produce_codec.ProduceResponse(version, [("t", [R(0, 0, 41, -1, 0)])])
    yield produce_codec.ProduceResponse(version, [
        ("first", [R(0, 0, 1 << 40, 1_700_000_000_000, 12), R(3, 87, -1, -1, -1, [(0, "bad record"), (5, None)], "Found invalid record structure")]),
        ("s\u00e9cond", []),
        ("", [R(-1, 3, error_message=None)]),
    ], throttle_time_ms=17)
    yield produce_codec.ProduceResponse(version, [("\u00e9t\u00e9", [R(5, 3)])], throttle_time_ms=250)  # one partition, an error
    # an error message without record errors (v8), and a topic named twice (its encoded name is remembered)
    yield produce_codec.ProduceResponse(version, [
        ("t", [R(2, 4, error_message="Cannot append to internal topic")]), ("t", [R(1, 0, 7, -1, 3)]),
    ])
    yield produce_codec.ProduceResponse(version, [])


def _kafka_python(response: produce_codec.ProduceResponse) -> ProduceResponse:
    Topic = ProduceResponse.TopicProduceResponse
    Partition = Topic.PartitionProduceResponse
    Error = Partition.BatchIndexAndErrorMessage
    return ProduceResponse(version=response.version, throttle_time_ms=response.throttle_time_ms, responses=[
        Topic(name=name, partition_responses=[
            Partition(index=p.index, error_code=p.error_code, base_offset=p.base_offset, log_append_time_ms=p.log_append_time_ms,
                      log_start_offset=p.log_start_offset, error_message=p.error_message,
                      record_errors=[Error(batch_index=i, batch_index_error_message=m) for i, m in p.record_errors])
            for p in partitions])
        for name, partitions in response.responses])


@pytest.mark.parametrize("version", VERSIONS)
def test_the_response_encodes_as_kafka_python_encodes_it(version):
    for response in _responses(version):
        expected = _kafka_python(response)
        expected.with_header(correlation_id=-123456)
        assert frame.encode_response(response, -123456) == bytes(expected.encode(header=True, framed=True))


def test_a_flexible_request_header_s_tagged_fields_are_skipped():
    from kafka.protocol.metadata import ApiVersionsRequest

    request = ApiVersionsRequest(version=3, client_software_name="kcli", client_software_version="1")
    request.with_header(correlation_id=9, client_id="c")
    plain = bytes(request.encode(header=True))
    head = frame.peek_head(plain)
    assert plain[head.end] == 0  # no tagged fields
    tagged = plain[: head.end] + b"\x02\x00\x02ab\x05\x00" + plain[head.end + 1 :]  # tag 0 (2 bytes), tag 5 (empty)
    assert frame.body_start(tagged, head, flexible=True) == head.end + 7
    decoded = frame.decode_request(ApiVersionsRequest, 3, tagged)
    assert (decoded.client_software_name, decoded.client_software_version) == ("kcli", "1")
