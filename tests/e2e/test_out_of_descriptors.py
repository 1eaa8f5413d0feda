"""A server out of file descriptors logs its failing accept() once, not a traceback per attempt, and recovers.

Both servers: the broker and the ZooKeeper server, each started with a low RLIMIT_NOFILE.
"""

import os
import socket
import sys

import pytest
from kafka.protocol.metadata import ApiVersionsRequest, ApiVersionsResponse

from tests.broker.test_wire import Wire
from tests.processes import KcliProcess
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_NOFILE is POSIX; Windows has no per-process descriptor limit to provoke")

DESCRIPTORS = 64  # enough to start; a few dozen connections use up the rest


def _limit_descriptors() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (DESCRIPTORS, DESCRIPTORS))


class _Endpoint:
    def __init__(self, server):
        self.host, self.port = server.host, server.port


def _broker(tmp_path):
    args = ["server-start", "--override", f"log.dirs={tmp_path / 'logs'}", "--override", "listeners=PLAINTEXT://127.0.0.1:0"]

    def served(server) -> bool:
        return Wire(_Endpoint(server)).call(ApiVersionsRequest[0](), ApiVersionsResponse[0], 0).error_code == 0
    return args, served


def _zookeeper(tmp_path):
    props = tmp_path / "zookeeper.properties"
    props.write_text(f"dataDir={(tmp_path / 'zookeeper').as_posix()}\nclientPort=0\nclientPortAddress=127.0.0.1\nmaxClientCnxns=0\n")

    def served(server) -> bool:
        with socket.create_connection((server.host, server.port), timeout=15) as client:
            client.sendall(b"srvr")
            return client.recv(4096).startswith(b"Zookeeper version")
    return ["zookeeper-start", props], served


@pytest.mark.parametrize("kind", [_broker, _zookeeper], ids=["broker", "zookeeper"])
def test_accept_failures_are_logged_once_per_interval(tmp_path, kind):
    args, served = kind(tmp_path)
    server = KcliProcess(*args, preexec_fn=_limit_descriptors, env={**os.environ, "COLUMNS": "400"})
    clients = []
    try:
        assert server.port, server.output
        for _ in range(DESCRIPTORS + 40):  # the kernel completes each handshake (listen backlog 100); accept() runs out
            clients.append(socket.create_connection((server.host, server.port), timeout=15))
        wait_for(lambda: "Cannot accept connections" in server.output, timeout=20, what="the accept failure to be logged")
        for client in clients:
            client.close()
        clients.clear()
        assert served(server)  # descriptors are free again: a retry of accept() (one a second) lets clients in
    finally:
        for client in clients:
            client.close()
        code = server.stop()
    output = server.output
    assert code == 0, output
    assert output.count("Cannot accept connections: Too many open files; retrying every second") == 1, output
    assert "Traceback" not in output and "out of system resource" not in output, output
