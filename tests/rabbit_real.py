"""RabbitMQ itself (Debian's ``rabbitmq-server`` package) as a test peer: an isolated node per test session.

``start_rabbitmq(directory)`` starts a node of its own — its own node name, free AMQP, distribution and
epmd ports on loopback, its own ``RABBITMQ_MNESIA_BASE``, log, config and plugin files under
``directory`` — so it neither needs nor disturbs a system node on 5672. It waits until the node
accepts an AMQP connection, and ``stop()`` stops that node by its own handle (``rabbitmqctl -n NODE stop``,
then its process, then its own epmd). It skips with the reason when the server is not installed
(``tests/peers.py``); ``.ci/run`` installs it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.peers import missing
from tests.waiting import wait_for

_SBIN_GLOB = "/usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rabbitmq_sbin() -> Path | None:
    """The directory of ``rabbitmq-server``/``rabbitmqctl`` that run as the calling user (not Debian's su wrappers)."""
    home = os.environ.get("RABBITMQ_HOME")
    if home and (Path(home) / "sbin" / "rabbitmq-server").is_file():
        return Path(home) / "sbin"
    found = sorted(glob.glob(_SBIN_GLOB))
    return Path(found[-1]) if found else None


@dataclass
class RealRabbitMQ:
    sbin: Path
    directory: Path
    node: str = field(default_factory=lambda: f"kcli_{uuid.uuid4().hex[:8]}@localhost")
    port: int = 0
    dist_port: int = 0
    epmd_port: int = 0
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def _env(self) -> dict[str, str]:
        d = self.directory
        env = dict(os.environ)
        env.update(
            HOME=str(d), RABBITMQ_NODENAME=self.node, RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.port), RABBITMQ_DIST_PORT=str(self.dist_port), ERL_EPMD_PORT=str(self.epmd_port),
            ERL_EPMD_ADDRESS="127.0.0.1",
            RABBITMQ_MNESIA_BASE=str(d / "mnesia"), RABBITMQ_LOG_BASE=str(d / "log"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(d / "enabled_plugins"), RABBITMQ_PLUGINS_EXPAND_DIR=str(d / "plugins-expand"),
            RABBITMQ_CONFIG_FILE=str(d / "rabbitmq"), RABBITMQ_ADVANCED_CONFIG_FILE=str(d / "advanced.config"),
            RABBITMQ_CONF_ENV_FILE=str(d / "rabbitmq-env.conf"),
            RABBITMQ_SERVER_ERL_ARGS="+S 1:1 +A 4",  # a test node on a shared 2-core machine: one scheduler
        )
        return env

    def start(self, timeout: float = 90.0) -> None:
        self.port, self.dist_port, self.epmd_port = _free_port(), _free_port(), _free_port()
        (self.directory / "enabled_plugins").write_text("[].\n")
        (self.directory / "rabbitmq.conf").write_text("loopback_users = none\nlog.console = false\n")
        log = open(self.directory / "rabbitmq-server.out", "ab")
        try:
            self.process = subprocess.Popen([str(self.sbin / "rabbitmq-server")], env=self._env(), stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            log.close()

        def serving() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"rabbitmq-server exited with {self.process.returncode}: {self.log_tail()}")
            return self._accepts_amqp()

        try:
            wait_for(serving, timeout, what="RabbitMQ to accept AMQP", step=0.2)
        except AssertionError:
            self.stop()
            raise RuntimeError(f"RabbitMQ did not accept AMQP on {self.host}:{self.port} within {timeout:.0f} s: {self.log_tail()}") from None

    def _accepts_amqp(self) -> bool:
        import logging

        import pika

        logging.getLogger("pika").setLevel(logging.CRITICAL)  # refusals while it starts are expected

        try:
            pika.BlockingConnection(pika.ConnectionParameters(self.host, self.port, connection_attempts=1, socket_timeout=1,
                                                              blocked_connection_timeout=1)).close()
            return True
        except Exception:  # not up yet: refused, reset, or the handshake not answered
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        env = self._env()
        if self.process.poll() is None:
            subprocess.run([str(self.sbin / "rabbitmqctl"), "-n", self.node, "stop"], env=env, capture_output=True, timeout=60)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        epmd = shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"
        subprocess.run([epmd, "-kill"], env=env, capture_output=True, timeout=30)  # the epmd this node started on its own port
        self.process = None

    def ctl(self, *args: str) -> str:
        """``rabbitmqctl -n NODE ARGS`` (RabbitMQ's management CLI) against this node; its stdout."""
        done = subprocess.run([str(self.sbin / "rabbitmqctl"), "-n", self.node, "-q", *args], env=self._env(),
                              capture_output=True, text=True, timeout=60)
        if done.returncode:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def log_tail(self, lines: int = 30) -> str:
        path = self.directory / "rabbitmq-server.out"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def start_rabbitmq(directory: Path) -> RealRabbitMQ:
    """A running isolated node in ``directory``; skips with the reason when the server or pika is missing
    (fails instead where ``KCLI_REQUIRE_PEERS=1``, as in ``.ci/run``: tests/peers.py)."""
    sbin = rabbitmq_sbin()
    if sbin is None:
        missing("needs RabbitMQ: apt-get install rabbitmq-server (Debian) or set RABBITMQ_HOME; .ci/run installs it")
    try:
        import pika  # noqa: F401
    except ImportError:
        missing("needs pika (a kcli dependency): pip install pika")
    node = RealRabbitMQ(sbin, directory)
    node.start()
    return node
