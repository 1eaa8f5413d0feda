"""Metadata (key 3): advertises v0–v7.

v1 adds controller_id, rack, is_internal; v2 cluster_id; v3 throttle_time_ms;
v4 allow_auto_topic_creation; v5 offline_replicas; v7 leader_epoch (always -1
here, so clients skip leader-epoch validation). One broker leads every
partition. Unknown topics are created when the request allows it and
``auto.create.topics.enable`` is true, within kcli's partition bounds (a topic
they refuse is answered UNKNOWN_TOPIC_OR_PARTITION, and the broker logs why);
the answer waits for the creation, which yields to the event loop as it goes.
"""

from kafka.protocol.metadata import MetadataRequest as Request
from kafka.protocol.metadata import MetadataResponse as Response

from kcli.broker.handlers import create_topics
from kcli.broker.log.catalog import topic_name_problem
from kcli.broker.acl.bindings import CLUSTER, CLUSTER_NAME, CREATE, DESCRIBE, TOPIC
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 7)

_Topic = Response.MetadataResponseTopic
_Partition = _Topic.MetadataResponsePartition


async def handle(request, ctx):
    catalog = ctx.catalog
    node = ctx.config.node_id
    if request.topics is None or (ctx.api_version == 0 and not request.topics):
        names = [n for n in sorted(catalog.topics) if ctx.authorized(DESCRIBE, TOPIC, n)]  # Kafka hides what the principal may not describe
    else:
        names = [t.name for t in request.topics]
    allow_create = request.allow_auto_topic_creation if ctx.api_version >= 4 else True
    topics = []
    for name in names:
        topic = catalog.topics.get(name)
        if not ctx.authorized(DESCRIBE, TOPIC, name):
            topics.append(_Topic(error_code=ErrorCode.TOPIC_AUTHORIZATION_FAILED, name=name, is_internal=False, partitions=[]))
            continue
        if topic is None:
            if allow_create and not (ctx.authorized(CREATE, CLUSTER, CLUSTER_NAME) or ctx.authorized(CREATE, TOPIC, name)):
                topics.append(_Topic(error_code=ErrorCode.TOPIC_AUTHORIZATION_FAILED, name=name, is_internal=False, partitions=[]))
                continue
            if allow_create and ctx.config.auto_create_topics and topic_name_problem(name) is None:
                topic = await create_topics.auto_create(ctx, name)
            if topic is None:
                code = ErrorCode.INVALID_TOPIC_EXCEPTION if topic_name_problem(name) else ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                topics.append(_Topic(error_code=code, name=name, is_internal=False, partitions=[]))
                continue
        partitions = [
            _Partition(
                error_code=0, partition_index=p.index, leader_id=node, leader_epoch=-1,
                replica_nodes=[node], isr_nodes=[node], offline_replicas=[],
            )
            for p in topic.partitions
        ]
        topics.append(_Topic(error_code=0, name=name, is_internal=topic.internal, partitions=partitions))
    host, port = ctx.advertised_address()  # the listener the client came in on
    broker = Response.MetadataResponseBroker(node_id=node, host=host, port=port, rack=None)
    return Response(
        version=ctx.api_version, throttle_time_ms=0, brokers=[broker], cluster_id=catalog.cluster_id,
        controller_id=node, topics=topics,
    )


def error_response(request, ctx, code):
    """Each topic asked for with ``code`` and no partitions, no brokers (Kafka's MetadataRequest.getErrorResponse)."""
    topics = [_Topic(error_code=code, name=t.name or "", is_internal=False, partitions=[]) for t in request.topics or ()]
    return Response(version=ctx.api_version, throttle_time_ms=0, brokers=[], cluster_id=None, controller_id=-1, topics=topics)
