"""The security tools' output: ``kcli certs``' development certificates, kafka-acls' bindings."""

from __future__ import annotations

import sys

from kcli.cli.render.output import out


def dev_certs(certs) -> None:
    out(f"Created a development CA and certificates in {certs.directory} (hosts: {', '.join(certs.hosts)})")
    out(f"  CA certificate        {certs.ca}")
    out(f"  broker key store      {certs.broker_keystore}")
    out(f"  client key store      {certs.client_keystore} (for ssl.client.auth=required)")
    out("")
    out("Broker settings (server.properties or --override):")
    out("  listeners=PLAINTEXT://localhost:9092,SSL://localhost:9093")
    for key, value in certs.broker_properties().items():
        out(f"  {key}={value}")
    out("")
    out(f"Client settings, written to {certs.client_properties} (--command-config, --producer.config, --consumer.config):")
    for key, value in certs.client_settings().items():
        out(f"  {key}={value}")


def adding_acls(bindings) -> None:
    """kafka-acls --add: each resource and its new entries, as AclCommand prints them."""
    for resource, entries in bindings.items():
        out(f"Adding ACLs for resource `{resource}`: \n \t" + "\n\t".join(map(str, entries)) + " \n")


def current_acls(described, patterns=None) -> None:
    """kafka-acls --list (and after --add/--remove): each resource's entries; a named resource without any prints none."""
    for resource in patterns if patterns is not None else described:
        entries = described.get(resource, [])
        out(f"Current ACLs for resource `{resource}`: \n \t" + "\n\t".join(map(str, entries)) + " \n")


def confirm_removal(bindings, patterns) -> bool:
    for resource in patterns:
        entries = bindings.get(resource) or []
        what = ("\n\t" + "\n\t".join(map(str, entries)) + " \n") if entries else " "
        sys.stdout.write(f"Are you sure you want to remove ACLs: {what} from resource `{resource}`? (y/n)")
        sys.stdout.flush()
        if sys.stdin.readline().strip().lower() != "y":
            return False
    return True
