"""The tutorial's five steps with ZooKeeper, every one a ``kcli`` process, as the Kafka 3.x quickstart has them.

zookeeper-start → server-start config/server.properties (the shipped ZooKeeper-mode file, typed as
the tutorial types it) → topics --create → console-producer → console-consumer --from-beginning;
with zookeeper-shell looking at what the broker registered, and a clean stop removing it at once.
"""

from __future__ import annotations

import json

from tests.processes import KcliProcess, kcli

def started(*args, cwd=None) -> KcliProcess:
    process = KcliProcess(*args, cwd=cwd)
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
