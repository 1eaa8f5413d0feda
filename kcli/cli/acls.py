"""``kcli acls``: kafka-acls — add, list and remove ACLs with --bootstrap-server."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from kcli.cli import render
from kcli.cli.options import bootstrap_option, resolve_bootstrap


def acls(
    bootstrap_server: Optional[str] = bootstrap_option(),
    command_config: Optional[Path] = typer.Option(None, "--command-config", help="A properties file of admin client settings."),
    add: bool = typer.Option(False, "--add", help="Add ACLs."),
    remove: bool = typer.Option(False, "--remove", help="Remove ACLs."),
    list_: bool = typer.Option(False, "--list", help="List ACLs for the resources given (all resources when none)."),
    topic: List[str] = typer.Option([], "--topic", help="A topic the ACLs are for (repeatable)."),
    group: List[str] = typer.Option([], "--group", help="A consumer group the ACLs are for (repeatable)."),
    cluster: bool = typer.Option(False, "--cluster", help="The ACLs are for the cluster."),
    transactional_id: List[str] = typer.Option([], "--transactional-id", help="A transactional id the ACLs are for (repeatable)."),
    resource_pattern_type: str = typer.Option("literal", "--resource-pattern-type", help="literal, prefixed, match or any."),
    allow_principal: List[str] = typer.Option([], "--allow-principal", help="A principal allowed, e.g. User:alice (repeatable)."),
    deny_principal: List[str] = typer.Option([], "--deny-principal", help="A principal denied (repeatable)."),
    allow_host: List[str] = typer.Option([], "--allow-host", help="A host the allowed principals may connect from (default *)."),
    deny_host: List[str] = typer.Option([], "--deny-host", help="A host the denied principals are denied from (default *)."),
    operation: List[str] = typer.Option([], "--operation", help="Read, Write, Create, Delete, Alter, Describe, IdempotentWrite or All (default All; repeatable)."),
    producer: bool = typer.Option(False, "--producer", help="The ACLs a producer needs: Write, Describe, Create on the topics."),
    consumer: bool = typer.Option(False, "--consumer", help="The ACLs a consumer needs: Read, Describe on the topics, Read on the group."),
    idempotent: bool = typer.Option(False, "--idempotent", help="With --producer: IdempotentWrite on the cluster."),
    force: bool = typer.Option(False, "--force", help="Remove without asking."),
) -> None:
    """Add, list or remove ACLs (kafka-acls).

    Example: kcli acls --bootstrap-server localhost:9092 --command-config admin.properties --add --allow-principal User:alice --operation Read --topic coffee --group baristas
    """
    from kcli.tools import acls as tool
    from kcli.tools.admin import admin_settings
    from kcli.tools.client_config import read_properties
    from kcli.tools.errors import ToolError

    if add + remove + list_ != 1:
        render.fail("Command must include exactly one action: --list, --add, --remove.")
    try:
        command_props = read_properties(command_config) if command_config else {}
        bootstrap = resolve_bootstrap(bootstrap_server, command_props)
        settings = admin_settings(command_props)
        render.ignored_configs(settings.ignored)
        patterns = tool.resources(topic, group, cluster, transactional_id, resource_pattern_type)
        if (add or remove) and not patterns:
            raise ToolError("You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --transactional-id <id>")
        if list_:
            render.current_acls(tool.describe(bootstrap, patterns, settings))
            return
        bindings = tool.entries(patterns, allow_principal, deny_principal, allow_host, deny_host, operation, producer, consumer, idempotent)
        if add:
            if not any(bindings.values()):
                raise ToolError("You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.")
            render.adding_acls(bindings)
            tool.add(bootstrap, bindings, settings)
        else:
            if not force and not render.confirm_removal(bindings, patterns):
                return
            tool.remove(bootstrap, bindings, patterns, settings)
        render.current_acls(tool.describe(bootstrap, list(bindings) or patterns, settings), patterns=list(bindings) or patterns)
    except tool.AclError as exc:
        render.fail(f"Error while executing ACL command: {exc.message}")
    except ToolError as exc:
        render.fail(exc.message)
