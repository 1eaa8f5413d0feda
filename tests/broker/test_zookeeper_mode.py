"""The broker in ZooKeeper mode, against Debian's real Apache ZooKeeper (``apt-get install zookeeper``)
and against kcli's own ZooKeeper server: every test runs on both.

One ZooKeeper server per module; each test gets its own chroot in it, so
tests see only their own znodes (and the chroot path is exercised, as in
``zookeeper.connect=host:port/kafka``).
"""

from __future__ import annotations

import base64
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kazoo.client import KazooClient

from kcli.broker.config import BrokerConfig
from kcli.broker.server import run_in_thread
from kcli.broker.znodes import ZooKeeperError
from tests.ports import free_port
from tests.relay import Relay
from tests.waiting import wait_for
from tests.zk_real import start_real_zookeeper

SESSION_MS = 2000  # tickTime 500 → ZooKeeper allows 1000–10000 ms
STARTED = re.compile(r"started on (\S+):(\d+)")


class RealZooKeeper:
    """Apache ZooKeeper (tests/zk_real.py) with kcli's tickTime below; the same ``data_dir`` and port restart it."""

    def __init__(self, data_dir: Path, port: int | None = None):
        self.server = start_real_zookeeper(data_dir, port or 0, tick_time=500)
        self.port = self.server.port

    @property
    def address(self) -> str:
        return self.server.connect

    def stop(self) -> None:
        self.server.stop()


class KcliZooKeeper:
    """kcli's own ZooKeeper server on a thread, with the same tickTime as the Apache one above."""

    def __init__(self, data_dir: Path, port: int | None = None):
        from kcli.zookeeper.config import ZooKeeperConfig
        from kcli.zookeeper.server import run_in_thread as run_zookeeper

        self.running = run_zookeeper(ZooKeeperConfig.from_properties({
            "dataDir": str(data_dir), "clientPort": str(port or 0), "clientPortAddress": "127.0.0.1", "tickTime": "500",
        }))
        self.port = self.running.port

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.running.stop()


SERVERS = {"apache": RealZooKeeper, "kcli": KcliZooKeeper}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def zookeeper_server(request):
    return SERVERS[request.param]


@pytest.fixture(scope="module")
def zookeeper(tmp_path_factory, zookeeper_server):
    server = zookeeper_server(tmp_path_factory.mktemp("zookeeper") / "data")
    yield server
    server.stop()


@pytest.fixture
def chroot(request):
    return "/" + re.sub(r"[^A-Za-z0-9_]", "_", request.node.name)


@pytest.fixture
def zk(zookeeper, chroot):
    """A kazoo client looking at the test's chroot."""
    root = KazooClient(zookeeper.address)
    root.start(10)
    root.ensure_path(chroot)
    root.stop()
    root.close()
    client = KazooClient(zookeeper.address + chroot)
    client.start(10)
    yield client
    client.stop()
    client.close()


def zk_config(zookeeper, chroot, log_dir, **props) -> BrokerConfig:
    base = {
        "listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": str(log_dir),
        "zookeeper.connect": zookeeper.address + chroot, "zookeeper.session.timeout.ms": str(SESSION_MS),
    }
    base.update(props)
    return BrokerConfig.from_properties(base)


def create_topic(broker, name, partitions=1):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    admin.create_topics([NewTopic(name, partitions, 1)])
    admin.close()


def get_json(zk, path):
    data, _ = zk.get(path)
    return json.loads(data)


