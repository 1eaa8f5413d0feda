"""The hand-written Fetch request reader (kcli/protocol/kafka/fetch_request.py) against kafka-python's FetchRequest,
at every version the broker serves: the same fields from the same bytes, and MalformedFrame where Kafka's reader
refuses the bytes."""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest
from kafka.protocol.consumer import FetchRequest as KafkaPythonFetchRequest

from kcli.broker.handlers import fetch
from kcli.protocol.kafka import fetch_request, frame

VERSIONS = range(fetch.ADVERTISED[0], fetch.ADVERTISED[1] + 1)
T = KafkaPythonFetchRequest.FetchTopic
F = KafkaPythonFetchRequest.ForgottenTopic


def _frame(version: int, topics, forgotten=()) -> bytes:
    request = KafkaPythonFetchRequest(
        version=version, replica_id=-1, max_wait_ms=500, min_bytes=7, max_bytes=52428800, isolation_level=1,
        session_id=12, session_epoch=3, rack_id="r",
        topics=[T(topic=name, partitions=[
            T.FetchPartition(partition=p, current_leader_epoch=9, fetch_offset=2**40 + p, log_start_offset=5,
                             last_fetched_epoch=-1, partition_max_bytes=1048576 - p)
            for p in partitions]) for name, partitions in topics],
        forgotten_topics_data=[F(topic=name, partitions=list(partitions)) for name, partitions in forgotten],
    )
    request.with_header(correlation_id=4, client_id="reader")
    return bytes(request.encode(header=True, framed=False))


def _fields(message, version: int) -> dict:
    """Every field of ``message`` that FetchRequest has at ``version``, nested ones as dicts."""
    out = {}
    for f in KafkaPythonFetchRequest._struct.fields.values():
        if not f.for_version_q(version):
            continue
        value = getattr(message, f.name)
        if f.is_struct_array():
            value = [{g.name: _nested(getattr(item, g.name), g, version) for g in f.array_of.fields.values() if g.for_version_q(version)}
                     for item in value]
        out[f.name] = value
    return out


def _nested(value, f, version):
    if f.is_struct_array():
        return [{g.name: getattr(item, g.name) for g in f.array_of.fields.values() if g.for_version_q(version)} for item in value]
    return list(value) if isinstance(value, (list, tuple)) else value


CASES = [
    [],
    [("latte", [0])],
    [("latte", [0, 1, 2]), ("caf\u00e9", []), ("mocha", [7])],
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("case", range(len(CASES)))
def test_the_reader_gives_kafka_pythons_fields(version, case):
    data = _frame(version, CASES[case], forgotten=[("old", [1, 2])] if case else [])
    head = frame.peek_head(data)
    start = 10 + len(head.client_id)
    mine = fetch_request.decode(memoryview(data), start, version)
    theirs = KafkaPythonFetchRequest.decode(data, version=version, header=True)
    assert _fields(mine, version) == _fields(theirs, version)
    assert mine.version == version


@pytest.mark.parametrize("version", VERSIONS)
def test_fields_a_version_lacks_take_kafka_pythons_defaults(version):
    data = _frame(version, CASES[1])
    mine = fetch_request.decode(data, 16, version)
    assert (mine.max_bytes if version < 3 else 0x7FFFFFFF, mine.isolation_level if version < 4 else 0) == (0x7FFFFFFF, 0)
    if version < 7:
        assert (mine.session_id, mine.session_epoch, mine.forgotten_topics_data) == (0, -1, [])
    if version < 9:
        assert mine.topics[0].partitions[0].current_leader_epoch == -1
    if version < 5:
        assert mine.topics[0].partitions[0].log_start_offset == -1


def _with(data: bytes, at: int, value: bytes) -> bytes:
    return data[:at] + value + data[at + len(value):]


@pytest.mark.parametrize("version", [0, 4, 10])
def test_nulls_and_cut_bodies_are_malformed(version):
    data = _frame(version, CASES[1])
    body = 16  # after the header: api key, version, correlation id, "reader"
    topics_at = body + {0: 12, 4: 17, 10: 25}[version]
    with pytest.raises(frame.MalformedFrame, match="topics was serialized as null"):
        fetch_request.decode(_with(data, topics_at, struct.pack(">i", -1)), body, version)
    with pytest.raises(frame.MalformedFrame, match="topics.topic was serialized as null"):
        fetch_request.decode(_with(data, topics_at + 4, struct.pack(">h", -1)), body, version)
    with pytest.raises(frame.MalformedFrame, match="past the end"):
        fetch_request.decode(_with(data, topics_at, struct.pack(">i", 1 << 30)), body, version)
    for cut in (body + 3, topics_at + 2, len(data) - 1):
        with pytest.raises(frame.MalformedFrame):
            fetch_request.decode(data[:cut], body, version)
    with pytest.raises(frame.MalformedFrame):
        fetch_request.decode(_with(data, topics_at + 6, b"\xff"), body, version)  # not UTF-8


@pytest.mark.parametrize("version", VERSIONS)
def test_the_handler_reads_the_body_from_where_the_header_ends(version):
    data = _frame(version, CASES[2])
    head = SimpleNamespace(end=16, api_version=version)  # what the dispatcher's parsed header gives
    assert fetch.decode_body(memoryview(data), head) == fetch_request.decode(data, 16, version)


def test_a_body_asked_again_gives_the_request_decoded_then_and_another_body_or_version_its_own():
    data = _frame(10, [("ristretto", [0])])
    head = SimpleNamespace(end=16, api_version=10)
    first = fetch.decode_body(memoryview(data), head)
    assert fetch.decode_body(bytes(data), head) is first  # a consumer polling with nothing new: the same bytes
    assert _fields(first, 10) == _fields(KafkaPythonFetchRequest.decode(data, version=10, header=True), 10)
    moved = _frame(10, [("ristretto", [1])])  # another partition, another offset
    assert fetch.decode_body(moved, head) == fetch_request.decode(moved, 16, 10) != first
    v9 = fetch.decode_body(data, SimpleNamespace(end=16, api_version=9))  # v9's body is laid out as v10's
    assert v9.version == 9 and v9 == fetch_request.decode(data, 16, 9)


def test_recent_bodies_are_bounded_and_a_long_body_is_decoded_every_time(monkeypatch):
    monkeypatch.setattr(fetch, "_RECENT_BODIES", 3)
    monkeypatch.setattr(fetch, "_recent", [{} for _ in VERSIONS])
    for p in range(10):
        data = _frame(10, [("lungo", [p])])
        assert fetch.decode_body(data, SimpleNamespace(end=16, api_version=10)) == fetch_request.decode(data, 16, 10)
        assert len(fetch._recent[10]) <= 3
    long = _frame(10, [("lungo", list(range(100)))])  # longer than _RECENT_BODY_BYTES
    head = SimpleNamespace(end=16, api_version=10)
    assert fetch.decode_body(long, head) == fetch.decode_body(long, head)
    assert fetch.decode_body(long, head) is not fetch.decode_body(long, head)
