"""InitProducerId over raw frames: every version Kafka 3.9 serves, a resuming producer gets a fresh id as Kafka gives one."""

import pytest
from kafka.protocol.producer import InitProducerIdRequest, InitProducerIdResponse

from kcli.protocol.kafka.errors import ErrorCode
from tests.broker.test_wire import Wire


def init(wire, version, producer_id=-1, producer_epoch=-1, transactional_id=None):
    request = InitProducerIdRequest(transactional_id=transactional_id, transaction_timeout_ms=60_000,
                                    producer_id=producer_id, producer_epoch=producer_epoch)
    answer = wire.call(request, InitProducerIdResponse, version)
    return ErrorCode(answer.error_code), answer.producer_id, answer.producer_epoch


@pytest.mark.parametrize("version", range(6))
def test_each_version_hands_out_fresh_ids(broker, version):
    wire = Wire(broker)
    first = init(wire, version)
    second = init(wire, version)
    assert first[0] is second[0] is ErrorCode.NONE and second[1] == first[1] + 1 and first[2] == second[2] == 0


@pytest.mark.parametrize("version", [3, 4, 5])
def test_an_idempotent_producer_asking_to_resume_gets_a_new_id_with_epoch_0(broker, version):
    wire = Wire(broker)
    _, producer_id, _ = init(wire, version)
    assert init(wire, version, producer_id, 0) == (ErrorCode.NONE, producer_id + 1, 0)  # Kafka: "blindly" a new id
    assert init(wire, version, producer_id, -1) == (ErrorCode.INVALID_REQUEST, -1, -1)
    assert init(wire, version, -1, 3) == (ErrorCode.INVALID_REQUEST, -1, -1)


@pytest.mark.parametrize("version", range(6))
def test_a_transactional_id_keeps_its_producer_id_and_each_init_bumps_the_epoch(broker, version):
    wire = Wire(broker)
    code, producer_id, epoch = init(wire, version, transactional_id=f"tx{version}")
    assert (code, epoch) == (ErrorCode.NONE, 0)
    assert init(wire, version, transactional_id=f"tx{version}") == (ErrorCode.NONE, producer_id, 1)
    if version >= 3:  # KIP-360: a producer resuming with an epoch older than the id's is fenced
        fenced = ErrorCode.PRODUCER_FENCED if version >= 4 else ErrorCode.INVALID_PRODUCER_EPOCH
        assert init(wire, version, producer_id, 0, transactional_id=f"tx{version}") == (fenced, -1, -1)
        assert init(wire, version, producer_id, 1, transactional_id=f"tx{version}") == (ErrorCode.NONE, producer_id, 2)


def test_a_transaction_timeout_above_transaction_max_timeout_ms_is_refused(broker):
    request = InitProducerIdRequest(transactional_id="too-long", transaction_timeout_ms=900_001, producer_id=-1, producer_epoch=-1)
    answer = Wire(broker).call(request, InitProducerIdResponse, 4)
    assert ErrorCode(answer.error_code) is ErrorCode.INVALID_TRANSACTION_TIMEOUT


def test_kafka_python_may_bump_its_epoch_as_it_believes(broker):
    # ListOffsets v7 makes kafka-python take the broker for Kafka 3.0, and so for one that resumes idempotent
    # producers with InitProducerId v3+ (KIP-360) after OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID
    from kafka import KafkaProducer

    from kcli.broker.dispatch import ROUTES

    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    try:
        assert producer.config["api_version"] >= (3, 0)
        assert producer._transaction_manager._supports_epoch_bump()
    finally:
        producer.close()
    assert ROUTES[InitProducerIdRequest.API_KEY].serves(3)
