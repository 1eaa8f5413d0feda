"""kafka-configs' output: entity configs and SCRAM credentials described, configs altered."""

from __future__ import annotations

from kcli.cli.render.output import out


def entity_configs(described) -> None:
    """kafka-configs --describe: a heading per entity, then ``  name=value sensitive=… synonyms={SOURCE:name=value, …}``."""
    for entity in described:
        if entity.entity_type == "brokers" and entity.name == "":
            out(f"Default configs for {entity.entity_type} in the cluster are:")
        else:
            out(f"{'All' if entity.all else 'Dynamic'} configs for {entity.entity_type[:-1]} {entity.name} are:")
        for e in entity.entries:
            synonyms = ", ".join(f"{source}:{name}={_java(value)}" for source, name, value in e.synonyms)
            out(f"  {e.name}={_java(e.value)} sensitive={'true' if e.sensitive else 'false'} synonyms={{{synonyms}}}")


def _java(value) -> str:
    return "null" if value is None else str(value)


def user_scram_credentials(descriptions) -> None:
    """kafka-configs --describe --entity-type users: one line per user, as ConfigCommand prints it."""
    for d in descriptions:
        if d.error:
            out(f"Error retrieving SCRAM credential configs for user-principal '{d.user}': {d.error}")
        else:
            out(f"SCRAM credential configs for user-principal '{d.user}' are {', '.join(f'{m}=iterations={i}' for m, i in d.mechanisms)}")


def configs_altered(entity_type: str, name: str) -> None:
    if name:
        out(f"Completed updating config for {entity_type[:-1]} {name}.")
    else:
        out(f"Completed updating default config for {entity_type} in the cluster.")
