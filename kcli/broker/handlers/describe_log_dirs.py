"""DescribeLogDirs (key 35): v0–v4, as Kafka 3.9 serves them (v1 is v0 again); v2+ flexible,
v3 adds the top-level error code, v4 the volume's total and usable bytes.

kcli's broker has one log directory (the first of ``log.dirs``); it is listed
with each partition's size (the bytes of its segment files), an offset lag of
0 (the log end offset is the high watermark on a single broker) and no future
replicas. Topics null means every topic; a named topic or partition the broker
does not host is left out, as Kafka leaves it out. A partition whose writes
failed is reported with its directory's KAFKA_STORAGE_ERROR.
"""

import os
import shutil

from kafka.protocol.admin import DescribeLogDirsRequest as Request  # noqa: F401  (dispatch reads it)
from kafka.protocol.admin import DescribeLogDirsResponse as Response

from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 4)

_Result = Response.DescribeLogDirsResult
_Topic = _Result.DescribeLogDirsTopic
_Partition = _Topic.DescribeLogDirsPartition


def handle(request, ctx):
    catalog = ctx.catalog
    if request.topics is None:
        wanted = {name: None for name in catalog.topics}
    else:
        wanted = {t.topic: set(t.partitions) for t in request.topics}
    topics, code = [], ErrorCode.NONE
    for name, indexes in wanted.items():
        topic = catalog.topics.get(name)
        if topic is None:
            continue
        partitions = []
        for partition in topic.partitions:
            if indexes is not None and partition.index not in indexes:
                continue
            if partition.offline is not None:
                code = ErrorCode.KAFKA_STORAGE_ERROR
            partitions.append(_Partition(
                partition_index=partition.index, partition_size=sum(s.size for s in partition.segments),
                offset_lag=0, is_future_key=False,
            ))
        if partitions:
            topics.append(_Topic(name=name, partitions=partitions))
    try:
        usage = shutil.disk_usage(catalog.log_dir)
        total, usable = usage.total, usage.free
    except OSError:
        total = usable = -1
    result = _Result(error_code=code, log_dir=os.path.abspath(catalog.log_dir), topics=topics, total_bytes=total, usable_bytes=usable)
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=ErrorCode.NONE, results=[result])


def error_response(request, ctx, code):
    """No log directories and ``code`` as the top-level error (Kafka's DescribeLogDirsRequest.getErrorResponse);
    v1 and v2 have no field for it, so a client of those versions sees an empty answer, as from Kafka."""
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=code, results=[])
