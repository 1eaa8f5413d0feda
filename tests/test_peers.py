"""Tests that need kcat or Apache ZooKeeper skip, with the reason, where they are missing (and fail where CI requires them)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER_TESTS = [
    "tests/e2e/test_kcat.py",
    "tests/e2e/test_consumer_groups.py::test_kcat_balanced_consumer_commits_and_resumes",
    "tests/zookeeper/test_zkcli.py",
    "tests/cli/test_zookeeper_shell.py::test_command_transcript_prints_what_zkcli_prints",
    "tests/broker/test_zookeeper_mode.py::test_registers_as_a_kafka_3_broker[apache]",
]


def run_without_peers(tmp_path, **env) -> subprocess.CompletedProcess:
    """The peer tests in a pytest whose PATH is an empty directory (no kcat, no java) and with no ZooKeeper jars."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    environment = {**os.environ, "PATH": str(bin_dir), "PYTHONPATH": os.pathsep.join([str(ROOT / "tests" / "fixtures"), str(ROOT)]), **env}
    if "KCLI_REQUIRE_PEERS" not in env:
        environment.pop("KCLI_REQUIRE_PEERS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "without_peers", "-p", "no:cacheprovider", "-q", "-rs", *PEER_TESTS],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300,
    )


def counts(output: str) -> dict[str, int]:
    summary = output.strip().splitlines()[-1]
    return {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|skipped|errors?)", summary)}


def test_without_kcat_and_zookeeper_the_tests_that_need_them_skip_with_the_reason(tmp_path):
    ran = run_without_peers(tmp_path)
    found = counts(ran.stdout)
    assert found == {"skipped": 7}, ran.stdout[-3000:]
    assert "needs kcat: apt-get install kcat" in ran.stdout
    assert "apt-get install zookeeper" in ran.stdout


def test_where_ci_requires_them_a_missing_peer_fails(tmp_path):
    ran = run_without_peers(tmp_path, KCLI_REQUIRE_PEERS="1")
    found = counts(ran.stdout)
    assert found.get("failed", 0) + found.get("error", 0) + found.get("errors", 0) == 7 and "skipped" not in found, ran.stdout[-3000:]
    assert "KCLI_REQUIRE_PEERS=1: CI must run it" in ran.stdout
