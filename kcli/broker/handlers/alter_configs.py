"""AlterConfigs (key 33): v0–v1 (identical bodies). Replaces a topic's whole set of overrides, or a broker's dynamic configs.

A broker resource is this broker's id (per-broker configs) or "" (the cluster
defaults); only the keys in kcli/broker/dynamic_config.py's DYNAMIC_KEYS may be
set, and a change applies to every partition at once and is kept across
restarts.
"""

from kafka.protocol.admin import AlterConfigsRequest as Request
from kafka.protocol.admin import AlterConfigsResponse as Response

from kcli.broker import config_def, dynamic_config, topic_config
from kcli.broker.config import DEFINITIONS
from kcli.broker.acl import bindings as acl
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 1)
TOPIC, BROKER = 2, 4


def handle(request, ctx):
    responses = []
    for r in request.resources:
        code, message = apply(ctx, r.resource_type, r.resource_name, {c.name: c.value for c in r.configs}, request.validate_only)
        responses.append(Response.AlterConfigsResourceResponse(error_code=code, error_message=message, resource_type=r.resource_type, resource_name=r.resource_name))
    return Response(version=ctx.api_version, throttle_time_ms=0, responses=responses)


def apply(ctx, resource_type: int, name: str, configs: dict[str, str | None], validate_only: bool):
    """Check and store a topic's new overrides or a broker's new dynamic configs; (error code, message). Shared with IncrementalAlterConfigs."""
    if resource_type == TOPIC and not ctx.authorized(acl.ALTER_CONFIGS, acl.TOPIC, name):
        return ErrorCode.TOPIC_AUTHORIZATION_FAILED, None
    if resource_type == BROKER and not ctx.authorized(acl.ALTER_CONFIGS, acl.CLUSTER, acl.CLUSTER_NAME):
        return ErrorCode.CLUSTER_AUTHORIZATION_FAILED, None
    if resource_type == BROKER:
        return apply_broker(ctx, name, configs, validate_only)
    if resource_type != TOPIC:
        return ErrorCode.INVALID_REQUEST, f"Unsupported resource type {resource_type}"
    if name not in ctx.catalog.topics:
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, f"Topic {name} does not exist."
    for key, value in configs.items():
        problem = topic_config.validate(key, value)
        if problem:
            return ErrorCode.INVALID_CONFIG, problem
    if not validate_only:
        ctx.catalog.set_configs(name, {k: v for k, v in configs.items() if v is not None})
    return ErrorCode.NONE, None


def broker_layer(ctx, name: str):
    """The dynamic configs a broker resource names (a copy), or (error code, message) for another broker."""
    if name not in ("", str(ctx.config.node_id)):
        return ErrorCode.INVALID_REQUEST, f"Unexpected broker id, expected {ctx.config.node_id} or empty string, but received {name}"
    return dict(ctx.config.dynamic.layer(default=name == ""))


def apply_broker(ctx, name: str, configs: dict[str, str | None], validate_only: bool):
    current = broker_layer(ctx, name)
    if isinstance(current, tuple):
        return current
    values = {k: v for k, v in configs.items() if v is not None}
    refused = sorted(k for k in values if k not in dynamic_config.DYNAMIC_KEYS)
    if refused:  # Kafka's DynamicBrokerConfig.validateConfigs
        return ErrorCode.INVALID_REQUEST, f"Cannot update these configs dynamically: Set({', '.join(refused)})"
    for key, value in values.items():
        definition = DEFINITIONS.get(key)
        if definition is not None:
            problem = config_def.problem(definition, value)
            if problem:
                return ErrorCode.INVALID_CONFIG, problem
    if not validate_only:
        layer = ctx.config.dynamic.layer(default=name == "")
        layer.clear()
        layer.update(values)
        ctx.config.dynamic.save()
        dynamic_config.apply(ctx.config.dynamic, ctx.config.static, ctx.catalog)
    return ErrorCode.NONE, None


def error_response(request, ctx, code):
    """Every resource with ``code`` (Kafka's AlterConfigsRequest.getErrorResponse)."""
    responses = [
        Response.AlterConfigsResourceResponse(error_code=code, error_message=None, resource_type=r.resource_type, resource_name=r.resource_name)
        for r in request.resources
    ]
    return Response(version=ctx.api_version, throttle_time_ms=0, responses=responses)
