"""A Fetch response made of envelope bytes and file ranges (kcli/broker/sendfile_writer.py) arrives as the frame
kafka-python's decoder reads: several partitions in one response, ranges sent with sendfile and ranges copied,
each partition's records equal to the bytes of its log file from the fetch position."""

from __future__ import annotations

import socket
import struct

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

from kcli.broker import sendfile_writer
from kcli.broker.dispatch import ROUTES
from tests.wire_requests import encode, recv_exactly

TOPIC = "doppio"


def test_one_response_splices_ranges_sent_with_sendfile_and_copied(broker, sendfile_sizes):
    sent = sendfile_sizes
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    admin.create_topics([NewTopic(TOPIC, 3, 1)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, max_request_size=1 << 21, linger_ms=0)
    sizes = {0: 200_000, 1: 10, 2: 150_000}  # partition 1's range is small: copied
    for partition, size in sizes.items():
        for i in range(2):
            producer.send(TOPIC, bytes([97 + partition]) * size + b"%d" % i, partition=partition).get(timeout=20)
    producer.close()

    Request, Response = ROUTES[1].request, ROUTES[1].response
    T = Request.FetchTopic
    request = Request(version=10, replica_id=-1, max_wait_ms=0, min_bytes=1, max_bytes=1 << 22, isolation_level=0,
                      session_id=0, session_epoch=-1, forgotten_topics_data=[], topics=[T(topic=TOPIC, partitions=[
                          T.FetchPartition(partition=p, current_leader_epoch=-1, fetch_offset=1, log_start_offset=-1,
                                           partition_max_bytes=1 << 20) for p in (0, 1, 2, 7)])])
    with socket.create_connection((broker.host, broker.port), timeout=10) as sock:
        for correlation_id in (5, 6):  # twice on one connection: the second frame starts where the first ended
            sock.sendall(encode(request, correlation_id, client_id="splice"))
            size = struct.unpack(">i", recv_exactly(sock, 4))[0]
            response = Response.decode(recv_exactly(sock, size), version=10, header=True)
            assert response.header.correlation_id == correlation_id
            partitions = {p.partition_index: p for p in response.responses[0].partitions}
            for p in (0, 1, 2):
                log = (broker.log_dir / f"{TOPIC}-{p}" / "00000000000000000000.log").read_bytes()
                second = struct.unpack_from(">i", log, 8)[0] + 12  # the fetch offset's batch starts there
                assert (partitions[p].error_code, bytes(partitions[p].records)) == (0, log[second:])
            assert partitions[7].error_code != 0
    assert sorted(sent) == sorted([len(bytes(partitions[p].records)) for p in (0, 2)] * 2)


def _fetch_everything(topic: str, max_bytes: int):
    Request = ROUTES[1].request
    T = Request.FetchTopic
    return Request(version=10, replica_id=-1, max_wait_ms=0, min_bytes=1, max_bytes=max_bytes, isolation_level=0,
                   session_id=0, session_epoch=-1, forgotten_topics_data=[], topics=[T(topic=topic, partitions=[
                       T.FetchPartition(partition=0, current_leader_epoch=-1, fetch_offset=0, log_start_offset=-1,
                                        partition_max_bytes=max_bytes)])])


def _produce_900k_records(bootstrap: str, topic: str, count: int) -> None:
    """``count`` records of 900,000 bytes to partition 0, one batch each: several together are more than a
    socket's buffers hold (Linux: tcp_wmem's 4 MiB)."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, max_request_size=1 << 21, linger_ms=0)
    for i in range(count):
        producer.send(topic, bytes([65 + i]) * 900_000, partition=0).get(timeout=20)
    producer.close()


def test_a_range_larger_than_the_socket_takes_goes_on_with_loop_sendfile(broker, monkeypatch):
    taken_at_once = []
    original = sendfile_writer._sendfile_now

    def observed(transport, part):
        sent = original(transport, part)
        taken_at_once.append((sent, part.size))
        return sent

    monkeypatch.setattr(sendfile_writer, "_sendfile_now", observed)
    _produce_900k_records(broker.bootstrap, "slow-reader", 9)  # 8 MB
    Response = ROUTES[1].response
    request = _fetch_everything("slow-reader", 1 << 24)
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # the broker's sendfile meets a full socket
        sock.settimeout(10)
        sock.connect((broker.host, broker.port))
        sock.sendall(encode(request, 1, client_id="slow"))
        size = struct.unpack(">i", recv_exactly(sock, 4))[0]
        response = Response.decode(recv_exactly(sock, size), version=10, header=True)
    log = (broker.log_dir / "slow-reader-0" / "00000000000000000000.log").read_bytes()
    assert bytes(response.responses[0].partitions[0].records) == log
    assert taken_at_once and all(sent < size for sent, size in taken_at_once)


def test_a_range_copied_over_tls_to_a_slow_reader_is_read_a_piece_at_a_time(tmp_path, monkeypatch):
    import ssl

    from kcli.broker.log.file_slice import FileSlice
    from kcli.broker.server import run_in_thread
    from tests.secured import make_certs, secured_config
    from tests.waiting import wait_for

    certs = make_certs(tmp_path / "certs")
    copied = []  # bytes of the ranges the broker has read into memory to send them
    original = FileSlice.read

    def counted(self, *args):
        data = original(self, *args)
        copied.append(len(data))
        return data

    monkeypatch.setattr(FileSlice, "read", counted)
    running = run_in_thread(secured_config(tmp_path / "logs", "PLAINTEXT,SSL", certs))
    try:
        _produce_900k_records(running.bootstrap, "tls-slow", 20)  # 18 MB in one range, copied (TLS encrypts in user space)
        Response = ROUTES[1].response
        request = _fetch_everything("tls-slow", 1 << 25)
        context = ssl.create_default_context(cafile=str(certs.ca))
        raw = socket.socket()
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        raw.settimeout(10)
        raw.connect(("127.0.0.1", running.broker.addresses["SSL"][1]))
        with context.wrap_socket(raw, server_hostname="localhost") as sock:
            waited = running.broker.backpressured
            sock.sendall(encode(request, 1, client_id="slow-tls"))
            wait_for(lambda: running.broker.backpressured > waited, what="the response to wait for its reader")
            held = sum(copied)  # the reader has read nothing yet: the broker copied only what the sockets hold, and a bit
            size = struct.unpack(">i", recv_exactly(sock, 4))[0]
            response = Response.decode(recv_exactly(sock, size), version=10, header=True)
        log = tmp_path / "logs" / "tls-slow-0" / "00000000000000000000.log"
        assert bytes(response.responses[0].partitions[0].records) == log.read_bytes()
        assert size > 18_000_000 and 0 < held < size // 2
        assert max(copied) <= sendfile_writer.COPY_PIECE and sum(copied) == log.stat().st_size
    finally:
        running.stop()


def test_a_range_the_socket_takes_at_once_is_sent_from_the_segments_own_descriptor_after_its_envelope_held_for_it(broker, monkeypatch):
    from kcli.broker.log.segment import LogSegment

    duplicated = []
    original = LogSegment.duplicate_reader_fd

    def counted(self):
        duplicated.append(self.log_path)
        return original(self)

    monkeypatch.setattr(LogSegment, "duplicate_reader_fd", counted)
    envelopes = []  # (bytes taken with MSG_MORE, envelope bytes)
    send_more = sendfile_writer._send_more

    def observed(transport, data):
        taken = send_more(transport, data)
        envelopes.append((taken, len(data)))
        return taken

    monkeypatch.setattr(sendfile_writer, "_send_more", observed)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, max_request_size=1 << 21, linger_ms=0)
    producer.send("at-once", b"z" * 200_000, partition=0).get(timeout=20)  # over COPY_BELOW, under a socket's buffer
    producer.close()
    with socket.create_connection((broker.host, broker.port), timeout=10) as sock:
        sock.sendall(encode(_fetch_everything("at-once", 1 << 20), 1, client_id="at-once"))
        size = struct.unpack(">i", recv_exactly(sock, 4))[0]
        response = ROUTES[1].response.decode(recv_exactly(sock, size), version=10, header=True)
    log = (broker.log_dir / "at-once-0" / "00000000000000000000.log").read_bytes()
    assert len(log) > sendfile_writer.COPY_BELOW
    assert bytes(response.responses[0].partitions[0].records) == log
    assert duplicated == [] or not sendfile_writer.SENDFILE  # nothing waited: no descriptor of its own was needed
    if sendfile_writer.SENDFILE and sendfile_writer._MSG_MORE:  # the envelope left with the range, not before it
        assert len(envelopes) == 1 and envelopes[0][0] == envelopes[0][1] > 0


def test_a_range_that_waits_for_its_reader_survives_its_topic_being_deleted(broker):
    from kafka import KafkaAdminClient

    from tests.waiting import wait_for

    _produce_900k_records(broker.bootstrap, "deleted-meanwhile", 9)  # 8 MB: the response waits for its reader
    log = (broker.log_dir / "deleted-meanwhile-0" / "00000000000000000000.log").read_bytes()
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.settimeout(10)
        sock.connect((broker.host, broker.port))
        waited = broker.broker.backpressured
        sock.sendall(encode(_fetch_everything("deleted-meanwhile", 1 << 24), 1, client_id="slow"))
        wait_for(lambda: broker.broker.backpressured > waited, what="the response to wait for its reader")
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
        admin.delete_topics(["deleted-meanwhile"])  # its segments close while the response is still being written
        admin.close()
        wait_for(lambda: not (broker.log_dir / "deleted-meanwhile-0").exists(), what="the partition's directory to go")
        size = struct.unpack(">i", recv_exactly(sock, 4))[0]
        response = ROUTES[1].response.decode(recv_exactly(sock, size), version=10, header=True)
    assert bytes(response.responses[0].partitions[0].records) == log
