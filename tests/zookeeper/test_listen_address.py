"""kcli's ZooKeeper listens on this machine only unless the config names another address."""

from kcli.config import shipped
from kcli.zookeeper.config import ZooKeeperConfig
from tests.processes import KcliProcess


def test_the_tutorials_file_listens_on_loopback(tmp_path):
    """The tutorial's zookeeper.properties sets no clientPortAddress: no authentication, so 127.0.0.1, as the broker's localhost."""
    config = tmp_path / "zookeeper.properties"
    text = shipped("zookeeper.properties").replace("clientPort=2181", "clientPort=0")
    config.write_text(text + f"dataDir={(tmp_path / 'zk').as_posix()}\n", encoding="utf-8")
    assert "\nclientPortAddress" not in text
    server = KcliProcess("zookeeper-start", config)
    try:
        assert server.host == "127.0.0.1", server.output
        assert f"client port     127.0.0.1:{server.port}" in server.output
    finally:
        server.stop()


def test_a_named_address_is_used():
    assert ZooKeeperConfig.from_properties({}).client_port_address == "127.0.0.1"
    assert ZooKeeperConfig.from_properties({"clientPortAddress": "0.0.0.0"}).client_port_address == "0.0.0.0"
    assert ZooKeeperConfig.from_properties({"clientPortAddress": " ::1 "}).client_port_address == "::1"
