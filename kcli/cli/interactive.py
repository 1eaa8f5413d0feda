"""The terminal side of the console tools: the producer's ``>`` prompt and the consumer's topic picker.

Both take prompt-toolkit ``input``/``output`` so tests can drive them through a pipe.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
from pathlib import Path

import platformdirs

_CTRL_Z = "\x1a"  # Ctrl+Z then Enter ends input on Windows consoles


PRODUCER_HISTORY = "producer-history"  # under kcli's state directory: one file per broker and topic
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def state_dir() -> Path:
    return Path(platformdirs.user_state_dir("kcli", appauthor=False))


def producer_history_path(bootstrap: str, topic: str, root: Path | None = None) -> Path:
    """``<state>/producer-history/<broker>/<topic>``: what was typed for one topic of one cluster stays with it."""
    return (root or state_dir()) / PRODUCER_HISTORY / _UNSAFE.sub("_", bootstrap) / (_UNSAFE.sub("_", topic) + ".history")


def _history(name: str = "console-producer-history", path: Path | None = None):
    """A prompt's history in a file only its owner reads (typed messages are data); in memory if that fails."""
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    try:
        path = path or state_dir() / name
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        return FileHistory(str(path))
    except OSError:
        return InMemoryHistory()


def producer_history(bootstrap: str, topic: str, keep: bool = True):
    from prompt_toolkit.history import InMemoryHistory

    return _history(path=producer_history_path(bootstrap, topic)) if keep else InMemoryHistory()


def _key_bindings(windows: bool):
    """Tab types a tab (the default ``key.separator``); on Windows, Ctrl+Z types ^Z so that Ctrl+Z Enter
    ends input, as in a Windows console."""
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()
    bindings.add("tab")(lambda event: event.current_buffer.insert_text("\t"))
    if windows:
        bindings.add("c-z")(lambda event: event.current_buffer.insert_text(_CTRL_Z))
    return bindings


def producer_prompt(reader) -> str:
    """Kafka's ``>``; with ``parse.key`` the line's shape first, the separator spelled out: ``key<TAB>value>``."""
    if not reader.parse_key:
        return ">"
    shown = {"\t": "<TAB>", " ": "<SPACE>"}.get(reader.key_separator, reader.key_separator)
    return f"key{shown}value>"


def produce_lines(producer, reader, input=None, output=None, history=None, windows: bool = sys.platform == "win32") -> int:
    """Prompt with ``>`` and send each line until Ctrl+D, Ctrl+C or Ctrl+Z Enter; returns lines sent.

    Tab types a tab, so that a keyed record can be typed with the default separator. A line the
    reader refuses and a record the broker refuses are reported on stderr, above the prompt
    (``patch_stdout`` makes writes from the producer's I/O thread safe), and the session goes on;
    the producer is flushed at the end.
    """
    from prompt_toolkit import PromptSession
    from prompt_toolkit.patch_stdout import patch_stdout

    from kcli.cli import render
    from kcli.tools.errors import ToolError

    session: PromptSession[str] = PromptSession(input=input, output=output, history=history or _history(), key_bindings=_key_bindings(windows))
    sent = 0
    try:
        with patch_stdout(raw=True):
            for number in itertools.count(1):
                try:
                    line = session.prompt(producer_prompt(reader))
                except (EOFError, KeyboardInterrupt):
                    break
                if line == _CTRL_Z:
                    break
                try:
                    producer.send(reader.read(line, number))
                    sent += 1
                except ToolError as exc:
                    render.err(exc.message)
    finally:
        producer.flush()
    return sent


def pick_topic(topics: list[str], input=None, output=None) -> str | None:
    """Ask which topic to read, completing from the broker's topics; None on Ctrl+D. Ctrl+C is the
    caller's (KeyboardInterrupt): it means stop, not "no topic"."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import WordCompleter
    from prompt_toolkit.validation import Validator

    if not topics:
        return None
    valid = Validator.from_callable(lambda text: text in topics, error_message="Not a topic on this cluster (Tab lists them)",
                                    move_cursor_to_end=True)  # the typing goes on where it stopped
    session: PromptSession[str] = PromptSession(input=input, output=output)
    try:
        return session.prompt(
            "Topic to read (Tab to list): ", completer=WordCompleter(topics), validator=valid,
            complete_while_typing=True, default=topics[0] if len(topics) == 1 else "",
        )
    except EOFError:
        return None
