"""The jute codec and ZooKeeper framing against bytes captured from a real ZooKeeper 3.8 (research §1)."""

import pytest

from kcli.protocol.zookeeper import frame
from kcli.protocol.zookeeper import opcodes as op
from kcli.protocol.zookeeper import records as r
from kcli.protocol.zookeeper.jute import JuteError, Reader


def test_open_acl_unsafe_vector_bytes():
    out = bytearray()
    r.GetACLResponse.write(out, r.GetACLResponse([r.ACL(31, r.Id("world", "anyone"))], r.Stat(*[0] * 11)))
    assert out[:27].hex() == "000000010000001f00000005776f726c6400000006616e796f6e65"


def test_null_and_empty_buffers_differ():
    assert r.GetDataResponse(None, r.Stat(*[0] * 11)).to_bytes()[:4] == b"\xff\xff\xff\xff"
    assert r.GetDataResponse(b"", r.Stat(*[0] * 11)).to_bytes()[:4] == b"\x00\x00\x00\x00"
    assert r.GetDataResponse.from_bytes(r.GetDataResponse(None, r.Stat(*[0] * 11)).to_bytes()).data is None


def test_connect_response_echoes_the_read_only_byte_only_to_clients_that_sent_it():
    kazoo = bytes.fromhex("000000000000000000000000000027100000000000000000000000100000000000000000000000000000000000")
    request, read_only = frame.decode_connect(kazoo)
    assert (request.timeOut, request.sessionId, read_only) == (10000, 0, False)
    response = r.ConnectResponse(0, 10000, 0x100003C981F0000, bytes.fromhex("1393fb4da4e25916a9a315158dcdae6e"))
    assert frame.encode_connect_response(response, read_only)[4:].hex() == (
        "00000000000027100100003c981f0000000000101393fb4da4e25916a9a315158dcdae6e00")
    _, old = frame.decode_connect(kazoo[:-1])
    assert old is None and len(frame.encode_connect_response(response, old)) - 4 == 36


def test_failed_multi_reply_matches_zookeeper():
    results = [(op.ERROR, 0, None), (op.ERROR, -101, None), (op.ERROR, -2, None)]
    assert frame.encode_multi_reply(0x16, 0xF, results)[4:].hex() == (
        "00000016000000000000000f00000000"
        "ffffffff0000000000" "00000000"
        "ffffffff00ffffff9b" "ffffff9b"
        "ffffffff00fffffffe" "fffffffe"
        "ffffffff01ffffffff")


def test_multi_request_round_trips():
    ops = [(op.CHECK, r.CheckVersionRequest("/kz", 0)), (op.CREATE, r.CreateRequest("/kz/t1", b"", [], 0)),
           (op.DELETE, r.DeleteRequest("/kz/t1", -1))]
    decoded = frame.decode_request(frame.encode_request(21, op.MULTI, ops)[4:])
    assert decoded.xid == 21 and decoded.opcode == op.MULTI and decoded.record == ops


def test_notification_frame_carries_zxid_minus_one():
    assert frame.encode_event(op.NODE_DATA_CHANGED, "/kz")[4:].hex() == (
        "ffffffffffffffffffffffff00000000" "00000003" "00000003" "00000003" "2f6b7a")


def test_framing_limits_and_four_letter_words():
    assert frame.frame_size(b"\x00\x0f\xff\xff") == 0xFFFFF
    with pytest.raises(frame.MalformedFrame):
        frame.frame_size(b"xxxx")  # 0x78787878: too long, closes the connection
    with pytest.raises(frame.MalformedFrame):
        frame.frame_size(b"\xff\xff\xff\xfe")
    assert frame.four_letter_word(b"ruok") == "ruok" and frame.four_letter_word(b"\x00\x00\x00\x2d") is None


def test_unknown_opcode_and_truncated_records():
    with pytest.raises(frame.UnknownOpcode) as info:
        frame.decode_request(bytes.fromhex("00000007000003e7"))
    assert (info.value.xid, info.value.opcode) == (7, 999)
    with pytest.raises(frame.MalformedFrame):
        frame.decode_request(bytes.fromhex("0000000100000004000000ff2f"))
    with pytest.raises(JuteError):
        Reader(b"\x00\x00").int()
