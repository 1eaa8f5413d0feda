"""A broker out of file descriptors logs its failing accept() once, not a traceback per attempt, and recovers."""

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


def test_accept_failures_are_logged_once_per_interval(tmp_path):
    server = KcliProcess("server-start", "--override", f"log.dirs={tmp_path / 'logs'}", "--override", "listeners=PLAINTEXT://127.0.0.1:0",
                         preexec_fn=_limit_descriptors, env={**os.environ, "COLUMNS": "400"})
    clients = []
    try:
        assert server.port, server.output
        for _ in range(DESCRIPTORS + 40):  # the kernel completes each handshake (listen backlog 100); accept() runs out
            clients.append(socket.create_connection((server.host, server.port), timeout=15))
        wait_for(lambda: "Cannot accept connections" in server.output, timeout=20, what="the accept failure to be logged")
        for client in clients:
            client.close()
        clients.clear()

        class Endpoint:  # once descriptors are free again, a retry of accept() (one a second) lets new clients in
            host, port = server.host, server.port
        versions = Wire(Endpoint).call(ApiVersionsRequest[0](), ApiVersionsResponse[0], 0)
        assert versions.error_code == 0
    finally:
        for client in clients:
            client.close()
        code = server.stop()
    output = server.output
    assert code == 0, output
    assert output.count("Cannot accept connections: Too many open files; retrying every second") == 1, output
    assert "Traceback" not in output and "out of system resource" not in output, output
