"""Framing: request heads are routed and decoded with kafka-python's classes; responses framed."""

import pytest
from kafka.protocol.consumer import ListOffsetsRequest
from kafka.protocol.metadata import ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, MetadataResponse

from kcli.broker.dispatch import ROUTES
from kcli.protocol.kafka import frame
from tests.wire_requests import encode, sample, served


@pytest.mark.parametrize("version", [0, 1, 2, 3, 4])
def test_api_versions_request_round_trip(version):
    kwargs = {"client_software_name": "kcli-test", "client_software_version": "1.0"} if version >= 3 else {}
    request = ApiVersionsRequest[version](**kwargs)
    request.with_header(correlation_id=11, client_id="me")
    data = bytes(request.encode(header=True))
    head = frame.peek_head(data)
    assert (head.api_key, head.api_version, head.correlation_id, head.client_id) == (18, version, 11, "me")
    decoded = frame.decode_request(ApiVersionsRequest, version, data)
    if version >= 3:
        assert decoded.client_software_name == "kcli-test"


def test_response_is_framed_with_its_correlation_id():
    response = MetadataResponse(version=7, throttle_time_ms=0, brokers=[], cluster_id="c", controller_id=0, topics=[])
    data = frame.encode_response(response, 77)
    assert int.from_bytes(data[:4], "big") == len(data) - 4
    decoded = MetadataResponse.decode(data[4:], version=7, header=True)
    assert decoded.header.correlation_id == 77 and decoded.cluster_id == "c"


def test_api_versions_v3_response_has_a_v0_header_and_no_tagged_fields():
    response = ApiVersionsResponse(version=3, error_code=0, api_keys=[ApiVersionsResponse.ApiVersion(api_key=18, min_version=0, max_version=4)], throttle_time_ms=0)
    data = frame.encode_response(response, 5)
    # size | correlation id (no header tag byte) | error 0 | compact array of 1 | 18,0,4 + empty tags | throttle 0 | empty tags
    assert data[4:].hex() == "00000005" "0000" "02" "0012" "0000" "0004" "00" "00000000" "00"


@pytest.mark.parametrize("prefix", [b"\x00\x00\x00\x00", b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff"])
def test_impossible_sizes_are_malformed(prefix):
    with pytest.raises(frame.MalformedFrame):
        frame.frame_size(prefix)


def test_client_id_past_the_end_is_malformed():
    with pytest.raises(frame.MalformedFrame):
        frame.peek_head(b"\x00\x03\x00\x01\x00\x00\x00\x01\x00\x50abc")


def test_undecodable_body_is_malformed():
    with pytest.raises(frame.MalformedFrame):
        frame.decode_request(MetadataRequest, 7, b"\x00\x03\x00\x07\x00\x00\x00\x01\xff\xff\x00\x00\x00\x05")


@pytest.mark.parametrize("api_key, version", served(), ids=str)
def test_every_served_request_decodes_with_its_nulls_where_the_schema_allows_them(api_key, version):
    request_class = ROUTES[api_key].request
    data = encode(sample(api_key, version))[4:]
    decoded = frame.decode_request(request_class, version, data)
    assert decoded.to_dict() == request_class.decode(data, version=version, header=True).to_dict()


def test_a_null_non_nullable_field_does_not_decode():
    T = ListOffsetsRequest.ListOffsetsTopic
    nested = ListOffsetsRequest(version=4, replica_id=-1, isolation_level=0, topics=[T(name="t", partitions=None)])
    with pytest.raises(frame.MalformedFrame, match="non-nullable field topics.partitions was serialized as null"):
        frame.decode_request(ListOffsetsRequest, 4, encode(nested)[4:])
    null_name = MetadataRequest(version=7, topics=[MetadataRequest.MetadataRequestTopic(name=None)], allow_auto_topic_creation=False)
    with pytest.raises(frame.MalformedFrame, match="field topics.name was"):
        frame.decode_request(MetadataRequest, 7, encode(null_name)[4:])
    all_topics = MetadataRequest(version=7, topics=None, allow_auto_topic_creation=False)  # nullable: every topic
    assert frame.decode_request(MetadataRequest, 7, encode(all_topics)[4:]).topics is None
