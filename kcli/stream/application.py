"""An application as ``kcli stream`` sees it: its functions, its properties, its resolved bindings;
and the operations the commands call — the bindings table, and one message sent (StreamBridge)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kcli.stream import functions as fn
from kcli.stream.bindings import Binding, Resolution, resolve
from kcli.stream.errors import StreamError
from kcli.stream.properties import StreamProperties


def load(app: str | None, config: Path | None = None, overrides: dict[str, str] | None = None) -> Resolution:
    """Properties, functions and bindings; StreamError for a definition or binding that resolves to nothing."""
    props = StreamProperties.load(config, overrides)
    functions: list[fn.StreamFunction] = []
    if app is not None:
        module = fn.load_module(app)
        available = fn.candidates(module)
        where = app if app.endswith(".py") else f"module {app}"
        if ":" in app:  # module:attr binds that one function
            name = app.partition(":")[2]
            if name not in available:
                raise StreamError(f"{app}: no function '{name}' in module {module.__name__}")
            available = {name: available[name]}
        functions = fn.resolve_definition(props.get("spring.cloud.function.definition"), available, where)
    else:  # kcli stream send: every binding the properties configure can be sent to, by its name
        configured = sorted({k.split(".")[0] for k in props.with_prefix("spring.cloud.stream.bindings")})
        listed = props.get("spring.cloud.stream.output-bindings") or ""
        props.values["spring.cloud.stream.output-bindings"] = ";".join([listed, *configured]).strip(";")
    return resolve(props, functions)


@dataclass
class BindingRow:
    function: str
    binding: str
    direction: str
    binder: str
    destination: str
    group: str
    dlq: str
    partitions: str
    content_type: str


def topology(binding: Binding) -> dict[str, Any]:
    if binding.binder.type == "kafka":
        from kcli.stream import kafka_binder

        return kafka_binder.topology(binding)
    if binding.binder.type == "rabbit":
        from kcli.stream import rabbit_binder

        return rabbit_binder.topology(binding)
    return {"destination": binding.destination, "group": binding.group or ""}


def binding_rows(resolution: Resolution) -> list[BindingRow]:
    """``kcli stream bindings``: each binding with the physical objects it maps to."""
    rows = []
    for b in resolution.bindings:
        t = topology(b)
        kind = b.binder.type
        if kind == "kafka":
            destination, group = f"topic {t['topic']}", t.get("group", "")
            group = f"group {group}" if group else ""
        elif kind == "rabbit":
            destination = f"exchange {t['exchange']}"
            group = f"queue {t['queue']}" if b.direction == "in" else (f"routing key {t['routing key']}")
        else:
            destination, group = t["destination"], t["group"]
        role = b.function.role if b.function else "output-binding"
        rows.append(BindingRow(f"{b.function.name} ({role})" if b.function else "(none)", b.name, b.direction,
                               f"{b.binder.name} ({kind})" if b.binder.name != kind else kind, destination, group,
                               t.get("dlq", ""), t.get("partitions", ""), b.content_type or "application/json"))
    return rows


def send(resolution: Resolution, target: str, payload: str, headers: dict[str, str], binder: str | None = None) -> str:
    """One message to an output binding named ``target``, else to the destination ``target`` (a dynamic
    destination, as StreamBridge does); returns where it went."""
    from kcli.stream.bindings import ConsumerSettings, ProducerSettings
    from kcli.stream.handler import OutputPreparer
    from kcli.stream.retry import RetryPolicy
    from kcli.stream.runner import open_binder

    binding = resolution.binding(target)
    if binding is None or binding.direction != "out":
        binder = binder or resolution.default_binder
        if binder not in resolution.binders:
            raise StreamError(f"--binder {binder}: no such binder (binders: {', '.join(sorted(resolution.binders))})")
        binding = Binding(target, "out", None, target, None, None, resolution.binders[binder],
                          ConsumerSettings(RetryPolicy()), ProducerSettings())
    elif binder is not None and binder != binding.binder.name:
        raise StreamError(f"binding {target} uses binder {binding.binder.name}, not {binder}")
    try:
        value: Any = json.loads(payload)
        if not isinstance(value, (dict, list)):
            value = payload
    except ValueError:
        value = payload
    instance = open_binder(binding)
    try:
        output = instance.producer(binding)
        preparer = OutputPreparer(binding, output.partition_count)
        from kcli.stream.message import Message

        out = preparer.prepare(Message(value, dict(headers)), None, {})
        if isinstance(value, (dict, list)):
            out.body = payload.encode("utf-8")  # the JSON as typed, not re-serialized
        output.send(out)
        output.flush()
    finally:
        instance.close()
    return f"{binding.destination} ({binding.binder.name})"
