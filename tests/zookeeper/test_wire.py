"""kcli's ZooKeeper server over real sockets: kazoo, raw frames and four-letter words."""

import socket
import struct
import threading
import time

from kazoo.client import KazooClient
from kazoo.protocol.states import EventType

from kcli.protocol.zookeeper import frame
from kcli.protocol.zookeeper import opcodes as op
from kcli.protocol.zookeeper import records as r
from kcli.zookeeper.config import ZooKeeperConfig
from kcli.zookeeper.server import run_in_thread
from tests.waiting import wait_for



def four_letter(address, word: bytes) -> bytes:
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(word)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


class Raw:
    """A hand-driven client connection."""

    def __init__(self, address, session_id=0, passwd=bytes(16), last_zxid=0, timeout_ms=30000):
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        body = r.ConnectRequest(0, last_zxid, timeout_ms, session_id, passwd).to_bytes() + b"\x00"
        self.sock.sendall(struct.pack(">i", len(body)) + body)
        self.connect = self.read()

    def read(self) -> bytes | None:
        head = self._exactly(4)
        return None if head is None else self._exactly(struct.unpack(">i", head)[0])

    def _exactly(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def send(self, xid, opcode, record=None):
        self.sock.sendall(frame.encode_request(xid, opcode, record))


def test_kazoo_crud_watch_ephemeral_and_close(zookeeper):
    a = KazooClient(zookeeper.connect_string)
    b = KazooClient(zookeeper.connect_string)
    a.start(timeout=5)
    b.start(timeout=5)
    try:
        a.ensure_path("/app/config")
        a.set("/app/config", b"v1")
        events = []
        b.get("/app/config", watch=events.append)
        a.set("/app/config", b"v2")
        assert wait_for(lambda: events) and events[0].type == EventType.CHANGED
        a.create("/app/lock-", b"", ephemeral=True, sequence=True)
        gone = []
        b.get_children("/app", watch=gone.append)
        a.stop()  # closeSession: the ephemeral goes at once
        assert wait_for(lambda: gone) and gone[0].type == EventType.CHILD
        assert b.get_children("/app") == ["config"]
        assert b.get("/app/config")[0] == b"v2"
    finally:
        a.close()
        b.stop()
        b.close()


def test_unknown_opcode_gets_unimplemented_and_only_that_connection_closes(zookeeper):
    healthy = KazooClient(zookeeper.connect_string)
    healthy.start(timeout=5)
    try:
        raw = Raw(zookeeper.connect_string)
        raw.send(7, 999, None)
        head, _ = frame.decode_reply(raw.read(), 999)
        assert (head.xid, head.err) == (7, -6)
        assert raw.read() is None  # closed
        garbage = Raw(zookeeper.connect_string)
        garbage.sock.sendall(b"\x7f\xff\xff\xff")  # longer than jute.maxbuffer
        assert garbage.read() is None
        assert healthy.create("/still-serving") == "/still-serving"
    finally:
        healthy.stop()
        healthy.close()


def test_reattach_takes_over_the_session_and_a_wrong_password_is_expired(zookeeper):
    first = Raw(zookeeper.connect_string)
    response = r.ConnectResponse.from_bytes(first.connect)
    second = Raw(zookeeper.connect_string, response.sessionId, response.passwd)
    assert r.ConnectResponse.from_bytes(second.connect).sessionId == response.sessionId
    assert first.read() is None  # the old connection is closed
    wrong = Raw(zookeeper.connect_string, response.sessionId, b"\x01" * 16)
    expired = r.ConnectResponse.from_bytes(wrong.connect)
    assert (expired.timeOut, expired.sessionId) == (0, 0)
    assert wrong.read() is None
    second.send(1, op.EXISTS, r.ExistsRequest("/", False))
    head, body = frame.decode_reply(second.read(), op.EXISTS)
    assert head.err == 0 and body.stat.numChildren >= 1


def test_client_ahead_of_the_server_is_refused_without_a_reply(zookeeper):
    ahead = Raw(zookeeper.connect_string, last_zxid=1 << 40)
    assert ahead.connect is None


def test_watch_event_arrives_before_the_reply_that_caused_it(zookeeper):
    raw = Raw(zookeeper.connect_string)
    raw.send(1, op.CREATE, r.CreateRequest("/ordered", b"", [r.ACL(31, r.Id("world", "anyone"))], 0))
    raw.read()
    raw.send(2, op.GET_DATA, r.GetDataRequest("/ordered", True))
    raw.read()
    raw.send(3, op.SET_DATA, r.SetDataRequest("/ordered", b"x", -1))
    event_head, event = frame.decode_reply(raw.read(), op.NOTIFICATION)
    assert event_head.xid == -1 and (event.type, event.path) == (op.NODE_DATA_CHANGED, "/ordered")
    reply_head, _ = frame.decode_reply(raw.read(), op.SET_DATA)
    assert reply_head.xid == 3


def test_four_letter_words_and_the_default_whitelist(tmp_path, zookeeper):
    assert four_letter(zookeeper.connect_string, b"ruok") == b"imok"
    srvr = four_letter(zookeeper.connect_string, b"srvr").decode()
    assert srvr.startswith("Zookeeper version: 3.8.4-kcli") and "Mode: standalone\n" in srvr and "Zxid: 0x" in srvr
    assert "zookeeper.version=3.8.4" in four_letter(zookeeper.connect_string, b"envi").decode()
    assert "zk_server_state\tstandalone" in four_letter(zookeeper.connect_string, b"mntr").decode()
    assert four_letter(zookeeper.connect_string, b"isro") == b"rw"
    assert "maxSessionTimeout=40000" in four_letter(zookeeper.connect_string, b"conf").decode()
    client = KazooClient(zookeeper.connect_string)
    client.start(timeout=5)
    try:
        client.exists("/watched", watch=lambda e: None)
        assert four_letter(zookeeper.connect_string, b"wchs") == b"1 connections watching 1 paths\nTotal watches:1\n"
        assert f"sid=0x{client.client_id[0]:x}" in four_letter(zookeeper.connect_string, b"cons").decode()
    finally:
        client.stop()
        client.close()
    default = run_in_thread(ZooKeeperConfig.from_properties({"dataDir": str(tmp_path / "d"), "clientPort": "0", "clientPortAddress": "127.0.0.1"}))
    try:
        assert four_letter(default.connect_string, b"ruok") == b"ruok is not executed because it is not in the whitelist.\n"
        assert four_letter(default.connect_string, b"srvr").startswith(b"Zookeeper version:")
    finally:
        default.stop()


def test_group_commit_acknowledges_concurrent_writers(zookeeper):
    clients = [KazooClient(zookeeper.connect_string) for _ in range(4)]
    for c in clients:
        c.start(timeout=5)
    try:
        def write(c, i):
            for j in range(50):
                c.create(f"/gc-{i}-{j}", b"x")
        threads = [threading.Thread(target=write, args=(c, i)) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len([n for n in clients[0].get_children("/") if n.startswith("gc-")]) == 200
        server = zookeeper.server
        assert server._synced == server.core.db.appended  # every acknowledged write was fsynced
    finally:
        for c in clients:
            c.stop()
            c.close()


def test_a_silent_session_expires_and_its_ephemeral_goes_with_it(tmp_path):
    """tickTime 500, timeout 1000: the server drops the ephemeral between 1 and 1.5 s after the last packet."""
    zookeeper = run_in_thread(ZooKeeperConfig.from_properties({
        "dataDir": str(tmp_path / "zk"), "clientPort": "0", "clientPortAddress": "127.0.0.1", "tickTime": "500"}))
    watcher = KazooClient(zookeeper.connect_string)
    watcher.start(timeout=5)  # connected before the silent session starts its clock
    try:
        silent = Raw(zookeeper.connect_string, timeout_ms=1000)
        silent.send(1, op.CREATE, r.CreateRequest("/lease", b"", [r.ACL(31, r.Id("world", "anyone"))], op.EPHEMERAL))
        assert frame.decode_reply(silent.read(), op.CREATE)[0].err == 0
        last_packet = time.monotonic()
        deleted = []
        assert watcher.exists("/lease", watch=deleted.append)
        assert wait_for(lambda: deleted, timeout=10)
        elapsed = time.monotonic() - last_packet
        assert deleted[0].type == EventType.DELETED and 0.975 < elapsed < 2.0
        assert silent.read() is None  # the server closed the expired session's socket
    finally:
        watcher.stop()
        watcher.close()
        zookeeper.stop()
