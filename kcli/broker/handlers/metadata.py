"""Metadata (key 3): advertises v0–v7.

v1 adds controller_id, rack, is_internal; v2 cluster_id; v3 throttle_time_ms;
v4 allow_auto_topic_creation; v5 offline_replicas; v7 leader_epoch (always -1
here, so clients skip leader-epoch validation). One broker leads every
partition. Unknown topics are created when the request allows it and
``auto.create.topics.enable`` is true, within kcli's partition bounds (a topic
they refuse is answered UNKNOWN_TOPIC_OR_PARTITION, and the broker logs why);
the answer waits for the creation, which yields to the event loop as it goes.

The answer is encoded here, not by kafka-python's generic encoder: each
topic's entry (its partitions: leader, replicas and ISR all this node) is
encoded once per version and kept in ``BrokerState.metadata_cache`` until the
topic changes — the catalog's listener (BrokerState) drops it on any creation, deletion,
config change or partition addition, and an entry is used only for the very
``Topic`` object and partition count it was made from. With one node, leader
and ISR never change. Every version is checked byte for byte against
kafka-python's ``MetadataResponse`` (tests/broker/test_metadata_encoding.py).
All served versions are non-flexible: header v0, int16-length strings.
"""

import struct

from kafka.protocol.metadata import MetadataRequest as Request
from kafka.protocol.metadata import MetadataResponse as Response

from kcli.broker.handlers import create_topics
from kcli.broker.log.catalog import topic_name_problem
from kcli.broker.acl.bindings import CLUSTER, CLUSTER_NAME, CREATE, DESCRIBE, TOPIC
from kcli.protocol.kafka.encoded import INT16 as _INT16, INT32 as _INT32, EncodedResponse, string as _string
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 7)

_Topic = Response.MetadataResponseTopic


async def handle(request, ctx):
    catalog = ctx.catalog
    node = ctx.config.node_id
    version = ctx.api_version
    if request.topics is None or (version == 0 and not request.topics):
        names = [n for n in sorted(catalog.topics) if ctx.authorized(DESCRIBE, TOPIC, n)]  # Kafka hides what the principal may not describe
    else:
        names = [t.name for t in request.topics]
    allow_create = request.allow_auto_topic_creation if version >= 4 else True
    topics = []
    for name in names:
        topic = catalog.topics.get(name)
        if not ctx.authorized(DESCRIBE, TOPIC, name):
            topics.append(_error_entry(version, ErrorCode.TOPIC_AUTHORIZATION_FAILED, name))
            continue
        if topic is None:
            if allow_create and not (ctx.authorized(CREATE, CLUSTER, CLUSTER_NAME) or ctx.authorized(CREATE, TOPIC, name)):
                topics.append(_error_entry(version, ErrorCode.TOPIC_AUTHORIZATION_FAILED, name))
                continue
            if allow_create and ctx.config.auto_create_topics and topic_name_problem(name) is None:
                topic = await create_topics.auto_create(ctx, name)
            if topic is None:
                code = ErrorCode.INVALID_TOPIC_EXCEPTION if topic_name_problem(name) else ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                topics.append(_error_entry(version, code, name))
                continue
        topics.append(_topic_entry(ctx.state.metadata_cache, version, topic, node))
    host, port = ctx.advertised_address()  # the listener the client came in on
    return EncodedResponse(version, _envelope(version, node, host, port, catalog.cluster_id, topics))


def error_response(request, ctx, code):
    """Each topic asked for with ``code`` and no partitions, no brokers (Kafka's MetadataRequest.getErrorResponse)."""
    topics = [_Topic(error_code=code, name=t.name or "", is_internal=False, partitions=[]) for t in request.topics or ()]
    return Response(version=ctx.api_version, throttle_time_ms=0, brokers=[], cluster_id=None, controller_id=-1, topics=topics)


def _topic_entry(cache: dict, version: int, topic, node: int) -> bytes:
    """The encoded entry of an existing topic, from the cache when it was made from this very topic."""
    entry = cache.get(topic.name)
    count = len(topic.partitions)
    if entry is None or entry[0] is not topic or entry[1] != count:
        entry = cache[topic.name] = (topic, count, {})
    by_version: dict[int, bytes] = entry[2]
    encoded = by_version.get(version)
    if encoded is None:
        encoded = by_version[version] = _encode_topic(version, 0, topic.name, topic.internal, count, node)
    return encoded


def _error_entry(version: int, code: ErrorCode, name: str) -> bytes:
    return _encode_topic(version, int(code), name, False, 0, -1)


def _encode_topic(version: int, error_code: int, name: str, internal: bool, partitions: int, node: int) -> bytes:
    """error_code, name, is_internal (v1+), then ``partitions`` partitions led by ``node`` with it as only replica."""
    head = _INT16.pack(error_code) + _string(name) + (b"\x01" if internal else b"\x00") * (version >= 1)
    # error_code, partition_index, leader_id, [leader_epoch v7+], replica_nodes [node], isr_nodes [node], [offline_replicas [] v5+]
    fields = ">hii" + ("i" if version >= 7 else "") + "iiii" + ("i" if version >= 5 else "")
    tail = ((-1,) if version >= 7 else ()) + (1, node, 1, node) + ((0,) if version >= 5 else ())
    one = struct.Struct(fields)
    return b"".join([head, _INT32.pack(partitions), *(one.pack(0, i, node, *tail) for i in range(partitions))])


def _envelope(version: int, node: int, host: str, port: int, cluster_id: str | None, topics: list[bytes]) -> bytes:
    """throttle_time_ms (v3+), brokers (this one; rack v1+), cluster_id (v2+), controller_id (v1+), topics."""
    parts = [_INT32.pack(0)] if version >= 3 else []
    parts += [_INT32.pack(1), _INT32.pack(node), _string(host), _INT32.pack(port)]
    if version >= 1:
        parts.append(_string(None))  # rack
    if version >= 2:
        parts.append(_string(cluster_id))
    if version >= 1:
        parts.append(_INT32.pack(node))  # controller_id
    parts.append(_INT32.pack(len(topics)))
    parts += topics
    return b"".join(parts)
