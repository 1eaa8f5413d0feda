"""Shared fixtures: a real kcli broker on port 0 in a temporary directory."""

from __future__ import annotations

import shutil

import pytest

from kcli.broker.config import BrokerConfig
from kcli.broker.server import run_in_thread
from tests.peers import missing


def broker_config(log_dir, **props) -> BrokerConfig:
    base = {"listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": str(log_dir)}
    base.update({k.replace("_", "."): str(v) for k, v in props.items()})
    return BrokerConfig.from_properties(base)


@pytest.fixture
def broker(tmp_path):
    """A running broker; ``broker.bootstrap`` is its ``host:port``."""
    running = run_in_thread(broker_config(tmp_path / "kafka-logs"))
    yield running
    running.stop()


@pytest.fixture
def kcat():
    path = shutil.which("kcat") or shutil.which("kafkacat")
    if path is None:
        missing("needs kcat: apt-get install kcat (Debian); .ci/run installs it")
    return path
