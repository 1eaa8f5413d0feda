"""IncrementalAlterConfigs (key 44): v0–v1 (v1 is flexible). SET, DELETE, APPEND, SUBTRACT per config.

Topics and brokers (this broker's id, or "" for the cluster defaults); the
changed set is checked and stored as AlterConfigs stores a whole one.
"""

from kafka.protocol.admin import IncrementalAlterConfigsRequest as Request
from kafka.protocol.admin import IncrementalAlterConfigsResponse as Response

from kcli.broker.handlers import alter_configs
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 1)
SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3


def handle(request, ctx):
    responses = []
    for r in request.resources:
        code, message = ErrorCode.NONE, None
        if r.resource_type == alter_configs.BROKER:
            configs = alter_configs.broker_layer(ctx, r.resource_name)
            if isinstance(configs, tuple):
                code, message = configs
                configs = {}
        else:
            topic = ctx.catalog.topics.get(r.resource_name) if r.resource_type == alter_configs.TOPIC else None
            configs = dict(topic.configs) if topic else {}
        for c in r.configs:
            if code is not ErrorCode.NONE:
                break
            if c.config_operation == SET:
                configs[c.name] = c.value
            elif c.config_operation == DELETE:
                configs.pop(c.name, None)
            elif c.config_operation in (APPEND, SUBTRACT):
                current = configs.get(c.name) or (ctx.catalog.defaults.get(c.name, ("", 0))[0])
                items = [i for i in current.split(",") if i]
                for item in (c.value or "").split(","):
                    if c.config_operation == APPEND and item not in items:
                        items.append(item)
                    elif c.config_operation == SUBTRACT and item in items:
                        items.remove(item)
                configs[c.name] = ",".join(items)
            else:
                code, message = ErrorCode.INVALID_REQUEST, f"Unknown config operation {c.config_operation}"
        if code is ErrorCode.NONE:
            code, message = alter_configs.apply(ctx, r.resource_type, r.resource_name, configs, request.validate_only)
        responses.append(Response.AlterConfigsResourceResponse(error_code=code, error_message=message, resource_type=r.resource_type, resource_name=r.resource_name))
    return Response(version=ctx.api_version, throttle_time_ms=0, responses=responses)


def error_response(request, ctx, code):
    """Every resource with ``code`` (Kafka's IncrementalAlterConfigsRequest.getErrorResponse)."""
    responses = [
        Response.AlterConfigsResourceResponse(error_code=code, error_message=None, resource_type=r.resource_type, resource_name=r.resource_name)
        for r in request.resources
    ]
    return Response(version=ctx.api_version, throttle_time_ms=0, responses=responses)
