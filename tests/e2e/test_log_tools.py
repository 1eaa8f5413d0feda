"""The log tools as processes against a ``kcli server-start`` broker, next to confluent-kafka's view of the same log."""

from __future__ import annotations

import json
import re

from confluent_kafka import Consumer, Producer, TopicPartition

from tests.e2e.test_server_process import ServerProcess, overrides
from tests.processes import kcli


def test_offsets_commit_dump_and_log_dirs(tmp_path):
    server = ServerProcess(*overrides(tmp_path))
    bootstrap = "%s:%d" % server.address
    try:
        producer = Producer({"bootstrap.servers": bootstrap})
        for i in range(5):
            producer.produce("coffee", key=b"k%d" % i, value=b"cup %d" % i)
        assert producer.flush(30) == 0
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "baristas", "enable.auto.commit": False})
        consumer.commit(offsets=[TopicPartition("coffee", 0, 4)], asynchronous=False)
        low, high = consumer.get_watermark_offsets(TopicPartition("coffee", 0), timeout=30)
        consumer.close()

        latest = kcli("get-offsets", "--topic", "coffee", "--bootstrap-server", bootstrap)
        earliest = kcli("get-offsets", "--topic", "coffee", "--time", "earliest", "--bootstrap-server", bootstrap)
        assert (latest.stdout, earliest.stdout) == (f"coffee:0:{high}\n", f"coffee:0:{low}\n") == ("coffee:0:5\n", "coffee:0:0\n")

        altered = kcli("configs", "--bootstrap-server", bootstrap, "--alter", "--topic", "coffee", "--add-config", "retention.ms=86400000")
        assert altered.stdout == "Completed updating config for topic coffee.\n", altered.stderr

        shown = kcli("log-dirs", "--describe", "--topic-list", "coffee", "--bootstrap-server", bootstrap)
        document = json.loads(shown.stdout.splitlines()[2])
        [replica] = document["brokers"][0]["logDirs"][0]["partitions"]
        assert replica["partition"] == "coffee-0"
        assert replica["size"] == (tmp_path / "logs" / "coffee-0" / "00000000000000000000.log").stat().st_size > 0
    finally:
        stopped = kcli("server-stop", *overrides(tmp_path)[2:])
        assert stopped.returncode == 0, stopped.stderr
        server.wait()

    segment = tmp_path / "logs" / "coffee-0" / "00000000000000000000.log"
    dumped = kcli("dump-log", "--print-data-log", "--files", segment)
    lines = dumped.stdout.splitlines()
    assert lines[:2] == [f"Dumping {segment}", "Log starting offset: 0"]
    records = [line for line in lines if line.startswith("| offset: ")]
    assert [re.search(r"key: (\S+) payload: (.*)$", r).groups() for r in records] == [(f"k{i}", f"cup {i}") for i in range(5)]

    offsets_log = tmp_path / "logs" / "__consumer_offsets-0" / "00000000000000000000.log"
    decoded = kcli("dump-log", "--offsets-decoder", "--files", offsets_log)
    assert decoded.returncode == 0, decoded.stderr
    commit = next(line for line in decoded.stdout.splitlines() if '"type":"1"' in line)
    assert 'key: {"type":"1","data":{"group":"baristas","topic":"coffee","partition":0}} payload: {"version":"3","data":{"offset":4,' in commit
