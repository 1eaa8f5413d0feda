"""ConfigDef: every broker and topic config kcli knows is checked by Kafka's type and range, in Kafka's words."""

import pytest

from kcli.broker import config_def, topic_config
from kcli.broker.config import DEFAULTS, DEFINITIONS, BrokerConfig, ConfigError
from kcli.broker.config_def import ConfigKey, ConfigType, InvalidConfig, Range, ValidString

ALL_KEYS = [*DEFINITIONS.values(), *(d.key for d in topic_config.TOPIC_CONFIGS)]
_BITS = {ConfigType.SHORT: 16, ConfigType.INT: 32, ConfigType.LONG: 64}


def _ids(keys):
    return [k.name for k in keys]


def test_every_default_is_valid():
    for d in topic_config.TOPIC_CONFIGS:
        assert config_def.problem(d.key, d.default) is None, d.name
    for name, value in DEFAULTS.items():
        if name in DEFINITIONS:
            assert config_def.problem(DEFINITIONS[name], value) is None, name


def test_every_key_with_a_default_has_a_definition():
    assert set(DEFAULTS) <= set(DEFINITIONS), "add a ConfigKey line to config.DEFINITIONS"


def test_every_topic_synonym_is_a_known_broker_key():
    for d in topic_config.TOPIC_CONFIGS:
        if d.broker_key:
            broker_key = DEFINITIONS[d.broker_key]
            assert broker_key.type is d.type, d.broker_key


@pytest.mark.parametrize("key", [k for k in ALL_KEYS if k.type in _BITS], ids=_ids([k for k in ALL_KEYS if k.type in _BITS]))
def test_whole_numbers_are_bounded_by_their_java_type(key):
    top = (1 << (_BITS[key.type] - 1)) - 1
    for bad in (str(top + 1), str(-top - 2), "1.5", "12abc", "", "1_000", "0x10"):
        with pytest.raises(InvalidConfig) as info:
            config_def.parse(key, bad)
        assert str(info.value) == f"Invalid value {bad} for configuration {key.name}: Not a number of type {key.type.name}"
    if key.validator is None or key.validator.max is None:
        assert config_def.parse(key, f" {top} ") == top  # Kafka trims before parsing


@pytest.mark.parametrize("key", [k for k in ALL_KEYS if isinstance(k.validator, Range)],
                         ids=_ids([k for k in ALL_KEYS if isinstance(k.validator, Range)]))
def test_ranges_refuse_just_outside_and_accept_the_bounds(key):
    low, high = key.validator.min, key.validator.max
    step = 1 if key.type in _BITS else 0.5
    if low is not None:
        config_def.parse(key, str(low))
        below = low - step
        with pytest.raises(InvalidConfig) as info:
            config_def.parse(key, str(below))
        assert str(info.value) == f"Invalid value {below} for configuration {key.name}: Value must be at least {low}"
    if high is not None:
        config_def.parse(key, str(high))
        with pytest.raises(InvalidConfig) as info:
            config_def.parse(key, str(high + step))
        assert str(info.value) == f"Invalid value {high + step} for configuration {key.name}: Value must be no more than {high}"


@pytest.mark.parametrize("key", [k for k in ALL_KEYS if isinstance(k.validator, ValidString)],
                         ids=_ids([k for k in ALL_KEYS if isinstance(k.validator, ValidString)]))
def test_valid_strings_refuse_others_case_sensitively(key):
    for good in key.validator.values:
        config_def.parse(key, good)
    with pytest.raises(InvalidConfig) as info:
        config_def.parse(key, key.validator.values[0].upper() + "x")
    assert f"for configuration {key.name}: String must be one of: {', '.join(key.validator.values)}" in str(info.value)


@pytest.mark.parametrize("key", [k for k in ALL_KEYS if k.type is ConfigType.BOOLEAN], ids=_ids([k for k in ALL_KEYS if k.type is ConfigType.BOOLEAN]))
def test_booleans(key):
    assert config_def.parse(key, "TRUE") is True and config_def.parse(key, " false ") is False
    assert config_def.problem(key, "yes") == f"Invalid value yes for configuration {key.name}: Expected value to be either true or false"


@pytest.mark.parametrize("key, value, message", [
    (ConfigKey("segment.bytes", ConfigType.INT, config_def.at_least(14)), "3000000000",
     "Invalid value 3000000000 for configuration segment.bytes: Not a number of type INT"),
    (ConfigKey("segment.bytes", ConfigType.INT, config_def.at_least(14)), "13",
     "Invalid value 13 for configuration segment.bytes: Value must be at least 14"),
    (ConfigKey("cleanup.policy", ConfigType.LIST, config_def.one_of("compact", "delete")), "compact, tidy",
     "Invalid value tidy for configuration cleanup.policy: String must be one of: compact, delete"),
    (ConfigKey("min.cleanable.dirty.ratio", ConfigType.DOUBLE, config_def.between(0, 1)), "2",
     "Invalid value 2.0 for configuration min.cleanable.dirty.ratio: Value must be no more than 1"),
    (ConfigKey("min.cleanable.dirty.ratio", ConfigType.DOUBLE, config_def.between(0, 1)), "3e7",
     "Invalid value 3.0E7 for configuration min.cleanable.dirty.ratio: Value must be no more than 1"),
    (ConfigKey("min.cleanable.dirty.ratio", ConfigType.DOUBLE, config_def.between(0, 1)), "half",
     "Invalid value half for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE"),
])
def test_kafka_wording(key, value, message):
    assert config_def.problem(key, value) == message


def test_topic_config_validate_uses_the_table():
    assert topic_config.validate("segment.bytes", "3000000000") == "Invalid value 3000000000 for configuration segment.bytes: Not a number of type INT"
    assert topic_config.validate("segment.bytes", "14") is None  # Kafka 4.0's topic minimum; the broker's is 1 MiB
    assert topic_config.validate("retention.ms", "-2") == "Invalid value -2 for configuration retention.ms: Value must be at least -1"
    assert topic_config.validate("made.up", "1") == "Unknown topic config name: made.up"


@pytest.mark.parametrize("override, message", [
    ("log.segment.bytes=3000000000", "Invalid value 3000000000 for configuration log.segment.bytes: Not a number of type INT"),
    ("log.segment.bytes=1000", "Invalid value 1000 for configuration log.segment.bytes: Value must be at least 1048576"),
    ("offsets.topic.replication.factor=40000", "Invalid value 40000 for configuration offsets.topic.replication.factor: Not a number of type SHORT"),
    ("log.retention.hours=forever", "Invalid value forever for configuration log.retention.hours: Not a number of type INT"),
    ("log.cleanup.policy=delete,shred", "Invalid value shred for configuration log.cleanup.policy: String must be one of: compact, delete"),
    ("kcli.max.partitions=0", "Invalid value 0 for configuration kcli.max.partitions: Value must be at least 1"),
])
def test_broker_start_refuses_bad_values_in_kafka_words(override, message):
    with pytest.raises(ConfigError) as info:
        BrokerConfig.load(None, [override])
    assert str(info.value) == message
