"""ApiVersions (key 18): v0–v4, computed from dispatch.ROUTES.

v1 adds throttle_time_ms; v3 is flexible and adds client software name and
version; v4 is v3 again. An unsupported version gets a v0 reply with
UNSUPPORTED_VERSION and only this API's own range (KIP-511), so the client
retries with a version it can use. The v3+ reply carries no tagged fields:
librdkafka 2.0.2 (Debian's kcat) misreads them.
"""

from kafka.protocol.metadata import ApiVersionsRequest as Request
from kafka.protocol.metadata import ApiVersionsResponse as Response

from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 4)


def handle(request, ctx):
    if ctx.api_version >= 3 and ctx.connection is not None:  # KIP-511: the connection remembers the client software
        ctx.connection.client_software_name = request.client_software_name
        ctx.connection.client_software_version = request.client_software_version
    keys = [Response.ApiVersion(api_key=k, min_version=lo, max_version=hi) for k, lo, hi in ctx.state.api_versions]
    return Response(version=ctx.api_version, error_code=0, api_keys=keys, throttle_time_ms=0)


def unsupported():
    return error_response(None, None, ErrorCode.UNSUPPORTED_VERSION)


def error_response(request, ctx, code):
    """A v0 reply with ``code`` and this API's own range: clients parse an ApiVersions error as v0 (KIP-511)."""
    own = Response.ApiVersion(api_key=Request.API_KEY, min_version=ADVERTISED[0], max_version=ADVERTISED[1])
    return Response(version=0, error_code=code, api_keys=[own])
