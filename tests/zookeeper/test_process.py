"""``kcli zookeeper-start`` / ``zookeeper-stop`` as processes: banner, clean stop, kill -9 durability, errors."""

import os
import signal
import socket
import sys

import pytest
from kazoo.client import KazooClient

from tests.processes import KcliProcess, kcli
from tests.waiting import wait_for





def properties(tmp_path, port=0, **extra):
    path = tmp_path / "zookeeper.properties"
    lines = [f"dataDir={(tmp_path / 'zk').as_posix()}", f"clientPort={port}", "clientPortAddress=127.0.0.1",
             "maxClientCnxns=0", "admin.enableServer=false", *(f"{k}={v}" for k, v in extra.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


class ZooKeeperProcess(KcliProcess):
    """``kcli zookeeper-start`` in a subprocess; ``address`` is its host:port once it has started."""

    def __init__(self, *args):
        super().__init__("zookeeper-start", *args)
        self.address = self.connect


def test_banner_then_zookeeper_stop_shuts_down_cleanly(tmp_path):
    config = properties(tmp_path, **{"some.unknown.key": "1"})
    server = ZooKeeperProcess(config)
    assert server.address is not None, "".join(server.lines)
    banner = "".join(server.lines)
    assert str(tmp_path / "zk") in banner and "ready in" in banner and "srvr" in banner
    assert "some.unknown.key" in banner  # one warning, not a failure
    assert (tmp_path / "zk" / "zookeeper_server.pid").exists()
    stopped = kcli("zookeeper-stop", str(config))
    assert stopped.returncode == 0, stopped.stderr
    assert server.wait() == 0
    assert not (tmp_path / "zk" / "zookeeper_server.pid").exists()
    assert list((tmp_path / "zk" / "kcli-zk").glob("snapshot.*")), "a clean stop writes a snapshot"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl+C"])
def test_signals_shut_down_cleanly(tmp_path, signum):
    server = ZooKeeperProcess(properties(tmp_path))
    assert server.address is not None, "".join(server.lines)
    server.proc.send_signal(signum)
    assert server.wait() == 0
    assert "shut down" in "".join(server.lines)


def test_zookeeper_stop_with_no_server(tmp_path):
    result = kcli("zookeeper-stop", str(properties(tmp_path)))
    assert result.returncode == 1
    assert result.stderr.strip() == "No zookeeper server to stop"


def test_port_in_use_is_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = kcli("zookeeper-start", str(properties(tmp_path, port)))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"Unable to bind to 127.0.0.1:{port}" in lines[0] and "clientPort" in lines[0]


def test_unwritable_data_dir_is_one_clear_line(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    config = tmp_path / "zoo.cfg"
    config.write_text(f"dataDir={(blocker / 'zk').as_posix()}\nclientPort=0\n")
    result = kcli("zookeeper-start", str(config))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Unable to access datadir" in result.stderr


def test_print_config_shows_kafkas_keys():
    result = kcli("zookeeper-start", "--print-config")
    assert result.returncode == 0
    for line in ("clientPort=2181", "maxClientCnxns=0", "admin.enableServer=false", "dataDir=/tmp/zookeeper"):
        assert line in result.stdout


def test_kill_9_after_an_acknowledged_write_loses_nothing(tmp_path):
    """kill -9 right after acknowledged writes, restart on the same dataDir: data there, session back, zxids rising."""
    config = properties(tmp_path, tickTime=2000)
    server = ZooKeeperProcess(config)
    assert server.address is not None, "".join(server.lines)
    client = KazooClient(server.address, timeout=20, connection_retry={"max_tries": -1, "delay": 0.05, "max_delay": 0.2})
    client.start(timeout=10)
    try:
        client.create("/durable", b"acknowledged")
        client.create("/durable/eph", b"mine", ephemeral=True)
        last = client.set("/durable", b"acknowledged twice").mzxid
        session_id = client.client_id[0]
        server.proc.kill()  # SIGKILL: no snapshot, no clean close
        server.proc.wait(10)

        restarted = ZooKeeperProcess(config)
        assert restarted.address is not None, "".join(restarted.lines)
        client.set_hosts(restarted.address)
        wait_for(lambda: client.connected, 20, "kazoo to reattach", step=0.05)
        assert client.client_id[0] == session_id  # the same session, not a new one
        data, stat = client.get("/durable")
        assert data == b"acknowledged twice" and stat.version == 1
        eph_data, eph_stat = client.get("/durable/eph")
        assert eph_data == b"mine" and eph_stat.ephemeralOwner == session_id
        assert client.create("/after", b"").startswith("/after")
        assert client.exists("/after").czxid > last  # zxids keep rising across the crash
        assert "transactions replayed" in "".join(restarted.lines)
    finally:
        client.stop()
        client.close()
    restarted.proc.terminate()
    assert restarted.wait() == 0


def test_a_second_zookeeper_on_a_data_dir_in_use_is_refused(tmp_path):
    """Two servers on one dataDir: the second is refused before it reads or writes a file there."""
    config = properties(tmp_path)
    first = ZooKeeperProcess(config)
    assert first.address is not None, first.output
    client = KazooClient(first.address, timeout=20)
    client.start(timeout=10)
    try:
        client.create("/acknowledged", b"first")
        data_dir = tmp_path / "zk"
        before = {str(p.relative_to(data_dir)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(data_dir.rglob("*"))}

        second = KcliProcess("zookeeper-start", config)
        try:
            assert second.host is None, f"a second server started on {data_dir}:\n{second.output}"
            assert second.wait() == 1
        finally:
            second.stop()
        lines = [line for line in second.lines if line.strip()]
        assert len(lines) == 1 and "Traceback" not in second.output, second.output
        assert f"zookeeper already running as process {first.proc.pid}" in lines[0]
        assert os.path.abspath(data_dir) in lines[0] and "kcli zookeeper-stop" in lines[0]
        after = {str(p.relative_to(data_dir)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(data_dir.rglob("*"))}
        assert after == before  # no pid file, no new log file, no snapshot from the refused one

        client.set("/acknowledged", b"still served")  # the first still serves
        assert client.get("/acknowledged")[0] == b"still served"
    finally:
        client.stop()
        client.close()
        stopped = kcli("zookeeper-stop", str(config))
        code = first.wait()
    assert stopped.returncode == 0, stopped.stderr
    assert code == 0 and not (tmp_path / "zk" / "zookeeper_server.pid").exists()

    restarted = ZooKeeperProcess(config)  # the write acknowledged by the first is there
    assert restarted.address is not None, restarted.output
    client = KazooClient(restarted.address, timeout=20)
    client.start(timeout=10)
    try:
        assert client.get("/acknowledged")[0] == b"still served"
    finally:
        client.stop()
        client.close()
        restarted.stop()


def test_kill_9_releases_the_data_dir(tmp_path):
    config = properties(tmp_path)
    first = ZooKeeperProcess(config)
    assert first.address is not None, first.output
    first.proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: the OS drops the lock
    first.wait()

    restarted = ZooKeeperProcess(config)
    assert restarted.address is not None, restarted.output
    assert (tmp_path / "zk" / "zookeeper_server.pid").read_text().strip() == str(restarted.proc.pid)
    stopped = kcli("zookeeper-stop", str(config))
    assert stopped.returncode == 0, stopped.stderr
    assert restarted.wait() == 0
