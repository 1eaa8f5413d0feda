"""The tutorial's five steps with ZooKeeper, every one a ``kcli`` process, as the Kafka 3.x quickstart has them.

zookeeper-start → server-start config/server.properties (the shipped ZooKeeper-mode file, typed as
the tutorial types it) → topics --create → console-producer → console-consumer --from-beginning;
with zookeeper-shell looking at what the broker registered, and a clean stop removing it at once.
"""

from __future__ import annotations

import json
import os
import sys

import pytest

from tests.processes import KcliProcess, kcli

def started(*args, cwd=None, env=None) -> KcliProcess:
    process = KcliProcess(*args, cwd=cwd, env=env)
    assert process.connect, process.output
    return process


def test_the_five_steps_with_zookeeper(tmp_path):
    zk_props = tmp_path / "zookeeper.properties"
    zk_props.write_text(f"dataDir={(tmp_path / 'zookeeper').as_posix()}\nclientPort=0\nclientPortAddress=127.0.0.1\n"
                        "maxClientCnxns=0\nadmin.enableServer=false\n")
    zookeeper = started("zookeeper-start", str(zk_props))
    broker = None
    try:
        zk = zookeeper.connect.replace("0.0.0.0", "127.0.0.1")
        broker = started(
            "server-start", "config/server.properties",  # no such file in cwd: kcli's shipped ZooKeeper-mode file
            "--override", f"zookeeper.connect={zk}", "--override", "listeners=PLAINTEXT://127.0.0.1:0",
            "--override", f"log.dirs={tmp_path / 'kafka-logs'}", cwd=tmp_path,
        )
        assert any("Using kcli's shipped config/server.properties" in line for line in broker.lines)
        bootstrap = broker.connect

        assert kcli("topics", "--create", "--topic", "coffee", "--bootstrap-server", bootstrap).stdout == "Created topic coffee.\n"
        produced = kcli("console-producer", "--topic", "coffee", "--bootstrap-server", bootstrap,
                        input="This is my first event\nThis is my second event\n")
        assert produced.returncode == 0, produced.stderr
        consumed = kcli("console-consumer", "--topic", "coffee", "--from-beginning", "--max-messages", "2",
                        "--bootstrap-server", bootstrap)
        assert consumed.stdout == "This is my first event\nThis is my second event\n"
        assert "Processed a total of 2 messages" in consumed.stderr

        assert kcli("zookeeper-shell", zk, "ls", "/brokers/ids").stdout.splitlines()[-1] == "[0]"
        assignment = kcli("zookeeper-shell", zk, "get", "/brokers/topics/coffee").stdout.splitlines()[-1]
        assert json.loads(assignment)["partitions"] == {"0": [0]}
        registered = json.loads(kcli("zookeeper-shell", zk, "get", "/brokers/ids/0").stdout.splitlines()[-1])
        assert registered["port"] == int(bootstrap.rsplit(":", 1)[1])

        assert broker.stop() == 0
        broker = None
        assert kcli("zookeeper-shell", zk, "ls", "/brokers/ids").stdout.splitlines()[-1] == "[]"  # gone at once
    finally:
        if broker is not None:
            broker.stop()
        zookeeper.stop()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_DATA_HOME moves the default directories on Linux only")
def test_the_standalone_then_the_zookeeper_tutorial_each_keep_their_own_topics(tmp_path):
    """Both tutorials on the default data directories (under a temporary XDG_DATA_HOME): the second creates coffee too."""
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    loopback = ("--override", "listeners=PLAINTEXT://127.0.0.1:0")
    broker = started("server-start", *loopback, env=env)
    try:
        assert f"{tmp_path / 'data' / 'kcli' / 'kraft-combined-logs'} (standalone mode's default" in broker.output
        created = kcli("topics", "--create", "--topic", "coffee", "--bootstrap-server", broker.connect, env=env)
        assert created.stdout == "Created topic coffee.\n", created.stderr
        assert kcli("server-stop", env=env).returncode == 0  # no file given: it finds the standalone default directory
        assert broker.wait() == 0
    finally:
        broker.stop()

    zk_props = tmp_path / "zookeeper.properties"
    zk_props.write_text(f"dataDir={(tmp_path / 'zookeeper').as_posix()}\nclientPort=0\nclientPortAddress=127.0.0.1\n")
    zookeeper = started("zookeeper-start", str(zk_props))
    try:
        zk = zookeeper.connect.replace("0.0.0.0", "127.0.0.1")
        broker = started("server-start", "config/server.properties", "--override", f"zookeeper.connect={zk}", *loopback,
                         cwd=tmp_path, env=env)
        try:
            assert f"{tmp_path / 'data' / 'kcli' / 'kafka-logs'} (ZooKeeper mode's default" in broker.output
            created = kcli("topics", "--create", "--topic", "coffee", "--bootstrap-server", broker.connect, env=env)
            assert created.stdout == "Created topic coffee.\n", created.stderr  # not "Topic 'coffee' already exists."
            assert kcli("server-stop", env=env).returncode == 0  # and the ZooKeeper-mode default directory
            assert broker.wait() == 0
        finally:
            broker.stop()
    finally:
        zookeeper.stop()
