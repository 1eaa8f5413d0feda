"""``kcli zookeeper-shell``: zookeeper-shell / zkCli — one command from the command line, else a ``[zk: ...]`` prompt.

One-shot (``kcli zookeeper-shell localhost:2181 ls /brokers/ids``) prints the command's output as zkCli
does; the ``Connecting to`` line and the connected event go to stderr so that stdout holds only the data.
Interactive on a terminal: prompt-toolkit prompt with history and Tab completion of commands and znode
paths; watches set with ``-w`` print above the prompt. Piped standard input: one command per line, no prompt.
"""

from __future__ import annotations

import sys
from functools import partial
from typing import List, Optional

import typer

from kcli.cli import render

CONTEXT = {"ignore_unknown_options": True, "allow_interspersed_args": False}  # ``ls -R /`` belongs to the command


def zookeeper_shell(
    server: str = typer.Argument(..., metavar="HOST:PORT[/PATH]", help="The ZooKeeper server, e.g. localhost:2181 (a /chroot suffix is allowed)."),
    command: Optional[List[str]] = typer.Argument(None, metavar="[COMMAND [ARGS]...]", help="A zkCli command to run once, e.g. ls /brokers/ids; none for the interactive shell."),
) -> None:
    """ZooKeeper's shell (zookeeper-shell / zkCli): ls, get, stat, create, set, delete, deleteall, getAcl, setAcl.

    Example: kcli zookeeper-shell localhost:2181 ls /brokers/ids
    """
    from kcli.tools import zookeeper_shell as tool

    try:
        parsed = tool.parse(command) if command else None
        render.zk_connecting(server)
        if parsed is None and sys.stdin.isatty():
            render.zk_welcome()
        shell = tool.connect(server, partial(render.zk_event, to_stderr=parsed is not None), parsed.path if parsed else "/")
    except tool.ZkCliError as exc:
        render.zk_error(exc)
        raise SystemExit(exc.exit_code) from None
    try:
        if parsed is not None:
            _run(shell, parsed)
        elif sys.stdin.isatty():
            run_interactive(shell, server)
        else:
            run_lines(shell, sys.stdin)
    finally:
        shell.close()


def _run(shell, parsed) -> None:
    from kcli.tools.zookeeper_shell import ZkCliError

    try:
        render.zk_result(shell.run(parsed))
    except ZkCliError as exc:
        render.zk_error(exc)
        raise SystemExit(exc.exit_code) from None


def execute(shell, line: str) -> bool:
    """Run one typed line, printing its output or error; False when it was ``quit``."""
    from kcli.tools import zookeeper_shell as tool

    tokens = tool.tokenize(line)
    if not tokens:
        return True
    try:
        result = shell.run(tool.parse(tokens))
    except tool.ZkCliError as exc:
        render.zk_error(exc)
        return True
    if isinstance(result, tool.Quit):
        return False
    render.zk_result(result)
    return True


def run_lines(shell, lines) -> None:
    """Commands from a pipe or file, as ``zkCli.sh < commands`` runs them."""
    from kcli.tools.zookeeper_shell import ZkEvent

    for line in lines:
        if not execute(shell, line):
            break
    render.zk_event(ZkEvent("Closed", "None"))


def run_interactive(shell, server: str, input=None, output=None, history=None) -> None:
    """The ``[zk: host:port(CONNECTED) N]`` prompt until ``quit`` or Ctrl+D (Ctrl+C clears the line); N counts commands run.

    While the prompt waits, a watch that fires prints above it (``patch_stdout``); a command's own
    output is written straight to the terminal before the next prompt is drawn.
    """
    from contextlib import nullcontext, redirect_stderr, redirect_stdout

    from prompt_toolkit import PromptSession
    from prompt_toolkit.application import create_app_session, get_app_session
    from prompt_toolkit.patch_stdout import patch_stdout

    from kcli.cli.interactive import _history
    from kcli.tools.zookeeper_shell import ZkEvent

    # Only a caller's own input/output get their own session: patch_stdout redraws the prompt after a
    # watch's lines only in the process's default one (its flush thread does not see a context-local session).
    own = input is not None or output is not None
    with create_app_session(input=input, output=output) if own else nullcontext(get_app_session()) as app_session:
        terminal = _TerminalStream(app_session.output)
        session: PromptSession[str] = PromptSession(history=history or _history("zookeeper-shell-history"), completer=znode_completer(shell),
                                complete_while_typing=False)
        count = 0
        with redirect_stdout(terminal), redirect_stderr(terminal):
            while True:
                try:
                    with patch_stdout(raw=True):
                        line = session.prompt(lambda: render.zk_prompt(server, shell.state, count))
                except KeyboardInterrupt:  # Ctrl+C clears the line, as shells do
                    continue
                except EOFError:  # Ctrl+D leaves
                    break
                count += bool(line.strip())
                try:
                    if not execute(shell, line):
                        break
                except KeyboardInterrupt:  # a request stuck on a lost connection
                    continue
            render.zk_event(ZkEvent("Closed", "None"))


class _TerminalStream:
    """``sys.stdout``/``sys.stderr`` for the shell's commands: prompt-toolkit's output, written at once."""

    def __init__(self, output):
        self.output = output

    def write(self, text: str) -> int:
        self.output.write_raw(text)
        self.output.flush()
        return len(text)

    def flush(self) -> None:
        self.output.flush()


def znode_completer(shell):
    """Tab completes the command name, then znode paths from the server (one getChildren per Tab)."""
    from prompt_toolkit.completion import Completer, Completion

    from kcli.tools.zookeeper_shell import COMMANDS

    class ZnodeCompleter(Completer):
        def get_completions(self, document, complete_event):
            before = document.text_before_cursor.lstrip()
            word = document.get_word_before_cursor(WORD=True)
            if " " not in before:
                yield from (Completion(name, start_position=-len(word)) for name in sorted(COMMANDS) if name.startswith(word))
            elif word.startswith("/"):
                parent, _, prefix = word.rpartition("/")
                for name in shell.children(parent or "/"):
                    if name.startswith(prefix):
                        yield Completion(f"{parent}/{name}", start_position=-len(word), display=name)

    return ZnodeCompleter()
