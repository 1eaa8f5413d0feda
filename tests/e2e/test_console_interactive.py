"""The console producer's ``>`` prompt, driven through prompt-toolkit's pipe input, delivers to the broker."""

import subprocess
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
    term = Terminal("console-producer", "--topic", "typed-in", "--bootstrap-server", broker.bootstrap,
                    env={"XDG_STATE_HOME": str(tmp_path)})
    term.wait_for(b">")
    term.type(b"typed at the prompt\r")
    term.wait_for_next_prompt(b">")  # the line was taken
    term.type(b"\x04")  # Ctrl+D
    assert term.exit_code() == 0, term.seen
    assert read_back(broker.bootstrap, "typed-in", 1) == [(None, b"typed at the prompt")]


def test_tab_types_the_default_key_separator(broker):
    """parse.key=true with Kafka's default separator, TAB: the Tab key types it, so a keyed record can be typed."""
    create(broker.bootstrap, "tabbed", 1, 1, {})
    producer = ConsoleProducer(broker.bootstrap, "tabbed", {}, on_failure=lambda f: None)
    with create_pipe_input() as pipe:
        pipe.send_text("espresso\tdouble\r")  # \t is the Tab key
        pipe.send_text("\x04")
        sent = interactive.produce_lines(producer, LineReader.from_properties({"parse.key": "true"}), input=pipe,
                                         output=DummyOutput(), history=InMemoryHistory())
    producer.close()
    assert sent == 1
    assert read_back(broker.bootstrap, "tabbed", 1) == [(b"espresso", b"double")]


def test_the_prompt_shows_the_key_separator():
    assert interactive.producer_prompt(LineReader()) == ">"
    assert interactive.producer_prompt(LineReader.from_properties({"parse.key": "true"})) == "key<TAB>value>"
    assert interactive.producer_prompt(LineReader.from_properties({"parse.key": "true", "key.separator": ":"})) == "key:value>"


def test_producer_history_is_kept_per_broker_and_topic(tmp_path):
    paths = {interactive.producer_history_path(bs, topic, tmp_path) for bs in ("localhost:9092", "other:9092") for topic in ("a", "b")}
    assert len(paths) == 4 and all(p.is_relative_to(tmp_path / "producer-history") for p in paths)
    assert interactive.producer_history_path("h:1,h:2", "../x", tmp_path).parent.parent == tmp_path / "producer-history"


def test_topic_picker_keeps_the_cursor_at_the_end_after_an_invalid_topic():
    with create_pipe_input() as pipe:
        pipe.send_text("mo\r")  # not a topic: refused, the text stays
        pipe.send_text("cha\r")  # typed on at the end: "mocha"
        pipe.send_text("\x03")  # only reached if the cursor jumped to the start ("chamo")
        assert interactive.pick_topic(["cold-brew", "mocha"], input=pipe, output=DummyOutput()) == "mocha"


def test_ctrl_c_at_the_topic_picker_is_an_interrupt_not_a_missing_topic():
    with create_pipe_input() as pipe:
        pipe.send_text("\x03")
        with pytest.raises(KeyboardInterrupt):
            interactive.pick_topic(["cold-brew", "mocha"], input=pipe, output=DummyOutput())


class Terminal:
    """A kcli command in a POSIX pseudo-terminal: what it shows, what is typed, how it ends."""

    def __init__(self, *args, env):
        import os
        import pty

        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "kcli", *args], stdin=slave, stdout=slave, stderr=slave,
                                     env={**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", **env}, close_fds=True)
        os.close(slave)
        self.seen = b""

    def wait_for(self, text: bytes, seconds: float = 20) -> None:
        import os
        import select

        deadline = time.monotonic() + seconds
        while text not in self.seen:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {text!r} in {self.seen!r}"
            if select.select([self.master], [], [], remaining)[0]:
                try:
                    self.seen += os.read(self.master, 4096)
                except OSError:  # the child closed the terminal
                    break

    def wait_for_next_prompt(self, prompt: bytes, seconds: float = 20) -> None:
        """Wait for ``prompt`` drawn on a new line, after the line just entered: the old prompt's last redraw
        (which shows the prompt too) ends at that newline, and a key typed before the new prompt reads could be lost."""
        self.wait_for(b"\n", seconds)
        self.seen = self.seen[self.seen.rindex(b"\n") + 1 :]
        self.wait_for(prompt, seconds)

    def type(self, text: bytes) -> None:
        import os

        os.write(self.master, text)

    def exit_code(self, seconds: float = 60) -> int:
        """Its exit status, reading what it prints meanwhile; still running after ``seconds``: killed, and the test fails."""
        import os
        import select

        deadline = time.monotonic() + seconds
        try:
            while self.proc.poll() is None and time.monotonic() < deadline:
                if select.select([self.master], [], [], 0.1)[0]:
                    try:
                        self.seen += os.read(self.master, 4096)
                    except OSError:  # the child closed the terminal
                        pass
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {seconds} s on; the terminal showed {self.seen!r}") from None
        finally:
            self.proc.kill()
            os.close(self.master)
        return code


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_keyed_record_typed_at_the_real_prompt_arrives_with_its_key(broker, tmp_path):
    """``kcli console-producer --property parse.key=true`` on a terminal: the prompt names the separator, Tab
    types it, the record arrives keyed; the line is kept in this broker's and topic's history, for its owner only."""
    create(broker.bootstrap, "keyed", 1, 1, {})
    term = Terminal("console-producer", "--topic", "keyed", "--property", "parse.key=true", "--bootstrap-server", broker.bootstrap,
                    env={"XDG_STATE_HOME": str(tmp_path)})
    term.wait_for(b"key<TAB>value>")
    term.type(b"cappuccino\tfoam\r")
    term.wait_for_next_prompt(b"key<TAB>value>")  # the line was taken
    term.type(b"\x04")
    assert term.exit_code() == 0, term.seen
    assert read_back(broker.bootstrap, "keyed", 1) == [(b"cappuccino", b"foam")]
    history = interactive.producer_history_path(broker.bootstrap, "keyed", tmp_path / "kcli")
    assert "cappuccino\tfoam" in history.read_text(encoding="utf-8")
    assert history.stat().st_mode & 0o077 == 0


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_no_history_keeps_nothing(broker, tmp_path):
    state = tmp_path / "state"
    term = Terminal("console-producer", "--topic", "unkept", "--no-history", "--bootstrap-server", broker.bootstrap,
                    env={"XDG_STATE_HOME": str(state)})
    term.wait_for(b">")
    term.type(b"secret\r")
    term.wait_for_next_prompt(b">")
    term.type(b"\x04")
    assert term.exit_code() == 0, term.seen
    assert not any(b"secret" in p.read_bytes() for p in state.rglob("*") if p.is_file())


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_ctrl_c_at_the_consumers_topic_picker_exits_130_quietly(broker):
    create(broker.bootstrap, "picked", 1, 1, {})
    term = Terminal("console-consumer", "--bootstrap-server", broker.bootstrap, env={})
    term.wait_for(b"Topic to read")
    term.type(b"\x03")
    assert term.exit_code() == 130, term.seen
    assert b"Exactly one of" not in term.seen and b"Traceback" not in term.seen and b"Processed a total" not in term.seen