def test_registers_as_a_kafka_3_broker(zookeeper, chroot, zk, tmp_path):
    broker = run_in_thread(zk_config(zookeeper, chroot, tmp_path / "logs"))
    try:
        assert zk.get_children("/brokers/ids") == ["0"]
        registration, stat = zk.get("/brokers/ids/0")
        assert stat.ephemeralOwner != 0
        body = json.loads(registration)
        assert body["endpoints"] == [f"PLAINTEXT://127.0.0.1:{broker.port}"]
        assert (body["host"], body["port"], body["version"], body["jmx_port"]) == ("127.0.0.1", broker.port, 5, -1)
        assert body["listener_security_protocol_map"] == {"PLAINTEXT": "PLAINTEXT"} and body["features"] == {}
        assert abs(int(body["timestamp"]) - time.time() * 1000) < 60_000
        assert get_json(zk, "/cluster/id") == {"version": "1", "id": broker.broker.catalog.cluster_id}
        controller, controller_stat = zk.get("/controller")
        assert json.loads(controller)["brokerid"] == 0 and json.loads(controller)["kraftControllerEpoch"] == -1
        assert controller_stat.ephemeralOwner == stat.ephemeralOwner
        assert zk.get("/controller_epoch")[0] == b"1"
        assert get_json(zk, "/feature") == {"features": {}, "version": 2, "status": 1}
        for path in ("/brokers/seqid", "/admin/delete_topics", "/isr_change_notification", "/latest_producer_id_block",
                     "/config/changes", "/config/brokers", "/config/users", "/config/clients", "/config/topics"):
            assert zk.get(path)[0] is None, path  # null data, as Kafka leaves them
        # A client sees the same cluster id through Metadata.
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
        assert admin.describe_cluster()["cluster_id"] == broker.broker.catalog.cluster_id
        admin.close()
    finally:
        broker.stop()


def test_topics_are_kept_current(zookeeper, chroot, zk, tmp_path):
    broker = run_in_thread(zk_config(zookeeper, chroot, tmp_path / "logs"))
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        admin.create_topics([NewTopic("coffee", 2, 1, topic_configs={"retention.ms": "60000"})])
        wait_for(lambda: zk.exists("/brokers/topics/coffee/partitions/1/state"), what="coffee's partition state")
        topic_id = broker.broker.catalog.topics["coffee"].topic_id
        assignment = get_json(zk, "/brokers/topics/coffee")
        assert assignment["partitions"] == {"0": [0], "1": [0]} and assignment["version"] == 3
        assert assignment["adding_replicas"] == {} and assignment["removing_replicas"] == {}
        assert assignment["topic_id"] == base64.urlsafe_b64encode(topic_id.bytes).decode().rstrip("=")
        assert get_json(zk, "/config/topics/coffee") == {"version": 1, "config": {"retention.ms": "60000"}}
        state = get_json(zk, "/brokers/topics/coffee/partitions/0/state")
        assert state == {"controller_epoch": 1, "leader": 0, "version": 1, "leader_epoch": 0, "isr": [0]}

        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "coffee", configs={"retention.ms": "120000", "cleanup.policy": "compact"})])
        wait_for(lambda: get_json(zk, "/config/topics/coffee")["config"] == {"retention.ms": "120000", "cleanup.policy": "compact"}, what="new configs")
        changes = wait_for(lambda: zk.get_children("/config/changes"), what="a config change notification")  # written after the config
        assert len(changes) == 1 and changes[0].startswith("config_change_")
        assert get_json(zk, "/config/changes/" + changes[0]) == {"version": 2, "entity_path": "topics/coffee"}

        admin.create_partitions({"coffee": NewPartitions(3)})
        wait_for(lambda: zk.exists("/brokers/topics/coffee/partitions/2/state"), what="the third partition")
        assert get_json(zk, "/brokers/topics/coffee")["partitions"] == {"0": [0], "1": [0], "2": [0]}

        producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
        for i in range(3):
            producer.send("coffee", key=b"cup", value=b"cup %d" % i, partition=2)  # compacted now: a key is needed
        producer.flush()
        producer.close()
        consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=10_000)
        consumer.assign([TopicPartition("coffee", 2)])
        assert [r.value for _, r in zip(range(3), consumer)] == [b"cup 0", b"cup 1", b"cup 2"]
        consumer.close()

        producer = KafkaProducer(bootstrap_servers=broker.bootstrap)  # auto-created topics are registered too
        producer.send("tea", b"green").get(10)
        producer.close()
        wait_for(lambda: zk.exists("/brokers/topics/tea/partitions/0/state"), what="auto-created tea")

        admin.delete_topics(["coffee"])
        wait_for(lambda: not zk.exists("/brokers/topics/coffee") and not zk.exists("/config/topics/coffee"), what="coffee's znodes to go")
        assert sorted(zk.get_children("/brokers/topics")) == ["tea"]
    finally:
        admin.close()
        broker.stop()


