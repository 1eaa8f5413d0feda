"""ZooKeeper's own zkCli.sh (Debian's ``zookeeper`` package) against kcli's server.

The transcript in tests/fixtures/zkcli_cmds.txt was run against a real
ZooKeeper 3.8 to give zkcli_out.txt; kcli's server must give the same text once
dates, zxids and the port are masked. A second run holds watches set with
``get -w``/``ls -w``/``stat -w`` across a server restart: zkCli re-arms them
with SetWatches and they fire.
"""

import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from kcli.zookeeper.config import ZooKeeperConfig
from kcli.zookeeper.server import run_in_thread
from tests.peers import missing
from tests.waiting import wait_for

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ZKCLI = shutil.which("zkCli.sh") or "/usr/share/zookeeper/bin/zkCli.sh"
_NOISE = ("SLF4J:", "Connecting to", "Welcome to ZooKeeper!", "JLine support is disabled")
_MASKS = [(re.compile(r"^(c|m|p)Zxid = 0x[0-9a-f]+$"), r"\1Zxid = 0x?"),
          (re.compile(r"^(ctime|mtime) = .*$"), r"\1 = <date>")]


@pytest.fixture
def zkcli():
    if not Path(ZKCLI).exists() or shutil.which("java") is None:
        missing("needs ZooKeeper's zkCli.sh and Java: apt-get install zookeeper (Debian); .ci/run installs it")
    return ZKCLI


def _masked(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if line.startswith(_NOISE):
            continue
        for pattern, replacement in _MASKS:
            line = pattern.sub(replacement, line)
        lines.append(line)
    return lines


def _server(tmp_path, port=0):
    return run_in_thread(ZooKeeperConfig.from_properties({
        "dataDir": str(tmp_path / "zk"), "clientPort": str(port), "clientPortAddress": "127.0.0.1", "tickTime": "2000"}))


def test_zkcli_transcript_matches_real_zookeeper(tmp_path, zkcli):
    zk = _server(tmp_path)
    try:
        result = subprocess.run([zkcli, "-server", zk.connect_string], stdin=(FIXTURES / "zkcli_cmds.txt").open("rb"),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    finally:
        zk.stop()
    expected, got = _masked((FIXTURES / "zkcli_out.txt").read_text()), _masked(result.stdout)
    # the session's events in order; the last, Closed on quit, can be cut off by the JVM exiting first (seen under load)
    assert _events(expected)[-1] == CLOSED and _events(got) in (_events(expected), _events(expected)[:-1])
    assert _without_events(got) == _without_events(expected)


CLOSED = "WatchedEvent state:Closed type:None path:null"


def _events(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("WatchedEvent ")]


def _without_events(lines: list[str]) -> list[str]:
    """The transcript without its watcher events: zkCli prints each from its event thread, as two lines of
    their own ("\nWATCHER::", then "\nWatchedEvent ..."), so on a busy machine they can land before or after
    a command's output (seen: the connection's SyncConnected after the first ``ls /``). Their order among
    themselves is checked by ``_events``."""
    out: list[str] = []
    for line in lines:
        if line in ("WATCHER::",) or line.startswith("WatchedEvent "):
            if out and out[-1] == "":
                out.pop()  # the blank line println("\n" + message) printed before it
            continue
        out.append(line)
    return out


class _Shell:
    """zkCli.sh fed line by line, its output collected as it comes."""

    def __init__(self, zkcli, address):
        self.proc = subprocess.Popen([zkcli, "-server", address], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True)
        self._reader.start()

    def run(self, command: str) -> None:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def wait_for(self, text: str, after: int = 0, timeout: float = 30.0) -> int:
        def found() -> tuple[int] | None:
            return next(((i,) for i, line in enumerate(list(self.lines)[after:], after) if text in line), None)

        (i,) = wait_for(found, timeout, what=f"zkCli printing {text!r}:\n{''.join(self.lines)}")
        return i


def test_zkcli_watches_fire_across_a_server_restart(tmp_path, zkcli):
    zk = _server(tmp_path)
    port = zk.port
    shell = _Shell(zkcli, zk.connect_string)
    try:
        shell.wait_for("state:SyncConnected type:None")
        shell.run("create /jw d")
        shell.run("create /jw/c1")
        shell.run("get -w /jw")
        shell.run("ls -w /jw")
        shell.run("stat -w /jw/new")
        mark = shell.wait_for("Node does not exist: /jw/new")
        zk.stop()
        mark = shell.wait_for("state:Disconnected", mark)
        zk = _server(tmp_path, port)  # same dataDir, same port
        mark = shell.wait_for("state:SyncConnected type:None", mark)
        shell.run("set /jw changed")
        shell.run("create /jw/new")
        shell.wait_for("type:NodeDataChanged path:/jw", mark)
        shell.wait_for("type:NodeCreated path:/jw/new", mark)
        shell.wait_for("type:NodeChildrenChanged path:/jw", mark)
        shell.run("quit")
        shell.proc.wait(30)
    finally:
        if shell.proc.poll() is None:
            shell.proc.kill()
        zk.stop()
