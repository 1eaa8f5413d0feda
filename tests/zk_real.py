"""Apache ZooKeeper itself (Debian's ``zookeeper`` package, or ``$ZOOKEEPER_HOME``) as a test peer.

``real_zookeeper`` starts a standalone ZooKeeper 3.8 on a free loopback port with a generated
``zoo.cfg`` in ``tmp_path`` (4lw ``*``, no AdminServer), waits until ``srvr`` says it serves, and stops
it after the test; ``zkcli(...)`` runs ZooKeeper's own ``zkCli.sh`` against it (or any ``server=``).
Use it with ``from tests.zk_real import real_zookeeper``. It skips only when Java or the ZooKeeper
jars are missing on this machine (tests/peers.py); ``.ci/run`` installs them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.ports import free_port
from tests.peers import missing

_DEBIAN_JAR = Path("/usr/share/java/zookeeper.jar")  # its manifest's Class-Path names its dependencies
_MAIN = "org.apache.zookeeper.server.ZooKeeperServerMain"
_CLIENT_JVM = ("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")  # a short-lived client starts faster


def zookeeper_classpath() -> str | None:
    """The server's classpath: ``$ZOOKEEPER_HOME/lib/*`` (an Apache tarball) or Debian's jar; None if neither."""
    home = os.environ.get("ZOOKEEPER_HOME")
    if home and (Path(home) / "lib").is_dir():
        return str(Path(home) / "lib" / "*")
    if not _DEBIAN_JAR.is_file():
        return None
    quiet = _DEBIAN_JAR.with_name("slf4j-nop.jar")  # SLF4J's no-op binding: no start-up warnings
    return os.pathsep.join(str(jar) for jar in (_DEBIAN_JAR, quiet) if jar.is_file())


def four_letter_word(port: int, word: str, timeout: float = 2.0) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(word.encode())
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


@dataclass
class RealZooKeeper:
    """One standalone server; ``connect`` is its ``host:port``. ``stop()``/``start()`` restart it on the same data."""

    java: str
    classpath: str
    directory: Path
    port: int = 0
    tick_time: int = 2000  # ms: sessions may last 2x to 20x this
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def connect(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        self.port = self.port or free_port()
        config = self.directory / "zoo.cfg"
        config.write_text(
            f"tickTime={self.tick_time}\n"
            f"dataDir={(self.directory / 'data').as_posix()}\n"
            f"clientPort={self.port}\nclientPortAddress=127.0.0.1\n"
            "admin.enableServer=false\n4lw.commands.whitelist=*\n"
        )
        log = open(self.directory / "zookeeper.log", "ab")
        try:
            self.process = subprocess.Popen(
                [self.java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", self.classpath, _MAIN, str(config)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ZooKeeper exited with {self.process.returncode}: {self.log_tail()}")
            try:
                if "Mode: " in four_letter_word(self.port, "srvr", timeout=0.5):  # serving, not just listening
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"ZooKeeper was not serving on {self.connect} within {timeout:.0f} s: {self.log_tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def zkcli(self, *command: str, input: bytes | None = None, server: str | None = None) -> subprocess.CompletedProcess:
        """ZooKeeper's own ``zkCli.sh -server ... command`` (bytes out; SLF4J's start-up noise removed from stderr)."""
        ran = subprocess.run(
            [self.java, *_CLIENT_JVM, "-cp", self.classpath, "org.apache.zookeeper.ZooKeeperMain", "-server", server or self.connect, *command],
            input=input, stdin=None if input is not None else subprocess.DEVNULL, capture_output=True, timeout=60,
        )
        ran.stderr = b"".join(line for line in ran.stderr.splitlines(keepends=True) if not line.startswith(b"SLF4J:"))
        return ran

    def log_tail(self, lines: int = 20) -> str:
        path = self.directory / "zookeeper.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def start_real_zookeeper(directory: Path, port: int = 0, tick_time: int = 2000) -> RealZooKeeper:
    """A running server in ``directory`` (on ``port``, else a free one); ``pytest.skip`` with the reason when
    Java or ZooKeeper is not installed. The same ``directory`` again restarts on the same data."""
    java = shutil.which("java")
    classpath = zookeeper_classpath()
    if java is None or classpath is None:
        missing("needs Java and Apache ZooKeeper's jars: apt-get install zookeeper (Debian) or set ZOOKEEPER_HOME; .ci/run installs them")
    directory.mkdir(parents=True, exist_ok=True)
    server = RealZooKeeper(java, classpath, directory, port, tick_time)
    for attempt in range(3):  # a probed free port can be taken between probing and binding
        try:
            server.start()
            return server
        except RuntimeError:
            if port or attempt == 2:
                raise
            server.port = 0
    raise AssertionError("unreachable")


@pytest.fixture
def real_zookeeper(tmp_path):
    server = start_real_zookeeper(tmp_path / "real-zookeeper")
    yield server
    server.stop()
