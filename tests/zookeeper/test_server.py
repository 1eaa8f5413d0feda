"""The ZooKeeper server as tests run it, on a thread: one owner per dataDir."""

import os
import socket

import pytest
from kazoo.client import KazooClient

from kcli.zookeeper.config import ZooKeeperConfig
from kcli.zookeeper.server import DataDirError, run_in_thread


def config(data_dir, port=0):
    return ZooKeeperConfig.from_properties({"dataDir": str(data_dir), "clientPort": str(port), "clientPortAddress": "127.0.0.1"})


def client(server) -> KazooClient:
    zk = KazooClient(server.connect_string, timeout=20)
    zk.start(timeout=10)
    return zk


def test_a_second_server_in_the_same_process_is_refused_until_the_first_stops(tmp_path):
    data_dir = tmp_path / "zk"
    first = run_in_thread(config(data_dir))
    zk = client(first)
    try:
        zk.create("/acknowledged", b"one")
        with pytest.raises(DataDirError) as refused:
            run_in_thread(config(data_dir)).stop()
        assert f"in {os.path.abspath(data_dir)}. A ZooKeeper server in another process or thread" in str(refused.value)
        zk.set("/acknowledged", b"two")
    finally:
        zk.stop()
        zk.close()
        first.stop()

    again = run_in_thread(config(data_dir))  # stop() released the lock
    zk = client(again)
    try:
        assert zk.get("/acknowledged")[0] == b"two"
    finally:
        zk.stop()
        zk.close()
        again.stop()


def test_a_server_that_fails_to_start_releases_its_data_dir(tmp_path):
    data_dir = tmp_path / "zk"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            run_in_thread(config(data_dir, taken.getsockname()[1]))
    run_in_thread(config(data_dir)).stop()
