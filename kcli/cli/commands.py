"""The click classes behind ``kcli``: Kafka's tool names as hidden aliases, and help that reads at 80 columns.

``kcli kafka-topics`` (and ``kafka-topics.sh``) is ``kcli topics``, so a tutorial line works once
``bin/`` is swapped for ``kcli``; the aliases are not listed in the help. Help is click's plain
layout (no rich import on ``--help``): flags show no metavar, an option's value is named after the
option (``--topic TOPIC``, ``--config NAME=VALUE``, ``--command-config FILE``), and the command list
shows each command's whole first sentence, wrapped rather than cut with ``...``.
"""

from __future__ import annotations

from pathlib import Path

from typer._click import _textwrap
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
}
_SCRIPT_SUFFIXES = (".sh", ".bat")
_VALUE_NAMES = {"broker-list": "HOST:PORT", "include": "REGEX", "whitelist": "REGEX"}


class _WholeWords(_textwrap.TextWrapper):
    """Help lines break between words only: ``--show-completion`` and ``kafka-topics`` stay whole."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "break_on_hyphens": False})


_textwrap.TextWrapper = _WholeWords  # click's wrap_text imports it from there at each call


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


def _plain_help(command) -> None:
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option" and not param.is_flag and param.metavar is None:
            param.metavar = _metavar(param)
    if command.short_help is None and command.help:
        command.short_help = " ".join(command.help.strip().split("\n\n")[0].split())


class KcliCommand(TyperCommand):
    """A kcli command: hidden arguments stay out of the usage line as they stay out of the help."""

    def collect_usage_pieces(self, ctx):
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if not getattr(param, "hidden", False):
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces


class KcliGroup(TyperGroup):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for command in self.commands.values():
            _plain_help(command)

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
