"""AlterConfigs (key 33): v0–v1 (identical bodies). Replaces a topic's whole set of overrides."""

from kafka.protocol.admin import AlterConfigsRequest as Request
from kafka.protocol.admin import AlterConfigsResponse as Response

from kcli.broker import topic_config
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 1)
TOPIC = 2


def handle(request, ctx):
    responses = []
    for r in request.resources:
        code, message = apply(ctx, r.resource_type, r.resource_name, {c.name: c.value for c in r.configs}, request.validate_only)
        responses.append(Response.AlterConfigsResourceResponse(error_code=code, error_message=message, resource_type=r.resource_type, resource_name=r.resource_name))
    return Response(version=ctx.api_version, throttle_time_ms=0, responses=responses)


def apply(ctx, resource_type: int, name: str, configs: dict[str, str | None], validate_only: bool):
    """Check and store a topic's new overrides; (error code, message). Shared with IncrementalAlterConfigs."""
    if resource_type != TOPIC:
        return ErrorCode.INVALID_REQUEST, "kcli's broker settings are static: edit server.properties and restart."
    if name not in ctx.catalog.topics:
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, f"Topic {name} does not exist."
    for key, value in configs.items():
        problem = topic_config.validate(key, value)
        if problem:
            return ErrorCode.INVALID_CONFIG, problem
    if not validate_only:
        ctx.catalog.set_configs(name, {k: v for k, v in configs.items() if v is not None})
    return ErrorCode.NONE, None


def error_response(request, ctx, code):
    """Every resource with ``code`` (Kafka's AlterConfigsRequest.getErrorResponse)."""
    responses = [
        Response.AlterConfigsResourceResponse(error_code=code, error_message=None, resource_type=r.resource_type, resource_name=r.resource_name)
        for r in request.resources
    ]
    return Response(version=ctx.api_version, throttle_time_ms=0, responses=responses)