def test_clean_stop_removes_the_registration_at_once(zookeeper, chroot, zk, tmp_path):
    broker = run_in_thread(zk_config(zookeeper, chroot, tmp_path / "logs"))
    gone = threading.Event()
    assert zk.exists("/brokers/ids/0", watch=lambda event: gone.set())
    began = time.monotonic()
    broker.stop()
    assert gone.wait(SESSION_MS / 1000 / 2), "the session must be closed, not left to expire"
    assert time.monotonic() - began < SESSION_MS / 1000 / 2
    assert zk.exists("/brokers/ids/0") is None and zk.exists("/controller") is None
    assert zk.exists("/cluster/id")  # persistent state stays


def test_restart_keeps_the_cluster_and_a_new_directory_adopts_it(zookeeper, chroot, zk, tmp_path):
    first = run_in_thread(zk_config(zookeeper, chroot, tmp_path / "logs"))
    admin = KafkaAdminClient(bootstrap_servers=first.bootstrap)
    admin.create_topics([NewTopic("coffee", 2, 1, topic_configs={"retention.ms": "60000"})])
    admin.close()
    wait_for(lambda: zk.exists("/brokers/topics/coffee/partitions/1/state"), what="coffee")
    cluster_id = first.broker.catalog.cluster_id
    topic_id = first.broker.catalog.topics["coffee"].topic_id
    first.stop()

    again = run_in_thread(zk_config(zookeeper, chroot, tmp_path / "logs"))
    assert again.broker.catalog.cluster_id == cluster_id
    assert zk.get("/controller_epoch")[0] == b"2"  # a new election
    again.stop()

    fresh = run_in_thread(zk_config(zookeeper, chroot, tmp_path / "fresh-logs"))
    try:
        assert fresh.broker.catalog.cluster_id == cluster_id
        assert "cluster.id=" + cluster_id in (tmp_path / "fresh-logs" / "meta.properties").read_text()
        coffee = fresh.broker.catalog.topics["coffee"]  # known to ZooKeeper, so taken in
        assert (coffee.topic_id, len(coffee.partitions), coffee.configs) == (topic_id, 2, {"retention.ms": "60000"})
    finally:
        fresh.stop()


def test_log_dir_of_another_cluster_is_refused(zookeeper, chroot, zk, tmp_path):
    run_in_thread(zk_config(zookeeper, chroot, tmp_path / "logs")).stop()
    other = tmp_path / "other-logs"
    other.mkdir()
    (other / "meta.properties").write_text("node.id=0\nversion=1\ncluster.id=AAAAAAAAAAAAAAAAAAAAAA\n")
    with pytest.raises(ZooKeeperError) as info:
        run_in_thread(zk_config(zookeeper, chroot, other))
    assert "doesn't match stored clusterId AAAAAAAAAAAAAAAAAAAAAA in meta.properties" in str(info.value)
    assert zk.get_children("/brokers/ids") == []


def test_a_second_broker_follows_the_controller(zookeeper, chroot, zk, tmp_path):
    first = run_in_thread(zk_config(zookeeper, chroot, tmp_path / "logs"))
    try:
        second = run_in_thread(zk_config(zookeeper, chroot, tmp_path / "other-logs", **{"broker.id": "1"}))
        try:
            assert sorted(zk.get_children("/brokers/ids")) == ["0", "1"]
            assert json.loads(zk.get("/controller")[0])["brokerid"] == 0
            assert zk.get("/controller_epoch")[0] == b"1"  # the follower's election changed nothing
            assert second.broker.zookeeper.controller_epoch == 1
        finally:
            second.stop()
    finally:
        first.stop()


