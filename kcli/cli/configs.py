"""``kcli configs``: kafka-configs — describe or alter the configs of topics and brokers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from kcli.cli import render
from kcli.cli.options import ZOOKEEPER_GONE, bootstrap_option, resolve_bootstrap, zookeeper_option

_SUPPORTED = ("topics", "brokers", "users")


def configs(
    bootstrap_server: Optional[str] = bootstrap_option(),
    command_config: Optional[Path] = typer.Option(None, "--command-config", help="A properties file of admin client settings."),
    describe: bool = typer.Option(False, "--describe", help="List configs for the given entity."),
    alter: bool = typer.Option(False, "--alter", help="Alter the configuration for the entity."),
    all_: bool = typer.Option(False, "--all", help="List all configs for the given entity, including static configs if available."),
    entity_type: List[str] = typer.Option([], "--entity-type", help="Type of entity: topics, brokers or users."),
    entity_name: Optional[str] = typer.Option(None, "--entity-name", help="Name of entity: a topic name, a broker id or a user name."),
    entity_default: bool = typer.Option(False, "--entity-default", help="The default config for all brokers (with --entity-type brokers)."),
    topic: Optional[str] = typer.Option(None, "--topic", help="The topic's name (--entity-type topics --entity-name TOPIC)."),
    broker: Optional[str] = typer.Option(None, "--broker", help="The broker's id (--entity-type brokers --entity-name ID)."),
    broker_defaults: bool = typer.Option(False, "--broker-defaults", help="The config defaults for all brokers."),
    add_config: Optional[str] = typer.Option(None, "--add-config", metavar="k1=v1,k2=[v1,v2,v2],k3=v3",
                                             help="Configs to add or change; square brackets group values which contain commas."),
    add_config_file: Optional[Path] = typer.Option(None, "--add-config-file", help="A properties file of configs to add."),
    delete_config: List[str] = typer.Option([], "--delete-config", metavar="k1,k2", help="Config keys to remove."),
    force: bool = typer.Option(False, "--force", help="Suppress console prompts (accepted; kcli never prompts)."),
    zookeeper: Optional[str] = zookeeper_option(),
) -> None:
    """Manipulate and describe entity config for a topic or a broker (kafka-configs).

    Example: kcli configs --bootstrap-server localhost:9092 --entity-type topics --entity-name coffee --alter --add-config retention.ms=60000
    """
    from kcli.tools import configs as tool
    from kcli.tools.admin import admin_settings
    from kcli.tools.client_config import read_properties
    from kcli.tools.errors import ToolError
    from kcli.tools.user_credentials import CredentialError

    if zookeeper is not None:
        render.fail(ZOOKEEPER_GONE)
    try:
        kind, name = _entity(describe, alter, entity_type, entity_name, entity_default, topic, broker, broker_defaults,
                             add_config, add_config_file, delete_config)
        command_props = read_properties(command_config) if command_config else {}
        bootstrap = resolve_bootstrap(bootstrap_server, command_props)
        settings = admin_settings(command_props)
        render.ignored_configs(settings.ignored)
        if kind == "users":
            _users(bootstrap, describe, name, add_config, add_config_file, delete_config, settings)
        elif describe:
            render.entity_configs(tool.describe(bootstrap, kind, name, all_, settings))
        else:
            add = read_properties(add_config_file) if add_config_file else {}
            add.update(tool.parse_add_config(add_config) if add_config is not None else {})
            delete = [k.strip() for item in delete_config for k in item.split(",") if k.strip()]
            tool.alter(bootstrap, kind, name or "", add, delete, settings)
            render.configs_altered(kind, name or "")
    except (tool.BrokerError, CredentialError) as exc:
        render.fail(f"Error while executing config command with args '{' '.join(sys.argv[2:])}'\n"
                    f"java.util.concurrent.ExecutionException: {exc.message}")
    except ToolError as exc:
        render.fail(exc.message)


def _users(bootstrap, describe, name, add_config, add_config_file, delete_config, settings) -> None:
    """--entity-type users: SCRAM credentials (kcli/tools/user_credentials.py)."""
    from kcli.tools import configs as config_tool
    from kcli.tools import user_credentials as tool
    from kcli.tools.client_config import read_properties

    if describe:
        render.user_scram_credentials(tool.describe(bootstrap, [name] if name else [], settings))
        return
    add = read_properties(add_config_file) if add_config_file else {}
    add.update(config_tool.parse_add_config(add_config) if add_config is not None else {})
    delete = [k.strip() for item in delete_config for k in item.split(",") if k.strip()]
    tool.alter(bootstrap, name or "", add, delete, settings)
    render.configs_altered("users", name or "")


def _entity(describe, alter, entity_type, entity_name, entity_default, topic, broker, broker_defaults,
            add_config, add_config_file, delete_config) -> tuple[str, str | None]:
    """ConfigCommandOptions.checkArgs for topics and brokers, in its order and words."""
    from kcli.tools.errors import ToolError

    if describe + alter != 1:
        render.fail("Command must include exactly one action: --describe, --alter")
    if describe and (add_config is not None or delete_config):
        option = "add-config" if add_config is not None else "delete-config"
        render.fail(f'Option "[describe]" can\'t be used with option "[{option}]"')
    flags = [("topics", topic), ("brokers", broker), ("brokers", "" if broker_defaults else None)]
    types = list(entity_type) + [t for t, value in flags if value is not None]
    duplicates = sorted({t for t in types if types.count(t) > 1})
    if duplicates:
        raise ToolError(f"Duplicate entity type(s) specified: {','.join(duplicates)}")
    for t in types:
        if t not in _SUPPORTED:
            raise ToolError(f"Invalid entity type {t}, the entity type must be one of {', '.join(_SUPPORTED)} with a "
                            "--bootstrap-server or --bootstrap-controller argument (kcli's configs tool handles topics, brokers and users)")
    if not types:
        raise ToolError("At least one entity type must be specified")
    if len(types) > 1:
        raise ToolError("Only 'users' and 'clients' entity types may be specified together")
    if (entity_name is not None or entity_type or entity_default) and any(v is not None for _, v in flags):
        raise ToolError("--entity-{type,name,default} should not be used in conjunction with specific entity flags")
    kind = types[0]
    names = [n for n in (entity_name, topic, broker) if n is not None] + ([""] if entity_default or broker_defaults else [])
    has_name, has_default = any(names), "" in names
    if has_name and kind == "brokers":
        for value in (entity_name, broker):
            if value is not None:
                try:
                    int(value)
                except ValueError:
                    raise ToolError(f"The entity name for {kind} must be a valid integer broker id, but it is: {value}") from None
    if describe and kind == "topics" and entity_default:
        raise ToolError(f"--entity-default must not be specified with --describe of {kind}")
    if alter:
        if kind in ("brokers", "users") and not has_name and not has_default:
            raise ToolError("An entity-name or default entity must be specified with --alter of users, clients, brokers or ips")
        if kind == "topics" and not has_name:
            raise ToolError(f"An entity name must be specified with --alter of {kind}")
        if add_config is not None and add_config_file is not None:
            raise ToolError("Only one of --add-config or --add-config-file must be specified")
        if add_config is None and add_config_file is None and not delete_config:
            raise ToolError("At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter")
    return kind, (names[0] if names else None)
