"""The console producer's ``>`` prompt, driven through prompt-toolkit's pipe input, delivers to the broker."""

import sys
import time

import pytest
from kafka import KafkaConsumer, TopicPartition
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from kcli.cli import interactive
from kcli.tools.console_producer import ConsoleProducer, LineReader
from kcli.tools.topics import create


def read_back(bootstrap, topic, count):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest", consumer_timeout_ms=10_000)
    consumer.assign([TopicPartition(topic, 0)])
    records = []
    for record in consumer:
        records.append((record.key, record.value))
        if len(records) == count:
            break
    consumer.close()
    return records


def test_prompt_lines_arrive_and_ctrl_d_ends(broker):
    create(broker.bootstrap, "typed", 1, 1, {})
    producer = ConsoleProducer(broker.bootstrap, "typed", {}, on_failure=lambda f: None)
    reader = LineReader.from_properties({"parse.key": "true", "key.separator": ":"})
    with create_pipe_input() as pipe:
        pipe.send_text("espresso:double\r")
        pipe.send_text("latte:oat milk\r")
        pipe.send_text("no separator here\r")  # refused inline, the session goes on
        pipe.send_text("\x04")  # Ctrl+D
        sent = interactive.produce_lines(producer, reader, input=pipe, output=DummyOutput(), history=InMemoryHistory())
    producer.close()
    assert sent == 2
    assert read_back(broker.bootstrap, "typed", 2) == [(b"espresso", b"double"), (b"latte", b"oat milk")]


def test_topic_picker_completes_from_the_broker(broker):
    with create_pipe_input() as pipe:
        pipe.send_text("cold-brew\r")
        assert interactive.pick_topic(["cold-brew", "mocha"], input=pipe, output=DummyOutput()) == "cold-brew"


def test_windows_ctrl_z_enter_ends_input(broker):
    producer = ConsoleProducer(broker.bootstrap, "windows", {}, on_failure=lambda f: None)
    with create_pipe_input() as pipe:
        pipe.send_text("from windows\r")
        pipe.send_text("\x1a\r")  # Ctrl+Z, Enter
        sent = interactive.produce_lines(producer, LineReader(), input=pipe, output=DummyOutput(), history=InMemoryHistory(), windows=True)
    producer.close()
    assert sent == 1
    assert read_back(broker.bootstrap, "windows", 1) == [(None, b"from windows")]


def test_ctrl_c_flushes_and_ends(broker):
    producer = ConsoleProducer(broker.bootstrap, "interrupted", {"linger.ms": "60000"}, on_failure=lambda f: None)
    with create_pipe_input() as pipe:
        pipe.send_text("kept\r")
        pipe.send_text("\x03")  # Ctrl+C
        sent = interactive.produce_lines(producer, LineReader(), input=pipe, output=DummyOutput(), history=InMemoryHistory())
    assert sent == 1
    assert read_back(broker.bootstrap, "interrupted", 1) == [(None, b"kept")]  # flushed before close, despite linger.ms
    producer.close()


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_kcli_console_producer_on_a_terminal(broker, tmp_path):
    """``kcli console-producer`` in a real pseudo-terminal: the ``>`` prompt, a line typed, Ctrl+D; the record arrives."""
    import os
    import pty
    import select
    import subprocess

    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", "XDG_STATE_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "kcli", "console-producer", "--topic", "typed-in", "--bootstrap-server", broker.bootstrap],
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = b""

    def wait_for(text: bytes, seconds: float = 20) -> None:
        nonlocal seen
        deadline = time.monotonic() + seconds
        while text not in seen:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {text!r} in {seen!r}"
            if select.select([master], [], [], remaining)[0]:
                try:
                    seen += os.read(master, 4096)
                except OSError:  # the child closed the terminal
                    break

    try:
        wait_for(b">")
        os.write(master, b"typed at the prompt\r")
        seen = b""
        wait_for(b">")  # the next prompt: the line was taken
        os.write(master, b"\x04")  # Ctrl+D
        assert proc.wait(timeout=20) == 0, seen
    finally:
        proc.kill()
        os.close(master)
    assert read_back(broker.bootstrap, "typed-in", 1) == [(None, b"typed at the prompt")]
