"""Malformed frames close their own connection only; a producer on another connection keeps succeeding."""

import socket
import struct
import threading

from kafka import KafkaProducer


def _connect(broker):
    sock = socket.create_connection((broker.host, broker.port), timeout=10)
    return sock


def _closed_by_broker(sock) -> bool:
    """True once the broker has closed the connection (EOF or reset)."""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


BAD_FRAMES = {
    "truncated header": struct.pack(">i", 6) + b"\x00\x03\x00\x01\x00\x00",
    "garbage api key": struct.pack(">i", 10) + struct.pack(">hhih", 9999, 0, 1, -1),
    "huge length": struct.pack(">i", 0x7FFFFFF0) + b"\x00" * 16,
    "negative length": struct.pack(">i", -5),
    "wrong size": struct.pack(">i", 14) + struct.pack(">hhih", 3, 1, 7, 200) + b"ab",
    "unsupported version": struct.pack(">i", 10) + struct.pack(">hhih", 0, 99, 1, -1),
    "undecodable body": struct.pack(">i", 14) + struct.pack(">hhih", 19, 3, 1, -1) + b"\xff\xff\xff\xff",
}


def test_bad_frames_close_only_their_connection(broker):
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks=1)
    stop = threading.Event()
    failures, sent = [], []

    def produce_forever():
        i = 0
        while not stop.is_set():
            try:
                sent.append(producer.send("steady", b"m%d" % i, partition=0).get(timeout=10).offset)
            except Exception as exc:  # recorded and asserted below
                failures.append(exc)
            i += 1

    worker = threading.Thread(target=produce_forever)
    worker.start()
    try:
        for name, payload in BAD_FRAMES.items():
            sock = _connect(broker)
            sock.sendall(payload)
            if name == "wrong size":
                sock.shutdown(socket.SHUT_WR)  # the frame says 14 bytes; only 12 ever come
            assert _closed_by_broker(sock), name
            sock.close()
    finally:
        stop.set()
        worker.join(30)
        producer.close()
    assert not failures
    assert sent == list(range(len(sent))) and len(sent) > 0


def test_unsupported_api_versions_version_gets_the_v0_reply(broker):
    sock = _connect(broker)
    body = struct.pack(">hhih", 18, 99, 42, 1) + b"x"
    sock.sendall(struct.pack(">i", len(body)) + body)
    size = struct.unpack(">i", sock.recv(4))[0]
    data = b""
    while len(data) < size:
        data += sock.recv(size - len(data))
    correlation_id, error, count, key, low, high = struct.unpack(">ihihhh", data)
    assert (correlation_id, error, count, key, low, high) == (42, 35, 1, 18, 0, 4)
    sock.close()
