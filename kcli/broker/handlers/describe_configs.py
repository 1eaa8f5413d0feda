"""DescribeConfigs (key 32): v0–v2 (v0 has is_default where v1 has the source and synonyms; v2 is v1 again).

Topic resources list every topic config with its value and source (topic
override, dynamic or static broker config, or default) and, when asked, the
synonyms behind it. A broker resource named by this broker's id lists every
broker setting kcli knows, each from the most specific of its dynamic
per-broker, dynamic cluster-default, static and default values (synonyms such
as log.retention.ms ← log.retention.hours looked up in turn); the resource
named "" lists the dynamic cluster defaults, as Kafka's ConfigHelper does.
Settings kcli cannot change at run time are read-only (kcli/broker/dynamic_config.py).
"""

from kafka.protocol.admin import DescribeConfigsRequest as Request
from kafka.protocol.admin import DescribeConfigsResponse as Response

from kcli.broker import config, dynamic_config, topic_config
from kcli.broker.topic_config import ConfigSource
from kcli.broker.acl import bindings as acl
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 2)
TOPIC, BROKER = 2, 4

_Result = Response.DescribeConfigsResult
_Entry = _Result.DescribeConfigsResourceResult
_Synonym = _Entry.DescribeConfigsSynonym


def handle(request, ctx):
    results = []
    for r in request.resources:
        keys = set(r.configuration_keys) if r.configuration_keys else None
        if not _may_describe(ctx, r.resource_type, r.resource_name):
            code, message, entries = _AUTHORIZATION_FAILED[r.resource_type], None, []
        elif r.resource_type == TOPIC:
            code, message, entries = _topic(ctx, r.resource_name, request.include_synonyms)
        elif r.resource_type == BROKER:
            code, message, entries = _broker(ctx, r.resource_name, request.include_synonyms)
        else:
            code, message, entries = ErrorCode.INVALID_REQUEST, f"Unsupported resource type {r.resource_type}", []
        if keys is not None:
            entries = [e for e in entries if e.name in keys]
        results.append(_Result(error_code=code, error_message=message, resource_type=r.resource_type, resource_name=r.resource_name, configs=entries))
    return Response(version=ctx.api_version, throttle_time_ms=0, results=results)


_AUTHORIZATION_FAILED = {TOPIC: ErrorCode.TOPIC_AUTHORIZATION_FAILED, BROKER: ErrorCode.CLUSTER_AUTHORIZATION_FAILED}


def _may_describe(ctx, resource_type: int, name: str) -> bool:
    """DESCRIBE_CONFIGS on the topic, or on the cluster for a broker (Kafka's ConfigHelper)."""
    if resource_type == TOPIC:
        return ctx.authorized(acl.DESCRIBE_CONFIGS, acl.TOPIC, name)
    if resource_type == BROKER:
        return ctx.authorized(acl.DESCRIBE_CONFIGS, acl.CLUSTER, acl.CLUSTER_NAME)
    return True


def topic_entries(catalog, overrides: dict[str, str], include_synonyms: bool, layers=None):
    """(name, value, source, synonyms) for every topic config; shared with the alter handlers' checks.

    With ``layers`` (DynamicBrokerConfigs.layers) the broker synonyms are every broker key behind the
    topic config (retention.ms: log.retention.ms, log.retention.minutes, log.retention.hours) from each
    layer that sets it, most specific first, as Kafka lists them.
    """
    for d in topic_config.TOPIC_CONFIGS:
        default_value, default_source = catalog.defaults[d.name]
        synonyms = []
        if d.name in overrides:
            value, source = overrides[d.name], ConfigSource.DYNAMIC_TOPIC_CONFIG
            synonyms.append((d.name, value, source))
        else:
            value, source = default_value, default_source
        chain = dynamic_config.synonyms(d.broker_key or _BROKER_CHAIN.get(d.name, ""))
        if include_synonyms and layers is not None and chain != ("",):
            synonyms += [(k, values[k], s) for k in chain for s, values in layers if k in values]
        elif include_synonyms and d.broker_key:
            if default_source is not ConfigSource.DEFAULT_CONFIG:  # a static or dynamic broker setting
                synonyms.append((d.broker_key, default_value, default_source))
            synonyms.append((d.broker_key, d.default, ConfigSource.DEFAULT_CONFIG))
        yield d.name, value, source, synonyms if include_synonyms else []


_BROKER_CHAIN = {"retention.ms": "log.retention.ms", "segment.ms": "log.roll.ms"}  # topic configs without one broker key


def _topic(ctx, name: str, include_synonyms: bool):
    topic = ctx.catalog.topics.get(name)
    if topic is None:
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, f"Topic {name} does not exist.", []
    dynamic = ctx.config.dynamic
    layers = dynamic.layers(ctx.config.static, config.DEFAULTS) if dynamic is not None else None
    entries = [
        _Entry(
            name=n, value=v, read_only=False, config_source=s, is_default=s is ConfigSource.DEFAULT_CONFIG,
            is_sensitive=False, synonyms=[_Synonym(name=sn, value=sv, source=ss) for sn, sv, ss in syn],
        )
        for n, v, s, syn in topic_entries(ctx.catalog, topic.configs, include_synonyms, layers)
    ]
    return ErrorCode.NONE, None, entries


def _broker(ctx, name: str, include_synonyms: bool):
    if name not in ("", str(ctx.config.node_id)):
        return ErrorCode.INVALID_REQUEST, f"Unexpected broker id, expected {ctx.config.node_id} or empty string, but received {name}", []
    dynamic = ctx.config.dynamic or dynamic_config.DynamicBrokerConfigs(ctx.config.log_dir / dynamic_config.FILE)
    if name == "":
        keys = sorted(dynamic.cluster_default)
        layers = dynamic.layers(ctx.config.static, config.DEFAULTS, per_broker=False)
    else:
        keys = sorted(set(config.DEFINITIONS) | set(config.DEFAULTS) | dynamic_config.DYNAMIC_KEYS | set(dynamic.per_broker))
        layers = dynamic.layers(ctx.config.static, config.DEFAULTS)
    return ErrorCode.NONE, None, [_broker_entry(key, layers, include_synonyms) for key in keys]


def _broker_entry(key: str, layers, include_synonyms: bool):
    """Kafka's createBrokerConfigEntry: the key's own value; its source and synonyms from the first layer setting any synonym."""
    found = [(k, values[k], source) for k in dynamic_config.synonyms(key) for source, values in layers if k in values]
    value = next((values[key] for _, values in layers if key in values), None)
    source = found[0][2] if found else ConfigSource.DEFAULT_CONFIG
    return _Entry(
        name=key, value=value, read_only=key not in dynamic_config.DYNAMIC_KEYS, config_source=source,
        is_default=source == ConfigSource.DEFAULT_CONFIG, is_sensitive=False,
        synonyms=[_Synonym(name=k, value=v, source=s) for k, v, s in found] if include_synonyms else [],
    )


def error_response(request, ctx, code):
    """Every resource with ``code`` and no configs (Kafka's DescribeConfigsRequest.getErrorResponse)."""
    results = [
        _Result(error_code=code, error_message=None, resource_type=r.resource_type, resource_name=r.resource_name, configs=[])
        for r in request.resources
    ]
    return Response(version=ctx.api_version, throttle_time_ms=0, results=results)