def test_an_expired_session_registers_again(zookeeper, chroot, zk, tmp_path):
    broker = run_in_thread(zk_config(zookeeper, chroot, tmp_path / "logs"))
    try:
        create_topic(broker, "coffee")
        wait_for(lambda: zk.exists("/brokers/topics/coffee/partitions/0/state"), what="coffee")
        old_owner = zk.exists("/brokers/ids/0").ephemeralOwner
        # Expire the broker's session the way ZooKeeper's own tests do: take it over with its id and password, then close it.
        thief = KazooClient(zookeeper.address, client_id=broker.broker.zookeeper.client_id)
        thief.start(10)
        thief.stop()
        thief.close()

        def registered_again():
            broker_id, controller = zk.exists("/brokers/ids/0"), zk.exists("/controller")
            return broker_id and controller and broker_id.ephemeralOwner != old_owner and controller.ephemeralOwner == broker_id.ephemeralOwner

        wait_for(registered_again, 10, "a new registration as broker and controller")
        assert zk.get("/controller_epoch")[0] == b"2"  # bumped in the same multi that created /controller
        create_topic(broker, "tea")  # the worker still follows the catalog on the new session
        wait_for(lambda: zk.exists("/brokers/topics/tea/partitions/0/state"), what="tea")
    finally:
        broker.stop()
    assert zk.exists("/brokers/ids/0") is None


def test_survives_a_zookeeper_restart_and_stops_while_it_is_down(tmp_path, zookeeper_server):
    server = zookeeper_server(tmp_path / "zookeeper")
    relay = Relay(("127.0.0.1", server.port))  # open only while a server serves (tests/relay.py says why)
    broker = run_in_thread(zk_config(relay, "", tmp_path / "logs"))
    owner = broker.broker.zookeeper.session_id
    server.stop()
    relay.close()
    server = zookeeper_server(tmp_path / "zookeeper", server.port)  # same data: ZooKeeper keeps the session
    relay.open()
    client = KazooClient(server.address)
    client.start(10)
    try:
        assert client.exists("/brokers/ids/0").ephemeralOwner == owner
        wait_for(lambda: broker.broker.zookeeper.session_id == owner, 10, "the broker to reconnect")
        create_topic(broker, "coffee")
        wait_for(lambda: client.exists("/brokers/topics/coffee/partitions/0/state"), what="coffee after the restart")
        server.stop()
        relay.close()
        began = time.monotonic()
        broker.stop()
        assert time.monotonic() - began < 5  # no waiting on a ZooKeeper that is gone
    finally:
        client.stop()
        client.close()
        server.stop()  # a no-op when already stopped
        relay.close()


def test_a_second_broker_with_the_same_id_is_refused(zookeeper, chroot, zk, tmp_path):
    first = run_in_thread(zk_config(zookeeper, chroot, tmp_path / "logs"))
    try:
        owner = zk.exists("/brokers/ids/0").ephemeralOwner
        began = time.monotonic()
        with pytest.raises(ZooKeeperError) as info:
            run_in_thread(zk_config(zookeeper, chroot, tmp_path / "other-logs"))
        assert time.monotonic() - began >= SESSION_MS / 1000  # it waited in case the holder was a killed broker
        assert f"Error while creating ephemeral at /brokers/ids/0, node already exists and owner '0x{owner:x}'" in str(info.value)
        assert "broker.id=0" in str(info.value)
        assert zk.exists("/brokers/ids/0").ephemeralOwner == owner
    finally:
        first.stop()


# -- as a process: kill -9, restart, unreachable ZooKeeper ---------------------------


