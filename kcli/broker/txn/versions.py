"""Error codes older request versions cannot carry, mapped as Kafka maps them."""

from kcli.protocol.kafka.errors import ErrorCode


def fenced_code(code: ErrorCode, version: int, fenced_since: int) -> ErrorCode:
    """PRODUCER_FENCED (KIP-588) only from ``fenced_since``; before, INVALID_PRODUCER_EPOCH, as Kafka's KafkaApis answers."""
    if code == ErrorCode.PRODUCER_FENCED and version < fenced_since:
        return ErrorCode.INVALID_PRODUCER_EPOCH
    return code
