"""The click classes behind ``kcli``: Kafka's tool names as hidden aliases, and help that reads at 80 columns.

``kcli kafka-topics`` (and ``kafka-topics.sh``) is ``kcli topics``, so a tutorial line works once
``bin/`` is swapped for ``kcli``; the aliases are not listed in the help. Help is click's plain
layout (no rich import on ``--help``): flags show no metavar, an option's value is named after the
option (``--topic TOPIC``, ``--config NAME=VALUE``, ``--command-config FILE``), and the command list
shows each command's whole first sentence, wrapped rather than cut with ``...``. Values that need no
judging (text, whole numbers, flags, paths) are taken as typed, so that a command's first keystrokes
import no pydantic; typer converts, and words the error for, anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import get_args, get_origin

from typer._click import _textwrap
from typer._coercion import RuntimeParam
from typer.core import TyperCommand, TyperGroup

KAFKA_NAMES = {
    "kafka-server-start": "server-start",
    "kafka-server-stop": "server-stop",
    "zookeeper-server-start": "zookeeper-start",
    "zookeeper-server-stop": "zookeeper-stop",
    "kafka-topics": "topics",
    "kafka-console-producer": "console-producer",
    "kafka-console-consumer": "console-consumer",
    "kafka-consumer-groups": "consumer-groups",
    "zookeeper-shell": "zookeeper-shell",
    "kafka-configs": "configs",
    "kafka-get-offsets": "get-offsets",
    "kafka-dump-log": "dump-log",
    "kafka-log-dirs": "log-dirs",
    "kafka-storage": "storage",
    "kafka-delete-records": "delete-records",
    "kafka-transactions": "transactions",
    "kafka-acls": "acls",
    "kafka-producer-perf-test": "producer-perf-test",
    "kafka-consumer-perf-test": "consumer-perf-test",
    "kafka-e2e-latency": "e2e-latency",
}
_SCRIPT_SUFFIXES = (".sh", ".bat")
_VALUE_NAMES = {"broker-list": "HOST:PORT", "include": "REGEX", "whitelist": "REGEX"}


class _WholeWords(_textwrap.TextWrapper):
    """Help lines break between words only: ``--show-completion`` and ``kafka-topics`` stay whole."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "break_on_hyphens": False})


_textwrap.TextWrapper = _WholeWords  # type: ignore[misc]  # click's wrap_text imports it from there at each call


def kcli_name(name: str) -> str:
    """The kcli command a Kafka script name stands for (``kafka-topics.sh`` → ``topics``); other names unchanged."""
    for suffix in _SCRIPT_SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in KAFKA_NAMES:
            name = name[: -len(suffix)]
    return KAFKA_NAMES.get(name, name)


def _metavar(option) -> str:
    """The name of an option's value in the help: ``NAME=VALUE`` for properties, ``FILE``, ``N``, else the option's name."""
    long_name = max(option.opts, key=len).lstrip("-")
    annotation = option.type_descriptor.annotation
    element = getattr(annotation, "__args__", (annotation,))[0] if option.multiple else annotation
    if long_name.endswith(("property", "override")) or long_name == "config":
        return "NAME=VALUE"
    if element is Path:
        return "FILE"
    if element is int:
        return "N"
    return _VALUE_NAMES.get(long_name, long_name.rpartition("-")[2].upper())


@dataclass(frozen=True)
class _AsTyped(RuntimeParam):
    """Text, whole numbers and flags taken as typed; anything else (a path given, a number typer must
    judge) goes to typer's own conversion, built only then: it makes a pydantic adapter, ~90 ms of
    imports that would otherwise come before any command runs, even ``kcli topics --help``."""

    def _coerce_value(self, value, param, ctx):
        annotation = self.annotation
        if annotation is bool and isinstance(value, bool):
            return value
        if annotation is int and isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
            return int(value)
        if annotation is Path and isinstance(value, str) and value and not _asked(self.parameter_info):
            return Path(value)
        if annotation is str or get_origin(annotation) is list:  # str or List[str], as _as_typed chose
            return [str(v) for v in value] if isinstance(value, (list, tuple)) else str(value)
        from typer._coercion import build_runtime_param, resolve_type_descriptor

        return build_runtime_param(resolve_type_descriptor(annotation, self.parameter_info))._coerce_value(value, param, ctx)


_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")
_PATH_CHECKS = {"exists", "resolve_path"}


def _asked(parameter_info) -> set[str]:
    return {name for name in _PATH_CHECKS if getattr(parameter_info, name, False)}


def _as_typed(params) -> None:
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or descriptor.file_annotation is not None:
            continue
        annotation = descriptor.annotation
        if annotation is int and descriptor.is_ranged:  # min=/max=: typer checks the range
            continue
        if annotation in (str, int, bool, Path) or (get_origin(annotation) is list and get_args(annotation) == (str,)):
            param._runtime_param = _AsTyped(parameter_info=descriptor.parameter_info, annotation=annotation)


def _no_type(ctx) -> None:
    return None


def _plain_help(command) -> None:
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option" and not param.is_flag and param.metavar is None:
            param.metavar = _metavar(param)
        elif getattr(param, "param_type_name", "") == "argument":
            param.metavar = param.metavar or param.name.upper()
            param.display_type_rich = _no_type  # an argument is named by its metavar, not "<path>"
    if command.short_help is None and command.help:
        command.short_help = " ".join(command.help.strip().split("\n\n")[0].split())


class KcliCommand(TyperCommand):
    """A kcli command: its usage line names the visible arguments only (options are [OPTIONS])."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        _as_typed([option] if option is not None else [])
        return option

    def collect_usage_pieces(self, ctx):
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if getattr(param, "param_type_name", "") == "argument" and not param.hidden:
                pieces.append(_usage_name(param))
        return pieces


def _usage_name(argument) -> str:
    """``NAME`` when required, ``[NAME]`` when not, ``...`` when repeatable; a metavar in brackets is used as written."""
    name = argument.metavar or argument.name.upper()
    if name.startswith("["):
        return name
    name += "..." if argument.nargs != 1 else ""
    return name if argument.required else f"[{name}]"


class KcliGroup(TyperGroup):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _as_typed(self.params)
        for command in self.commands.values():
            _plain_help(command)
            _as_typed(command.params)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        _as_typed([option] if option is not None else [])
        return option

    def get_command(self, ctx, cmd_name: str):
        return super().get_command(ctx, kcli_name(cmd_name))


def usage_when_empty(message: str) -> type[KcliCommand]:
    """A command that, run with no arguments, prints Kafka's one-line error and then its usage to stderr, exit 1."""

    class UsageWhenEmpty(KcliCommand):
        def parse_args(self, ctx, args):
            if not args:
                from kcli.cli import render

                render.err(message)
                render.err(ctx.get_help())
                ctx.exit(1)
            return super().parse_args(ctx, args)

    return UsageWhenEmpty
