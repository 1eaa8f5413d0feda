"""DescribeConfigs (key 32): v1–v2 (v2 is v1 again).

Topic resources list every topic config with its value and source (topic
override, static broker config, or default) and, when asked, the synonyms
behind it. Broker resources list the broker's settings.
"""

from kafka.protocol.admin import DescribeConfigsRequest as Request
from kafka.protocol.admin import DescribeConfigsResponse as Response

from kcli.broker import topic_config
from kcli.broker.topic_config import ConfigSource
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (1, 2)
TOPIC, BROKER = 2, 4

_Result = Response.DescribeConfigsResult
_Entry = _Result.DescribeConfigsResourceResult
_Synonym = _Entry.DescribeConfigsSynonym


def handle(request, ctx):
    results = []
    for r in request.resources:
        keys = set(r.configuration_keys) if r.configuration_keys else None
        if r.resource_type == TOPIC:
            code, message, entries = _topic(ctx, r.resource_name, request.include_synonyms)
        elif r.resource_type == BROKER:
            code, message, entries = _broker(ctx, r.resource_name)
        else:
            code, message, entries = ErrorCode.INVALID_REQUEST, f"Unsupported resource type {r.resource_type}", []
        if keys is not None:
            entries = [e for e in entries if e.name in keys]
        results.append(_Result(error_code=code, error_message=message, resource_type=r.resource_type, resource_name=r.resource_name, configs=entries))
    return Response(version=ctx.api_version, throttle_time_ms=0, results=results)


def topic_entries(catalog, overrides: dict[str, str], include_synonyms: bool):
    """(name, value, source, synonyms) for every topic config; shared with the alter handlers' checks."""
    for d in topic_config.TOPIC_CONFIGS:
        default_value, default_source = catalog.defaults[d.name]
        synonyms = []
        if d.name in overrides:
            value, source = overrides[d.name], ConfigSource.DYNAMIC_TOPIC_CONFIG
            synonyms.append((d.name, value, source))
        else:
            value, source = default_value, default_source
        if include_synonyms and d.broker_key:
            if default_source is ConfigSource.STATIC_BROKER_CONFIG:
                synonyms.append((d.broker_key, default_value, default_source))
            synonyms.append((d.broker_key, d.default, ConfigSource.DEFAULT_CONFIG))
        yield d.name, value, source, synonyms if include_synonyms else []


def _topic(ctx, name: str, include_synonyms: bool):
    topic = ctx.catalog.topics.get(name)
    if topic is None:
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, f"Topic {name} does not exist.", []
    entries = [
        _Entry(
            name=n, value=v, read_only=False, config_source=s, is_default=s is ConfigSource.DEFAULT_CONFIG,
            is_sensitive=False, synonyms=[_Synonym(name=sn, value=sv, source=ss) for sn, sv, ss in syn],
        )
        for n, v, s, syn in topic_entries(ctx.catalog, topic.configs, include_synonyms)
    ]
    return ErrorCode.NONE, None, entries


def _broker(ctx, name: str):
    if name not in ("", str(ctx.config.node_id)):
        return ErrorCode.INVALID_REQUEST, f"Unexpected broker id, expected {ctx.config.node_id} but received {name}", []
    static = ctx.config.static
    entries = [
        _Entry(
            name=k, value=v, read_only=True,
            config_source=ConfigSource.STATIC_BROKER_CONFIG if k in static else ConfigSource.DEFAULT_CONFIG,
            is_default=k not in static, is_sensitive=False, synonyms=[],
        )
        for k, v in sorted(ctx.config.props.items())
    ]
    return ErrorCode.NONE, None, entries


def error_response(request, ctx, code):
    """Every resource with ``code`` and no configs (Kafka's DescribeConfigsRequest.getErrorResponse)."""
    results = [
        _Result(error_code=code, error_message=None, resource_type=r.resource_type, resource_name=r.resource_name, configs=[])
        for r in request.resources
    ]
    return Response(version=ctx.api_version, throttle_time_ms=0, results=results)
