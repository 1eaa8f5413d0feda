"""Shell completion for ``kcli``: the scripts typer writes, answered from the command tree alone.

Each Tab runs ``kcli`` with ``_KCLI_COMPLETE`` set. Click would answer by parsing the line into a
context, which makes typer convert every option's default through pydantic (~90 ms); this walks the
commands' names and options instead, so a completion imports only typer and kcli's command modules —
no kafka-python, kazoo, asyncio server, prompt-toolkit or rich. Answers are typer's formats per shell.
"""

from __future__ import annotations

import os
import re

COMPLETE_VAR = "_KCLI_COMPLETE"
SHELLS = ("bash", "zsh", "fish", "powershell")


def script(shell: str) -> str:
    """The completion script to source for ``shell`` (what completions/ ships, less its notice line)."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name="kcli", complete_var=COMPLETE_VAR, shell=shell)


def candidates(group, args: list[str], incomplete: str):
    """``(value, help)`` pairs for the word being typed after ``args``; the type ``"file"`` asks the shell for paths."""
    from typer._click.shell_completion import CompletionItem

    command = None
    for arg in args:
        if command is None and not arg.startswith("-"):
            command = group.get_command(None, arg)
            if command is None:
                return []
    if command is None:
        if incomplete.startswith("-"):
            return _options(group, args, incomplete)
        return [CompletionItem(name, help=cmd.short_help or "") for name, cmd in group.commands.items()
                if name.startswith(incomplete) and not cmd.hidden]
    if incomplete.startswith("-"):
        return _options(command, args, incomplete)
    previous = _option(command, args[-1]) if args else None
    if previous is not None and not previous.is_flag:
        return [CompletionItem(incomplete, type="file")] if _takes_path(previous) else []
    positional = [p for p in command.params if getattr(p, "param_type_name", "") == "argument" and not p.hidden]
    return [CompletionItem(incomplete, type="file")] if any(_takes_path(p) for p in positional) else []


def _options(command, args, incomplete):
    from typer._click.shell_completion import CompletionItem

    items = []
    for param in command.params:
        if getattr(param, "param_type_name", "") != "option" or param.hidden:
            continue
        if not param.multiple and any(opt in args for opt in param.opts):
            continue
        items += [CompletionItem(opt, help=param.help or "") for opt in param.opts if opt.startswith(incomplete) and opt.startswith("--")]
    return items


def _option(command, word: str):
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option" and word in param.opts:
            return param
    return None


def _takes_path(param) -> bool:
    from pathlib import Path

    annotation = param.type_descriptor.annotation
    return annotation is Path or Path in getattr(annotation, "__args__", ())


def complete(group, instruction: str) -> int:
    """Answer one completion request (``complete_bash``, ...) as typer's scripts expect; returns the exit code."""
    import sys

    from typer._click.shell_completion import split_arg_string

    action, _, shell = instruction.partition("_")
    if action == "source" and shell in SHELLS + ("pwsh",):
        sys.stdout.write(script("powershell" if shell == "pwsh" else shell) + "\n")
        return 0
    if action != "complete" or shell not in SHELLS + ("pwsh",):
        sys.stderr.write(f"Completion instruction {instruction!r} not supported.\n")
        return 1
    if shell == "bash":
        words = split_arg_string(os.environ.get("COMP_WORDS", ""))
        cword = int(os.environ.get("COMP_CWORD", "0") or 0)
        args, incomplete = words[1:cword], (words[cword] if cword < len(words) else "")
    elif shell in ("powershell", "pwsh"):
        incomplete = os.environ.get("_TYPER_COMPLETE_WORD_TO_COMPLETE", "")
        words = split_arg_string(os.environ.get("_TYPER_COMPLETE_ARGS", ""))
        args = words[1:-1] if incomplete else words[1:]
    else:
        line = os.environ.get("_TYPER_COMPLETE_ARGS", "")
        words = split_arg_string(line)
        args, incomplete = words[1:], ""
        if args and not line.endswith(" "):
            args, incomplete = args[:-1], args[-1]
    items = candidates(group, args, incomplete)
    if shell == "bash":
        text = "\n".join(item.value for item in items if item.type != "file")  # none: `complete -o default` lists paths
    elif shell == "zsh":
        text = f"_arguments '*: :(({chr(10).join(_zsh(item) for item in items)}))'" if items and items[0].type != "file" else "_files"
    elif shell == "fish":
        action = os.environ.get("_TYPER_COMPLETE_FISH_ACTION", "")
        if action == "is-args":
            return 0 if items and items[0].type != "file" else 1
        text = "\n".join(f"{i.value}\t{_one_line(i.help)}" if i.help else i.value for i in items if i.type != "file")
    else:
        text = "\n".join(f"{i.value}:::{_one_line(i.help) or ' '}" for i in items if i.type != "file")
    sys.stdout.write(text + "\n")
    return 0


def _one_line(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _zsh(item) -> str:
    def escape(s: str) -> str:
        return s.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`").replace(":", r"\\:")

    return f'"{escape(item.value)}":"{escape(_one_line(item.help))}"' if item.help else f'"{escape(item.value)}"'
