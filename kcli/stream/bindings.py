"""Bindings resolved from Spring Cloud Stream's properties: which function, which binder, which destination.

Binding names are Spring's (``<function>-in-0``, ``<function>-out-0``), renamed by
``spring.cloud.stream.function.bindings.<name>=<alias>``; ``spring.cloud.stream.output-bindings`` adds
output bindings no function owns (for ``kcli stream send``). Each binding's properties are read from
``spring.cloud.stream.bindings.<binding>.*`` over ``spring.cloud.stream.default.*``; binder-specific ones
from ``spring.cloud.stream.<type>.bindings.<binding>.<consumer|producer>.*`` over
``spring.cloud.stream.<type>.default.<consumer|producer>.*``.

Binders: when ``spring.cloud.stream.binders.*`` declares any, only those exist (as in Spring, declaring
one switches the implicit ones off) and a binding without ``binder`` uses ``default-binder``, or the
only one declared; otherwise the types ``kafka`` and ``rabbit`` exist under their own names and the
default is ``default-binder`` or ``kafka`` — kcli's broker. A binder's properties are the application's
(unless ``inherit-environment=false``) under its ``environment.*``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from kcli.stream.errors import StreamError
from kcli.stream.functions import StreamFunction
from kcli.stream.properties import StreamProperties
from kcli.stream.retry import RetryPolicy

BINDER_TYPES = ("kafka", "rabbit", "test")
SCS = "spring.cloud.stream"


@dataclass
class BinderConfig:
    name: str
    type: str
    properties: StreamProperties


@dataclass
class ConsumerSettings:
    retry: RetryPolicy
    concurrency: int = 1
    partitioned: bool = False
    instance_index: int = 0
    instance_index_list: list[int] = field(default_factory=list)  # RabbitMQ: the partitions this instance consumes
    instance_count: int = 1
    auto_startup: bool = True
    extended: dict[str, str] = field(default_factory=dict)


@dataclass
class ProducerSettings:
    partition_key_expression: str | None = None
    partition_count: int = 1
    required_groups: list[str] = field(default_factory=list)
    fixed_delay_ms: int = 1000
    max_messages_per_poll: int = 1
    extended: dict[str, str] = field(default_factory=dict)


@dataclass
class Binding:
    name: str
    direction: str  # "in" or "out"
    function: StreamFunction | None
    destination: str
    group: str | None
    content_type: str | None
    binder: BinderConfig
    consumer: ConsumerSettings
    producer: ProducerSettings

    @property
    def destinations(self) -> list[str]:
        return [d.strip() for d in self.destination.split(",") if d.strip()]


@dataclass
class Resolution:
    bindings: list[Binding]
    functions: list[StreamFunction]
    binders: dict[str, BinderConfig]
    warnings: list[str] = field(default_factory=list)
    default_binder: str | None = None

    def binding(self, name: str) -> Binding | None:
        return next((b for b in self.bindings if b.name == name), None)


def _split_names(value: str | None) -> list[str]:
    return [n.strip() for n in (value or "").replace(",", ";").split(";") if n.strip()]


def binders(props: StreamProperties) -> tuple[dict[str, BinderConfig], str | None]:
    """The binder configurations and the default one's name (None when the choice is ambiguous)."""
    declared_names = sorted({key.split(".")[0] for key in props.with_prefix(f"{SCS}.binders")})
    default = props.get(f"{SCS}.default-binder")
    configs: dict[str, BinderConfig] = {}
    if not declared_names:
        for name in ("kafka", "rabbit", "test"):
            configs[name] = BinderConfig(name, name, props)
        return configs, default or "kafka"
    for name in declared_names:
        own = props.with_prefix(f"{SCS}.binders.{name}")
        kind = own.get("type", name)
        if kind not in BINDER_TYPES:
            raise StreamError(f"{SCS}.binders.{name}.type={kind}: kcli has the binders {', '.join(BINDER_TYPES)}")
        inherit = StreamProperties.boolean(f"{SCS}.binders.{name}.inherit-environment", own.get("inherit-environment"), True)
        environment = {k[len("environment."):]: v for k, v in own.items() if k.startswith("environment.")}
        configs[name] = BinderConfig(name, kind, StreamProperties(props.values if inherit else {}, environment))
    if default is None:
        candidates = [n for n in declared_names
                      if StreamProperties.boolean("default-candidate", props.get(f"{SCS}.binders.{n}.default-candidate"), True)]
        default = candidates[0] if len(candidates) == 1 else None
    return configs, default


