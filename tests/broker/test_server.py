"""The broker's server as tests and the quickstart run it, on a thread: one owner per log directory."""

import os
import socket

import pytest
from kafka.admin import KafkaAdminClient, NewTopic

from kcli.broker.server import LogDirError, run_in_thread
from tests.conftest import broker_config, produce, read


def test_a_second_broker_in_the_same_process_is_refused_until_the_first_stops(tmp_path):
    logs = tmp_path / "logs"
    first = run_in_thread(broker_config(logs))
    try:
        admin = KafkaAdminClient(bootstrap_servers=first.bootstrap)
        admin.create_topics([NewTopic("coffee", 1, 1)])
        admin.close()
        assert produce(first.bootstrap, "coffee", [b"a", b"b", b"c"]) == [0, 1, 2]
        with pytest.raises(LogDirError) as refused:
            run_in_thread(broker_config(logs)).stop()
        assert str(refused.value) == (f"Failed to acquire lock on file .lock in {os.path.abspath(logs)}. "
                                      "A Kafka instance in another process or thread is using this directory.")
        assert produce(first.bootstrap, "coffee", [b"d"]) == [3]
    finally:
        first.stop()

    again = run_in_thread(broker_config(logs))  # stop() released the lock
    try:
        assert read(again.bootstrap, "coffee", 4) == [(0, b"a"), (1, b"b"), (2, b"c"), (3, b"d")]
    finally:
        again.stop()


def test_a_broker_that_fails_to_start_releases_its_log_dir(tmp_path):
    logs = tmp_path / "logs"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            run_in_thread(broker_config(logs, listeners=f"PLAINTEXT://127.0.0.1:{taken.getsockname()[1]}"))
    run_in_thread(broker_config(logs)).stop()
