"""``kcli server-start`` / ``server-stop`` as processes: banner, clean stop, errors worded for people."""

import signal
import socket
import sys

import pytest

from tests.processes import KcliProcess, kcli





class ServerProcess(KcliProcess):
    """``kcli server-start`` in a subprocess; ``address`` is (host, port) once it has started."""

    def __init__(self, *args, start_timeout_s: float = 60):
        super().__init__("server-start", *args, start_timeout_s=start_timeout_s)
        assert self.host is not None, f"no 'started' line; the broker printed:\n{self.output}"
        self.address = (self.host, self.port)


def overrides(tmp_path, port=0):
    return ["--override", f"listeners=PLAINTEXT://127.0.0.1:{port}", "--override", f"log.dirs={tmp_path / 'logs'}"]


def test_banner_then_server_stop_shuts_down_cleanly(tmp_path):
    server = ServerProcess(*overrides(tmp_path), "--override", "some.unknown.key=1")
    assert server.address is not None, "".join(server.lines)
    banner = "".join(server.lines)
    assert "data directory" in banner and str(tmp_path / "logs") in banner
    assert "ready in" in banner
    assert "some.unknown.key" in banner  # one warning, not a failure
    stopped = kcli("server-stop", *overrides(tmp_path)[2:])
    assert stopped.returncode == 0, stopped.stderr
    assert server.wait() == 0
    assert (tmp_path / "logs" / ".kafka_cleanshutdown").exists()
    assert not (tmp_path / "logs" / "kcli-broker.pid").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl+C"])
def test_signals_shut_down_cleanly(tmp_path, signum):
    server = ServerProcess(*overrides(tmp_path))
    server.proc.send_signal(signum)
    assert server.wait() == 0
    assert (tmp_path / "logs" / ".kafka_cleanshutdown").exists()


def test_server_stop_with_no_server(tmp_path):
    result = kcli("server-stop", "--override", f"log.dirs={tmp_path}")
    assert result.returncode == 1
    assert result.stderr.strip().endswith("No kafka server to stop")


def test_port_in_use_is_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = kcli("server-start", *overrides(tmp_path, port))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"failed to bind to 127.0.0.1:{port}" in lines[0] and "--override listeners=" in lines[0]


def test_bad_config_value_is_one_clear_line(tmp_path):
    result = kcli("server-start", *overrides(tmp_path), "--override", "num.partitions=lots")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Invalid value lots for configuration num.partitions" in result.stderr


def test_unwritable_log_dir_that_is_a_file(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    result = kcli("server-start", "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", f"log.dirs={blocker / 'logs'}")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Cannot write to log directory" in result.stderr


def test_print_config_shows_the_shipped_file():
    result = kcli("server-start", "--print-config")
    assert result.returncode == 0
    assert "listeners=PLAINTEXT://localhost:9092" in result.stdout and "log.segment.bytes=1073741824" in result.stdout
