"""The terminal side of the console tools: the producer's ``>`` prompt and the consumer's topic picker.

Both take prompt-toolkit ``input``/``output`` so tests can drive them through a pipe.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import platformdirs

_CTRL_Z = "\x1a"  # Ctrl+Z then Enter ends input on Windows consoles


def _history(name: str = "console-producer-history"):
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    try:
        directory = Path(platformdirs.user_state_dir("kcli", appauthor=False))
        directory.mkdir(parents=True, exist_ok=True)
        return FileHistory(str(directory / name))
    except OSError:
        return InMemoryHistory()


def _key_bindings(windows: bool):
    """On Windows, Ctrl+Z types ^Z so that Ctrl+Z Enter ends input, as in a Windows console."""
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()
    if windows:
        bindings.add("c-z")(lambda event: event.current_buffer.insert_text(_CTRL_Z))
    return bindings


def produce_lines(producer, reader, input=None, output=None, history=None, windows: bool = sys.platform == "win32") -> int:
    """Prompt with ``>`` and send each line until Ctrl+D, Ctrl+C or Ctrl+Z Enter; returns lines sent.

    A line the reader refuses and a record the broker refuses are reported on
    stderr, above the prompt (``patch_stdout`` makes writes from the producer's
    I/O thread safe), and the session goes on; the producer is flushed at the end.
    """
    from prompt_toolkit import PromptSession
    from prompt_toolkit.patch_stdout import patch_stdout

    from kcli.cli import render
    from kcli.tools.errors import ToolError

    session = PromptSession(input=input, output=output, history=history or _history(), key_bindings=_key_bindings(windows))
    sent = 0
    try:
        with patch_stdout(raw=True):
            for number in itertools.count(1):
                try:
                    line = session.prompt(">")
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
    """Ask which topic to read, completing from the broker's topics; None if the user gives up."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import WordCompleter
    from prompt_toolkit.validation import Validator

    if not topics:
        return None
    valid = Validator.from_callable(lambda text: text in topics, error_message="Not a topic on this cluster (Tab lists them)")
    session = PromptSession(input=input, output=output)
    try:
        return session.prompt(
            "Topic to read (Tab to list): ", completer=WordCompleter(topics), validator=valid,
            complete_while_typing=True, default=topics[0] if len(topics) == 1 else "",
        )
    except (EOFError, KeyboardInterrupt):
        return None
