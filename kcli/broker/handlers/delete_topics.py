"""DeleteTopics (key 20): v0–v3 (v1 adds throttle_time_ms; v2–v3 are v1 again).

Each topic leaves ``kcli-topics.json`` first, then its partitions' files are
closed and their directories renamed ``-delete`` on a worker thread, as Kafka's
LogManager.asyncDelete, and removed there after the answer (catalog.py): the
event loop goes on serving however many partitions there are. Deletions and
creations take turns (``Catalog.creation``), so a topic created again under
the same name never meets its predecessor's directories.
"""

from kafka.protocol.admin import DeleteTopicsRequest as Request
from kafka.protocol.admin import DeleteTopicsResponse as Response

from kcli.broker.acl.bindings import DELETE, TOPIC
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 3)


async def handle(request, ctx):
    results = []
    async with ctx.catalog.creation:
        for name in request.topic_names:
            if not ctx.authorized(DELETE, TOPIC, name):
                code = ErrorCode.TOPIC_AUTHORIZATION_FAILED
            elif name in ctx.catalog.topics:
                await ctx.catalog.delete_async(name)
                code = ErrorCode.NONE
            else:
                code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            results.append(Response.DeletableTopicResult(name=name, error_code=code))
    return Response(version=ctx.api_version, throttle_time_ms=0, responses=results)


def error_response(request, ctx, code):
    """Every topic with ``code`` (Kafka's DeleteTopicsRequest.getErrorResponse)."""
    results = [Response.DeletableTopicResult(name=name, error_code=code) for name in request.topic_names]
    return Response(version=ctx.api_version, throttle_time_ms=0, responses=results)
