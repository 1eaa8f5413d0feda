"""With nothing listening, every client tool says so at once, with a hint, and gives up after its timeout with one line.

The tools mostly wait out their timeouts, so the module starts them all at once (each on its own unused port)
and each test checks its own run: the module takes the longest timeout instead of their sum.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

TIMEOUT_S = 4
TOOLS = {
    "topics": (["topics", "--list", "--command-timeout", str(TIMEOUT_S * 1000)],
               "Error while executing topic command : Timed out waiting for a node assignment. Call: listTopics"),
    "consumer-groups": (["consumer-groups", "--list", "--timeout", str(TIMEOUT_S * 1000)],
                        "Error: Executing consumer group command failed due to org.apache.kafka.common.errors.TimeoutException: "
                        "Timed out waiting for a node assignment. Call: listConsumerGroups"),
    "console-consumer": (["console-consumer", "--topic", "coffee", "--command-timeout", str(TIMEOUT_S * 1000)],
                         "Timed out waiting for a broker at localhost:{port} after 4000 ms"),
    "console-producer": (["console-producer", "--topic", "coffee", "--command-timeout", str(TIMEOUT_S * 1000)],
                         "Timed out waiting for a broker at localhost:{port} after 4000 ms"),
}


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_timed(args) -> tuple[list[tuple[float, str]], int, float]:
    """``kcli ARGS``: its stderr lines with when each arrived, its exit code, and when it exited."""
    began = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "kcli", *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines: list[tuple[float, str]] = []
    reader = threading.Thread(target=lambda: lines.extend((time.monotonic() - began, line.rstrip("\n")) for line in proc.stderr))
    reader.start()
    try:
        code = proc.wait(60)
    finally:
        proc.kill()
        reader.join(10)
    return lines, code, time.monotonic() - began


DEFAULT_TIMEOUT = "topics with its default timeout"


@pytest.fixture(scope="module")
def runs():
    """Every tool's run, started together: ``{tool: (port, Future of run_timed's result)}``."""
    commands = {tool: args for tool, (args, _) in TOOLS.items()}
    commands[DEFAULT_TIMEOUT] = ["topics", "--list"]
    with ThreadPoolExecutor(len(commands)) as pool:
        started: dict[str, tuple[int, Future]] = {}
        for tool, args in commands.items():
            port = unused_port()
            started[tool] = (port, pool.submit(run_timed, [*args, "--bootstrap-server", f"localhost:{port}"]))
        yield started


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_nothing_listening_is_said_at_once_then_one_line_at_the_timeout(tool, runs):
    _, final = TOOLS[tool]
    port, run = runs[tool]
    lines, code, ended = run.result()
    assert code == 1, lines
    assert [text for _, text in lines] == [
        f"WARN Connection to node -1 (localhost/127.0.0.1:{port}) could not be established. Broker may not be available.",
        "Is a broker running? Start one with: kcli server-start",
        final.format(port=port),
    ]
    warned = lines[0][0]
    # The warning comes with the first refused connection, not at the end: the wait after it is the tool's timeout.
    assert ended - warned >= TIMEOUT_S - 2, (warned, ended)
    assert ended - warned < TIMEOUT_S + 10, (warned, ended)


def test_topics_gives_up_within_ten_seconds_by_default(runs):
    lines, code, ended = runs[DEFAULT_TIMEOUT][1].result()
    assert code == 1 and lines[-1][1] == "Error while executing topic command : Timed out waiting for a node assignment. Call: listTopics"
    assert 8 <= ended - lines[0][0] < 20, (lines, ended)