class BrokerProcess:
    """``python -m kcli server-start`` in a subprocess; waits for its ``started`` line."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen([sys.executable, "-m", "kcli", "server-start", *args], stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        for line in self.proc.stderr:
            self.lines.append(line)
            if STARTED.search(line):
                break
        threading.Thread(target=lambda: self.lines.extend(self.proc.stderr), daemon=True).start()

    @property
    def started(self) -> bool:
        return any(STARTED.search(line) for line in self.lines)


def process_args(zookeeper, chroot, tmp_path, *extra):
    props = {
        "listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": str(tmp_path / "logs"),
        "zookeeper.connect": zookeeper.address + chroot, "zookeeper.session.timeout.ms": str(SESSION_MS),
    }
    args = [a for k, v in props.items() for a in ("--override", f"{k}={v}")]
    return [*args, *extra]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_kill_9_leaves_the_registration_until_the_session_expires(zookeeper, chroot, zk, tmp_path):
    broker = BrokerProcess(*process_args(zookeeper, chroot, tmp_path))
    assert broker.started, "".join(broker.lines)
    assert zk.get_children("/brokers/ids") == ["0"]
    broker.proc.send_signal(signal.SIGKILL)
    broker.proc.wait(10)
    killed = time.monotonic()
    assert zk.exists("/brokers/ids/0")  # still there: nobody closed the session
    wait_for(lambda: zk.exists("/brokers/ids/0") is None, 5 * SESSION_MS / 1000, "the session to expire")
    elapsed = time.monotonic() - killed
    assert SESSION_MS / 1000 * 0.5 < elapsed < SESSION_MS / 1000 * 2 + 2.0, elapsed  # ZooKeeper expires between timeout and timeout + ticks


@pytest.mark.skipif(sys.platform == "win32", reason="a clean SIGTERM stop")
def test_restart_right_after_kill_9_waits_for_the_old_session(zookeeper, chroot, zk, tmp_path):
    """A broker killed with -9 leaves ``/brokers/ids/0`` to a session nobody closes; a restart waits for it to go.

    The test's own session stands for the killed broker's, so the test decides when it ends: the broker
    must report the old session, hold off while it lives, and register as soon as it is gone. (Racing a
    real killed session's short timeout against the restart's start-up is a race that load can lose.)
    """
    zk.create("/brokers/ids/0", json.dumps({"version": 5, "host": "127.0.0.1", "port": 1, "jmx_port": -1, "timestamp": "0",
                                            "endpoints": ["PLAINTEXT://127.0.0.1:1"]}).encode(), ephemeral=True, makepath=True)
    old_owner = zk.exists("/brokers/ids/0").ephemeralOwner
    # The broker waits up to twice its session timeout for the old one: 20 s here, far more than the test needs.
    args = process_args(zookeeper, chroot, tmp_path, "--override", "zookeeper.session.timeout.ms=10000")
    proc = subprocess.Popen([sys.executable, "-m", "kcli", "server-start", *args], stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True).start()
    try:
        wait_for(lambda: any("still held by session 0x%x" % old_owner in line for line in lines), 60,
                 "the broker to report the old session's registration")
        assert not any(STARTED.search(line) for line in lines), "".join(lines)  # it waits, it does not start beside it
        assert zk.exists("/brokers/ids/0").ephemeralOwner == old_owner
        zk.stop()  # the old session ends, as the killed broker's ends when it expires
        wait_for(lambda: any(STARTED.search(line) for line in lines), 30, "the broker to start once the old session is gone")
        watcher = KazooClient(zookeeper.address + chroot)
        watcher.start(10)
        try:
            stat = watcher.exists("/brokers/ids/0")
            assert stat is not None and stat.ephemeralOwner != old_owner
            port = int(STARTED.search("".join(lines)).group(2))
            assert get_json(watcher, "/brokers/ids/0")["port"] == port
        finally:
            watcher.stop()
            watcher.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, "".join(lines)


def test_unreachable_zookeeper_says_it_waits_at_once_then_one_line_and_exit_1(tmp_path):
    """The wait is announced when it starts, not when it ends: here the timeout is 4 s, and the notice comes well before it."""
    port = free_port()  # nothing listens there
    began = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kcli", "server-start", "--override", f"zookeeper.connect=127.0.0.1:{port}",
         "--override", "zookeeper.connection.timeout.ms=4000", "--override", f"log.dirs={tmp_path / 'logs'}",
         "--override", "listeners=PLAINTEXT://127.0.0.1:0"],
        stderr=subprocess.PIPE, text=True,
    )
    try:
        waiting = proc.stderr.readline()
        noticed = time.monotonic()
        rest = proc.stderr.read()
        code = proc.wait(30)
    finally:
        proc.kill()
    ended = time.monotonic()
    assert waiting.startswith(f"Waiting for ZooKeeper at 127.0.0.1:{port} (up to 4000 ms"), waiting + rest
    assert ended - noticed > 3, "the notice came only when the wait was over"
    assert code == 1
    lines = [line for line in rest.splitlines() if line.strip()]
    assert len(lines) == 1, rest
    assert "Timed out waiting for connection to ZooKeeper at 127.0.0.1:%d while in state: CONNECTING" % port in lines[0]
    assert "zookeeper.connection.timeout.ms=4000" in lines[0]
    assert 4 <= ended - began < 23, ended - began


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_while_waiting_for_zookeeper_exits_at_once(tmp_path):
    with socket.socket() as silent:  # accepts the connection, never answers the handshake
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(20)
        proc = subprocess.Popen(
            [sys.executable, "-m", "kcli", "server-start", "--override", f"zookeeper.connect=127.0.0.1:{silent.getsockname()[1]}",
             "--override", f"log.dirs={tmp_path / 'logs'}", "--override", "listeners=PLAINTEXT://127.0.0.1:0"],
            stderr=subprocess.PIPE, text=True,
        )
        connection, _ = silent.accept()  # the broker is now waiting for ZooKeeper (18 s by default)
        proc.send_signal(signal.SIGINT)
        began = time.monotonic()
        _, err = proc.communicate(timeout=30)
        connection.close()
    assert time.monotonic() - began < 5, "Ctrl+C must not wait for zookeeper.connection.timeout.ms"
    assert "Traceback" not in err
    assert not (tmp_path / "logs" / "kcli-broker.pid").exists()


def test_shipped_server_properties_runs_the_tutorial(zookeeper, chroot, zk, tmp_path):
    """``server-start config/server.properties`` (kcli's ZooKeeper-mode file), then topics, producer, consumer."""
    from kcli.config import shipped

    config = tmp_path / "config" / "server.properties"
    config.parent.mkdir()
    config.write_text(shipped("server.properties").replace("zookeeper.connect=localhost:2181", f"zookeeper.connect={zookeeper.address}{chroot}"))
    broker = BrokerProcess(str(config), "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", f"log.dirs={tmp_path / 'logs'}")
    assert broker.started, "".join(broker.lines)
    bootstrap = "127.0.0.1:%s" % STARTED.search("".join(broker.lines)).group(2)

    def kcli(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "kcli", *args, "--bootstrap-server", bootstrap], input=stdin, capture_output=True, text=True, timeout=60)

    def zookeeper_shell(*command):
        return subprocess.run([sys.executable, "-m", "kcli", "zookeeper-shell", f"{zookeeper.address}{chroot}", *command],
                              capture_output=True, text=True, timeout=60).stdout

    try:
        assert zk.get_children("/brokers/ids") == ["0"]
        assert zookeeper_shell("ls", "/brokers/ids") == "[0]\n"
        assert kcli("topics", "--create", "--topic", "coffee").stdout == "Created topic coffee.\n"
        assert kcli("console-producer", "--topic", "coffee", stdin="first event\nsecond event\n").returncode == 0
        consumed = kcli("console-consumer", "--topic", "coffee", "--from-beginning", "--max-messages", "2")
        assert consumed.stdout == "first event\nsecond event\n"
        assert get_json(zk, "/brokers/topics/coffee")["partitions"] == {"0": [0]}
        assert json.loads(zookeeper_shell("get", "/brokers/topics/coffee"))["partitions"] == {"0": [0]}
    finally:
        stopped = subprocess.run([sys.executable, "-m", "kcli", "server-stop", str(config), "--override", f"log.dirs={tmp_path / 'logs'}"],
                                 capture_output=True, text=True, timeout=60)
        assert broker.proc.wait(30) == 0 and stopped.returncode == 0, stopped.stderr
    assert zk.exists("/brokers/ids/0") is None  # kcli server-stop closes the session