def resolve(props: StreamProperties, functions: list[StreamFunction]) -> Resolution:
    configs, default = binders(props)
    aliases = props.with_prefix(f"{SCS}.function.bindings")
    instance_index = props.integer(f"{SCS}.instance-index", props.get(f"{SCS}.instance-index"), 0)
    instance_count = props.integer(f"{SCS}.instance-count", props.get(f"{SCS}.instance-count"), 1)
    fixed_delay = props.integer("spring.integration.poller.fixed-delay",
                                props.first("spring.integration.poller.fixed-delay", f"{SCS}.poller.fixed-delay"), 1000)
    per_poll = props.integer("spring.integration.poller.max-messages-per-poll",
                             props.first("spring.integration.poller.max-messages-per-poll", f"{SCS}.poller.max-messages-per-poll"), 1)

    planned: list[tuple[str, str, StreamFunction | None]] = []
    for function in functions:
        planned += [(aliases.get(b, b), "in", function) for b in function.inputs]
        planned += [(aliases.get(b, b), "out", function) for b in function.outputs]
    planned += [(name, "out", None) for name in _split_names(props.get(f"{SCS}.output-bindings"))]

    bindings = []
    for name, direction, fn in planned:
        own = {**props.with_prefix(f"{SCS}.default"), **props.with_prefix(f"{SCS}.bindings.{name}")}
        where = f"{SCS}.bindings.{name}"
        binder_name = own.get("binder") or default
        if binder_name is None:
            raise StreamError(f"A default binder has been requested, but there is more than one binder available for "
                              f"binding '{name}': {', '.join(sorted(configs))}; set {SCS}.default-binder or {where}.binder")
        if binder_name not in configs:
            raise StreamError(f"{where}.binder={binder_name}: no such binder (binders: {', '.join(sorted(configs))})")
        binder = configs[binder_name]
        ext_prefix = f"{SCS}.{binder.type}"
        role = "consumer" if direction == "in" else "producer"
        extended = {**props.with_prefix(f"{ext_prefix}.default.{role}"), **props.with_prefix(f"{ext_prefix}.bindings.{name}.{role}")}
        c = {k[len("consumer."):]: v for k, v in own.items() if k.startswith("consumer.")}
        p = {k[len("producer."):]: v for k, v in own.items() if k.startswith("producer.")}

        def ci(key: str, default: int, c: dict = c, where: str = where) -> int:
            return props.integer(f"{where}.consumer.{key}", c.get(key), default)

        def pi(key: str, default: int, p: dict = p, where: str = where) -> int:
            return props.integer(f"{where}.producer.{key}", p.get(key), default)

        retry = RetryPolicy(
            max_attempts=max(1, ci("max-attempts", 3)),
            initial_interval_ms=props.number(f"{where}.consumer.back-off-initial-interval", c.get("back-off-initial-interval"), 1000),
            multiplier=props.number(f"{where}.consumer.back-off-multiplier", c.get("back-off-multiplier"), 2.0),
            max_interval_ms=props.number(f"{where}.consumer.back-off-max-interval", c.get("back-off-max-interval"), 10000),
            default_retryable=StreamProperties.boolean(f"{where}.consumer.default-retryable", c.get("default-retryable"), True),
            retryable_exceptions={k[len("retryable-exceptions."):]: StreamProperties.boolean(k, v, True)
                                  for k, v in c.items() if k.startswith("retryable-exceptions.")},
        )
        index, count = ci("instance-index", -1), ci("instance-count", -1)
        consumer = ConsumerSettings(
            retry=retry, concurrency=max(1, ci("concurrency", 1)),
            partitioned=StreamProperties.boolean(f"{where}.consumer.partitioned", c.get("partitioned"), False),
            instance_index=instance_index if index < 0 else index, instance_count=instance_count if count < 0 else count,
            instance_index_list=[props.integer(f"{where}.consumer.instance-index-list", i, 0) for i in _split_names(c.get("instance-index-list"))],
            auto_startup=StreamProperties.boolean(f"{where}.consumer.auto-startup", c.get("auto-startup"), True),
            extended=extended if direction == "in" else {},
        )
        producer = ProducerSettings(
            partition_key_expression=p.get("partition-key-expression"), partition_count=max(1, pi("partition-count", 1)),
            required_groups=_split_names(p.get("required-groups")),
            fixed_delay_ms=pi("poller.fixed-delay", fixed_delay), max_messages_per_poll=max(1, pi("poller.max-messages-per-poll", per_poll)),
            extended=extended if direction == "out" else {},
        )
        if consumer.partitioned and not 0 <= consumer.instance_index < max(1, consumer.instance_count):
            raise StreamError(f"{where}: instance-index {consumer.instance_index} is outside instance-count {consumer.instance_count}")
        group = own.get("group") or None
        bindings.append(Binding(name, direction, fn, own.get("destination") or name, group if direction == "in" else None,
                                own.get("content-type"), binder, consumer, producer))

    known = {b.name for b in bindings}
    warnings = []
    for configured in sorted({k.split(".")[0] for k in props.with_prefix(f"{SCS}.bindings")} - known):
        close = difflib.get_close_matches(configured, sorted(known), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        warnings.append(f"{SCS}.bindings.{configured}.* configures a binding that no function has "
                        f"(bindings: {', '.join(sorted(known)) or 'none'}){hint}")
    return Resolution(bindings, functions, configs, warnings, default)
