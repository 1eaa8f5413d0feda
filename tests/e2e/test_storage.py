"""kafka-storage and Kafka's KRaft quickstart, typed as Kafka's docs type them, each step a ``kcli`` process.

The docs' data directory comes from the config file; kcli's shipped
``config/kraft/server.properties`` leaves ``log.dirs`` to kcli's default
(platformdirs' data dir), which these tests point into a temporary directory
with XDG_DATA_HOME (Linux) / LOCALAPPDATA (Windows) / HOME (macOS). The broker
listens on port 0 (``--override listeners=…``) instead of the docs' 9092, as
every test here must.
"""

from __future__ import annotations

import os
import re
import sys

import pytest
from kafka import KafkaAdminClient

from tests.processes import KcliProcess, kcli

PORT_0 = ["--override", "listeners=PLAINTEXT://127.0.0.1:0"]


@pytest.fixture
def home(tmp_path):
    """A working directory without config/ (the shipped files stand in) and kcli's data dir under tmp_path."""
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), LOCALAPPDATA=str(tmp_path / "data"), HOME=str(tmp_path))
    work = tmp_path / "work"
    work.mkdir()
    return env, work


def _data_dir(env, work) -> str:
    info = kcli("storage", "info", "-c", "config/kraft/server.properties", env=env, cwd=work)
    return re.search(r"^  (\S.*)$", info.stdout, re.M).group(1)


@pytest.mark.skipif(sys.platform == "win32", reason="the docs' $(...) quickstart is a POSIX shell transcript")
def test_kraft_quickstart_as_typed(home):
    env, work = home
    script = (
        'KAFKA_CLUSTER_ID="$(kcli storage random-uuid)"\n'
        "kcli storage format --standalone -t $KAFKA_CLUSTER_ID -c config/kraft/server.properties\n"
        'echo "id=$KAFKA_CLUSTER_ID"\n'
    )
    bin_dir = os.path.dirname(sys.executable)
    shell_env = dict(env, PATH=bin_dir + os.pathsep + env.get("PATH", ""))
    import subprocess

    ran = subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=shell_env, cwd=work, timeout=120)
    assert ran.returncode == 0, ran.stderr
    cluster_id = re.search(r"^id=(\S+)$", ran.stdout, re.M).group(1)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", cluster_id)
    data_dir = _data_dir(env, work)
    assert ran.stdout.splitlines()[0] == f"Formatting dynamic metadata voter directory {data_dir} with metadata.version 3.9-IV0."
    server = KcliProcess("server-start", "config/kraft/server.properties", *PORT_0, env=env, cwd=work)
    try:
        assert server.connect, server.output
        admin = KafkaAdminClient(bootstrap_servers=server.connect)
        assert admin.describe_cluster()["cluster_id"] == cluster_id  # the broker took the formatted cluster
        admin.close()
        created = kcli("topics", "--create", "--topic", "quickstart-events", "--bootstrap-server", server.connect, env=env, cwd=work)
        assert created.stdout == "Created topic quickstart-events.\n", created.stderr
    finally:
        server.proc.terminate()
        server.wait()
    info = kcli("storage", "info", "-c", "config/kraft/server.properties", env=env, cwd=work)
    assert info.returncode == 0
    assert info.stdout.startswith(f"Found log directory:\n  {data_dir}\n\nFound metadata: {{cluster.id={cluster_id}, directory.id=")
    assert info.stdout.endswith(", node.id=0, version=1}\n\n")


def test_format_refusals_in_kafkas_words(home):
    env, work = home
    first = kcli("storage", "random-uuid", env=env).stdout.strip()
    other = kcli("storage", "random-uuid", env=env).stdout.strip()
    without = kcli("storage", "format", "-t", first, "-c", "config/kraft/server.properties", env=env, cwd=work)
    assert without.returncode == 1
    assert without.stderr.splitlines()[-1] == ("Because controller.quorum.voters is not set on this controller, you must "
                                               "specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.")
    assert kcli("storage", "format", "-s", "-t", first, "-c", "config/kraft/server.properties", env=env, cwd=work).returncode == 0
    data_dir = _data_dir(env, work)
    again = kcli("storage", "format", "-s", "-t", first, "-c", "config/kraft/server.properties", env=env, cwd=work)
    assert again.returncode == 1 and again.stderr.splitlines()[-1] == (
        f"Log directory {data_dir} is already formatted. Use --ignore-formatted to ignore this directory and format the others.")
    ignored = kcli("storage", "format", "-s", "-g", "-t", first, "-c", "config/kraft/server.properties", env=env, cwd=work)
    assert (ignored.returncode, ignored.stdout) == (0, "All of the log directories are already formatted.\n")
    foreign = kcli("storage", "format", "-s", "-t", other, "-c", "config/kraft/server.properties", env=env, cwd=work)
    assert foreign.stderr.splitlines()[-1] == (
        f"Invalid cluster.id in: {os.path.join(data_dir, 'meta.properties')}. Expected {other}, but read {first}")
    bad = kcli("storage", "format", "-s", "-t", "not-a-uuid", "-c", "config/kraft/server.properties", env=env, cwd=work)
    assert bad.stderr.splitlines()[-1] == ("Cluster ID string not-a-uuid does not appear to be a valid UUID: Input string "
                                           "`not-a-uuid` decoded as 7 bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID")
    legacy = kcli("storage", "format", "-s", "-t", first, "-c", "config/server.properties", env=env, cwd=work)
    assert legacy.stderr.splitlines()[-1] == ("The kafka configuration file appears to be for a legacy cluster. "
                                              "Formatting is only supported for clusters in KRaft mode.")


def _kraft_config(path, log_dirs, node_id=0):
    path.write_text(f"process.roles=broker,controller\nnode.id={node_id}\nlog.dirs={log_dirs}\n", encoding="utf-8")
    return path


def test_broker_refuses_directories_of_another_cluster(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for directory in (a, b):
        cluster = kcli("storage", "random-uuid").stdout.strip()
        formatted = kcli("storage", "format", "-s", "-t", cluster, "-c", _kraft_config(tmp_path / "one.properties", directory))
        assert formatted.returncode == 0, formatted.stderr
    first = (a / "meta.properties").read_text().split("cluster.id=")[1].strip()
    second = (b / "meta.properties").read_text().split("cluster.id=")[1].strip()
    both = _kraft_config(tmp_path / "both.properties", f"{a},{b}")
    server = KcliProcess("server-start", both, *PORT_0, start_timeout_s=60)
    assert server.wait() == 1 and server.connect is None
    assert f"Invalid cluster.id in: {b / 'meta.properties'}. Expected {first}, but read {second}" in server.output


def test_broker_refuses_another_nodes_directory(tmp_path):
    cluster = kcli("storage", "random-uuid").stdout.strip()
    assert kcli("storage", "format", "-s", "-t", cluster, "-c", _kraft_config(tmp_path / "n1.properties", tmp_path / "d", 1)).returncode == 0
    server = KcliProcess("server-start", _kraft_config(tmp_path / "n0.properties", tmp_path / "d", 0), *PORT_0)
    assert server.wait() == 1 and server.connect is None
    assert (f"Stored node id 1 doesn't match previous node id 0 in {tmp_path / 'd' / 'meta.properties'}. If you moved your data, "
            "make sure your configured node id matches.") in server.output
