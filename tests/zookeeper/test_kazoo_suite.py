"""kazoo's own test suite (it ships inside the kazoo package) against kcli's ZooKeeper server.

Real ZooKeeper 3.8 standalone with ``4lw.commands.whitelist=*`` passes 237 of
these tests; the ones left out need a cluster, SSL or reconfig
(research: zookeeper.md §8), and one more is left out for a race in its own code (RACES_IN_KAZOO). kazoo's harness is pointed at the running server
by tests/fixtures/kazoo_external_zk.py. Most of kazoo's tests wait (fixed sleeps, a watch given 10 s to
not fire) rather than compute, so they run on four pytest-xdist workers at once against the one server:
under half the wall time, and the server sees concurrent clients as it would in use.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kcli.zookeeper.config import ZooKeeperConfig
from kcli.zookeeper.server import run_in_thread

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MODULES = ["test_client", "test_barrier", "test_cache", "test_counter", "test_election", "test_lease", "test_lock",
           "test_partitioner", "test_party", "test_queue", "test_watchers", "test_connection", "test_interrupt",
           "test_build"]
NEEDS_A_CLUSTER_SSL_OR_RECONFIG = [
    "test_request_queuing_session_expired", "test_request_queuing_session_recovered",  # a 3-server cluster
    "TestSSLClient",  # a TLS port
    "TestReconfig",  # dynamic reconfiguration of an ensemble
    "TestReadOnlyMode",  # a partitioned ensemble
]
# A race in the test itself, whatever the server: its main thread waits, with no timeout, on the semaphore's
# wake_event, which the session-loss listener sets and the acquiring thread clears again at once. On a busy
# machine the main thread can get there after the clear and wait forever (seen: 1 in ~300 runs against kcli with
# the machine loaded; the timeout's stack dump shows the main thread at test_lock.py's
# `expire_semaphore.wake_event.wait()`, and the expiring thread already done). Upstream's test is the same.
RACES_IN_KAZOO = ["(TestSemaphore and test_handle_session_loss)"]
REAL_ZOOKEEPER_3_8_PASSES = 236  # of the tests run here: 237 with the one above
KAZOO_WORKERS = 4  # more does not help: the slowest tests each wait about 10 s
SUPER_DIGEST = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="  # kazoo's harness gives its ZooKeeper this (password "test")


@pytest.mark.timeout(600)
def test_kazoo_suite_passes_what_real_zookeeper_passes(tmp_path):
    pytest.importorskip("OpenSSL", reason="kazoo.testing imports pyOpenSSL (in the test extra)")
    zk = run_in_thread(ZooKeeperConfig.from_properties({
        "dataDir": str(tmp_path / "zk"), "clientPort": "0", "clientPortAddress": "127.0.0.1", "tickTime": "2000",
        "4lw.commands.whitelist": "*", "DigestAuthenticationProvider.superDigest": SUPER_DIGEST,
    }))
    try:
        env = {**os.environ, "KCLI_ZK": zk.connect_string, "ZOOKEEPER_VERSION": "3.8.4",
               "PYTHONPATH": os.pathsep.join([str(FIXTURES), os.environ.get("PYTHONPATH", "")])}
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "kazoo_external_zk", "-p", "no:cacheprovider", "-q", "-n", str(KAZOO_WORKERS),
             "--timeout=60", "--rootdir", str(tmp_path), "-k", " and ".join(f"not {name}" for name in NEEDS_A_CLUSTER_SSL_OR_RECONFIG + RACES_IN_KAZOO),
             "--pyargs", *(f"kazoo.tests.{m}" for m in MODULES)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=570,
        )
    finally:
        zk.stop()
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:]
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|errors?)", summary)}
    assert counts.get("failed", 0) == 0 and counts.get("error", 0) == 0 and counts.get("errors", 0) == 0, result.stdout[-6000:]
    assert counts.get("passed", 0) >= REAL_ZOOKEEPER_3_8_PASSES, summary
