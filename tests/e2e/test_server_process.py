"""``kcli server-start`` / ``server-stop`` as processes: banner, clean stop, errors worded for people."""

import os
import signal
import socket
import subprocess
import sys

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from tests.processes import KcliProcess, kcli
from tests.waiting import wait_for





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


# -- one owner per log directory -----------------------------------------------------------------------------


def tree(directory):
    """Every file under ``directory`` with its size and modification time: what a refused start must not touch."""
    return {str(p.relative_to(directory)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(directory.rglob("*"))}


def produce(bootstrap, topic, values):
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    offsets = [producer.send(topic, value).get(timeout=30).offset for value in values]
    producer.close()
    return offsets


def read(bootstrap, topic, count):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=10000)
    consumer.assign([TopicPartition(topic, 0)])
    records = [(record.offset, record.value) for _, record in zip(range(count), consumer)]
    consumer.close()
    return records


def test_a_second_broker_on_a_log_dir_in_use_is_refused(tmp_path):
    """The README's second-listener example on the same log.dirs: refused before it touches the directory."""
    first = ServerProcess(*overrides(tmp_path))
    bootstrap = f"{first.host}:{first.port}"
    try:
        created = kcli("topics", "--create", "--topic", "coffee", "--bootstrap-server", bootstrap)
        assert created.returncode == 0, created.stderr
        assert produce(bootstrap, "coffee", [b"a", b"b", b"c"]) == [0, 1, 2]
        logs = tmp_path / "logs"
        before = tree(logs)
        assert (logs / "kcli-broker.pid").read_text().strip() == str(first.proc.pid)

        second = KcliProcess("server-start", *overrides(tmp_path), start_timeout_s=60)
        try:
            assert second.host is None, f"a second broker started on {logs}:\n{second.output}"
            assert second.wait() == 1
        finally:
            second.stop()
        expected = (f"Failed to acquire lock on file .lock in {os.path.abspath(logs)}. "
                    "A Kafka instance in another process or thread is using this directory.")
        assert expected in second.output and "Traceback" not in second.output
        assert len([line for line in second.lines if line.strip()]) == 1, second.output
        assert tree(logs) == before  # no pid file, marker, recovery or meta.properties written by the refused one

        assert produce(bootstrap, "coffee", [b"d"]) == [3]  # the first still serves
        assert read(bootstrap, "coffee", 4) == [(0, b"a"), (1, b"b"), (2, b"c"), (3, b"d")]
    finally:
        stopped = kcli("server-stop", *overrides(tmp_path)[2:])
        code = first.wait()
    assert stopped.returncode == 0, stopped.stderr
    assert code == 0
    assert (tmp_path / "logs" / ".kafka_cleanshutdown").exists()
    assert not (tmp_path / "logs" / "kcli-broker.pid").exists()


def test_kill_9_releases_the_log_dir(tmp_path):
    first = ServerProcess(*overrides(tmp_path))
    first.proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: the OS drops the lock
    first.wait()
    assert (tmp_path / "logs" / "kcli-broker.pid").read_text().strip() == str(first.proc.pid)  # stale, left behind

    restarted = ServerProcess(*overrides(tmp_path))
    try:
        assert (tmp_path / "logs" / "kcli-broker.pid").read_text().strip() == str(restarted.proc.pid)
    finally:
        stopped = kcli("server-stop", *overrides(tmp_path)[2:])
        code = restarted.wait()
    assert stopped.returncode == 0, stopped.stderr
    assert code == 0


def test_server_stop_never_signals_a_process_that_took_a_dead_brokers_pid(tmp_path):
    """After a kill -9 the pid file stays; its pid may belong to another program by now. The free lock says so."""
    first = ServerProcess(*overrides(tmp_path))
    first.proc.kill()
    first.wait()
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (tmp_path / "logs" / "kcli-broker.pid").write_text(f"{bystander.pid}\n")  # as if the OS gave it the old pid
        result = kcli("server-stop", *overrides(tmp_path)[2:])
        assert result.returncode == 1 and result.stderr.strip().endswith("No kafka server to stop")
        assert bystander.poll() is None, "server-stop signalled a process that is not a broker"
    finally:
        bystander.kill()
        bystander.wait()


def test_server_stop_while_the_broker_waits_for_zookeeper(tmp_path):
    """The pid file is written once the directory is locked, so a broker still starting can be stopped."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nobody = closed.getsockname()[1]  # nothing listens there once the socket closes
    proc = subprocess.Popen([sys.executable, "-m", "kcli", "server-start", *overrides(tmp_path),
                             "--override", f"zookeeper.connect=127.0.0.1:{nobody}",
                             "--override", "zookeeper.connection.timeout.ms=120000"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    pid_file = tmp_path / "logs" / "kcli-broker.pid"
    try:
        wait_for(lambda: pid_file.exists() and pid_file.read_text().strip() == str(proc.pid), 60, "the pid file")
        stopped = kcli("server-stop", *overrides(tmp_path)[2:])
        assert stopped.returncode == 0, stopped.stderr
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate(timeout=30)
    assert "Timed out waiting for connection" not in err and "Traceback" not in err, err
    assert not pid_file.exists()
    assert not (tmp_path / "logs" / "meta.properties").exists()  # it never got as far as opening the logs
