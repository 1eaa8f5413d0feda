"""``kcli topics``: kafka-topics — create, list, describe, alter or delete topics."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from kcli.cli import render
from kcli.cli.options import ZOOKEEPER_GONE, bootstrap_option, command_timeout_option, reporting, resolve_bootstrap, zookeeper_option

_ACTIONS = "--list, --describe, --create, --alter or --delete"
NO_ACTION = f"Command must include exactly one action: {_ACTIONS}"


def topics(
    create: bool = typer.Option(False, "--create", help="Create a new topic."),
    list_: bool = typer.Option(False, "--list", help="List all available topics."),
    describe: bool = typer.Option(False, "--describe", help="List details for the given topics."),
    alter: bool = typer.Option(False, "--alter", help="Alter the number of partitions of a topic."),
    delete: bool = typer.Option(False, "--delete", help="Delete a topic."),
    topic: Optional[str] = typer.Option(None, "--topic", help="The topic to create, alter, describe or delete; a regular expression except with --create."),
    partitions: Optional[int] = typer.Option(None, "--partitions", help="The number of partitions for the topic being created or altered."),
    replication_factor: Optional[int] = typer.Option(None, "--replication-factor", help="The replication factor for each partition of the topic being created."),
    config: List[str] = typer.Option([], "--config", help="A topic configuration override, name=value (repeatable), e.g. --config retention.ms=60000."),
    if_exists: bool = typer.Option(False, "--if-exists", help="With --alter, --describe or --delete: act only if the topic exists."),
    if_not_exists: bool = typer.Option(False, "--if-not-exists", help="With --create: create only if the topic does not exist."),
    exclude_internal: bool = typer.Option(False, "--exclude-internal", help="Leave internal topics out of --list and --describe."),
    bootstrap_server: Optional[str] = bootstrap_option(),
    command_config: Optional[Path] = typer.Option(None, "--command-config", help="A properties file of admin client settings."),
    command_timeout: int = command_timeout_option(),
    zookeeper: Optional[str] = zookeeper_option(),
) -> None:
    """Create, delete, describe, or change a topic (kafka-topics).

    Example: kcli topics --create --topic coffee --partitions 3 --bootstrap-server localhost:9092
    """
    from kcli.tools import topics as tool
    from kcli.tools.admin import admin_settings
    from kcli.tools.client_config import read_properties
    from kcli.tools.errors import ToolError

    _check_options(zookeeper, topic, partitions, config, create=create, list=list_, describe=describe, alter=alter, delete=delete)
    try:
        command_props = read_properties(command_config) if command_config else {}
        bootstrap = resolve_bootstrap(bootstrap_server, command_props)
        if create:
            tool.validate_name(topic or "")
        elif topic is not None:
            tool.compile_pattern(topic)
        configs = _topic_configs(config)
        command_props.setdefault("default.api.timeout.ms", str(command_timeout))
        settings = reporting(admin_settings(command_props))
        render.ignored_configs(settings.ignored)
        if create:
            if tool.create(bootstrap, topic, partitions, replication_factor, configs, if_not_exists, settings):
                render.created_topic(topic)
        elif list_:
            render.topic_list(tool.list_topics(bootstrap, topic, exclude_internal, settings))
        elif describe:
            render.topic_descriptions(tool.describe(bootstrap, topic, exclude_internal, if_exists, settings))
        elif alter:
            tool.alter_partitions(bootstrap, topic, partitions, if_exists, settings)
        else:
            tool.delete(bootstrap, topic, if_exists, settings)
    except ToolError as exc:
        render.fail(f"Error while executing topic command : {exc.message}")


def _check_options(zookeeper, topic, partitions, config, **actions: bool) -> None:
    """TopicCommand's checks, made before connecting, in its words."""
    if zookeeper is not None:
        render.fail(ZOOKEEPER_GONE)
    if sum(actions.values()) != 1:
        render.fail(NO_ACTION)
    if not topic and not (actions["list"] or actions["describe"]):
        render.fail('Missing required argument "[topic]"')
    if actions["alter"] and config:
        render.fail('Option combination "[[bootstrap-server], [config]]" can\'t be used with option "[alter]" '
                    "(To alter topic configurations, the kafka-configs tool can be used.)")
    if actions["alter"] and partitions is None:
        render.fail('Missing required argument "[partitions]"')


def _topic_configs(items: list[str]) -> dict[str, str]:
    from kcli.tools.errors import ToolError

    configs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ToolError('requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".')
        configs[key.strip()] = value.strip()
    return configs
