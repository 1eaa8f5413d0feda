"""The model without a broker: properties with Spring's relaxed names, roles, definitions, composition,
conversion, the partition rule against Java's String.hashCode, the key expression, retry timing."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from kcli.protocol.java_hash import string_hash
from kcli.stream import Message, conversion
from kcli.stream.application import load
from kcli.stream.bindings import resolve
from kcli.stream.errors import StreamError
from kcli.stream.functions import PROCESSOR, SINK, SOURCE, describe, resolve_definition
from kcli.stream.partitioning import KeyExpression, select_partition
from kcli.stream.properties import StreamProperties, canonical, read_config
from kcli.stream.retry import RetryPolicy
from tests.stream.apps import write_app

# Java's String.hashCode, as the JDK computes it.
JAVA_HASHES = {"": 0, "a": 97, "abc": 96354, "hello": 99162322, "Hello World": -862545276, "Aa": 2112, "BB": 2112,
               "polygenelubricants": -(2**31), "€": 8364, "😀": 1772899}


def test_java_string_hashcode_on_fixed_vectors():
    assert {s: string_hash(s) for s in JAVA_HASHES} == JAVA_HASHES


def test_partition_selection_is_springs_rule():
    # abs(hashCode) with MIN_VALUE taken as 0, then % partitionCount
    assert select_partition("hello", 4) == 99162322 % 4 == 2
    assert select_partition("Hello World", 4) == 862545276 % 4 == 0
    assert select_partition("polygenelubricants", 4) == 0
    assert select_partition(7, 4) == 3 and select_partition(-7, 4) == 3  # Integer.hashCode is the value
    assert select_partition(True, 4) == 1231 % 4


def test_key_expression_reads_payload_and_headers_and_nothing_else():
    assert KeyExpression("payload['coffee']").key({"coffee": "latte"}, {}) == "latte"
    assert KeyExpression("payload.coffee").key({"coffee": "latte"}, {}) == "latte"
    assert KeyExpression("headers['id']").key({}, {"id": "7"}) == "7"
    assert KeyExpression("headers.id").key({}, {"id": "7"}) == "7"
    assert KeyExpression("payload['missing']").key({}, {}) is None
    for evil in ("__import__('os').system('true')", "payload.__class__()", "open('x')", "payload + 1"):
        with pytest.raises(StreamError):
            KeyExpression(evil)


def test_relaxed_names_keep_user_chosen_names():
    assert canonical("spring.cloud.stream.bindings.toUpper-in-0.contentType") == "spring.cloud.stream.bindings.toUpper-in-0.content-type"
    assert canonical("spring.cloud.stream.bindings.b.consumer.maxAttempts") == "spring.cloud.stream.bindings.b.consumer.max-attempts"
    assert canonical("spring.cloud.stream.bindings.b.consumer.max_attempts") == "spring.cloud.stream.bindings.b.consumer.max-attempts"
    assert canonical("spring.cloud.stream.defaultBinder") == "spring.cloud.stream.default-binder"
    assert canonical("spring.cloud.stream.binders.rabbit1.environment.spring.rabbitmq.virtualHost") == \
        "spring.cloud.stream.binders.rabbit1.environment.spring.rabbitmq.virtual-host"
    assert canonical("spring.cloud.stream.bindings.b.consumer.retryableExceptions.ValueError").endswith("retryable-exceptions.ValueError")


def test_yaml_and_properties_read_the_same(tmp_path):
    (tmp_path / "application.yml").write_text(
        "spring:\n  cloud:\n    function:\n      definition: uppercase\n    stream:\n      bindings:\n"
        "        uppercase-in-0: { destination: words, group: upper, consumer: { maxAttempts: 5 } }\n")
    (tmp_path / "application.properties").write_text(
        "spring.cloud.function.definition=uppercase\nspring.cloud.stream.bindings.uppercase-in-0.destination=words\n"
        "spring.cloud.stream.bindings.uppercase-in-0.group=upper\nspring.cloud.stream.bindings.uppercase-in-0.consumer.max-attempts=5\n")
    a = StreamProperties(read_config(tmp_path / "application.yml")).values
    b = StreamProperties(read_config(tmp_path / "application.properties")).values
    assert a == b


def f_source() -> str: ...
def f_processor(x: dict) -> dict: ...
def f_sink(x: dict) -> None: ...
def f_untyped(x): ...


def test_roles_from_signatures():
    assert [describe(n, f).role for n, f in [("s", f_source), ("p", f_processor), ("k", f_sink), ("u", f_untyped)]] == \
        [SOURCE, PROCESSOR, SINK, PROCESSOR]


def test_definition_auto_detects_one_function_and_refuses_to_guess_between_several():
    assert [f.name for f in resolve_definition(None, {"p": f_processor}, "app.py")] == ["p"]
    with pytest.raises(StreamError, match="several functions"):
        resolve_definition(None, {"p": f_processor, "k": f_sink}, "app.py")
    with pytest.raises(StreamError, match="did you mean 'f_sink'"):
        resolve_definition("f_snik", {"f_sink": f_sink}, "app.py")
    with pytest.raises(StreamError, match="separated by ';'"):
        resolve_definition("a,b", {"a": f_processor, "b": f_sink}, "app.py")


def test_composition_is_one_processor_with_spring_binding_names(tmp_path):
    app = write_app(tmp_path, "def brew(order: dict) -> dict:\n    return {**order, 'brewed': True}\n"
                              "def label(cup: dict) -> str:\n    return f\"{cup['coffee']} ({cup['brewed']})\"\n")
    resolution = load(str(app), None, {"spring.cloud.function.definition": "brew|label"})
    assert [b.name for b in resolution.bindings] == ["brew|label-in-0", "brew|label-out-0"]
    assert resolution.functions[0].call({"coffee": "latte"}) == "latte (True)"


def test_descriptive_binding_names_and_defaults(tmp_path):
    app = write_app(tmp_path, "def uppercase(word: str) -> str:\n    return word.upper()\n")
    resolution = load(str(app), None, {
        "spring.cloud.stream.function.bindings.uppercase-in-0": "input",
        "spring.cloud.stream.bindings.input.destination": "words",
        "spring.cloud.stream.default.group": "upper",
        "spring.cloud.stream.default.consumer.maxAttempts": "7",
    })
    (inp, out) = resolution.bindings
    assert (inp.name, inp.destination, inp.group, inp.consumer.retry.max_attempts) == ("input", "words", "upper", 7)
    assert (out.name, out.destination, out.binder.name) == ("uppercase-out-0", "uppercase-out-0", "kafka")


def test_binder_choice_follows_spring(tmp_path):
    app = write_app(tmp_path, "def uppercase(word: str) -> str:\n    return word\n")
    two = {"spring.cloud.stream.binders.k.type": "kafka", "spring.cloud.stream.binders.r.type": "rabbit"}
    with pytest.raises(StreamError, match="more than one binder"):
        load(str(app), None, two)
    resolution = load(str(app), None, {**two, "spring.cloud.stream.default-binder": "r",
                                       "spring.cloud.stream.bindings.uppercase-in-0.binder": "k"})
    assert [(b.binder.name, b.binder.type) for b in resolution.bindings] == [("k", "kafka"), ("r", "rabbit")]
    with pytest.raises(StreamError, match="no such binder"):
        load(str(app), None, {"spring.cloud.stream.binders.k.type": "kafka", "spring.cloud.stream.bindings.uppercase-in-0.binder": "kafka"})


def test_a_binding_configured_for_no_function_is_reported(tmp_path):
    app = write_app(tmp_path, "def uppercase(word: str) -> str:\n    return word\n")
    resolution = load(str(app), None, {"spring.cloud.stream.bindings.upercase-in-0.destination": "words"})
    assert resolution.warnings == ["spring.cloud.stream.bindings.upercase-in-0.* configures a binding that no function has "
                                   "(bindings: uppercase-in-0, uppercase-out-0); did you mean 'uppercase-in-0'?"]


@dataclass
class Order:
    id: int
    coffee: str


def test_conversion_by_type_hint_and_content_type():
    body = b'{"id": 1, "coffee": "latte"}'
    json_headers = {"contentType": "application/json"}
    assert conversion.to_argument(body, json_headers, dict) == {"id": 1, "coffee": "latte"}
    assert conversion.to_argument(body, json_headers, Order) == Order(1, "latte")
    assert conversion.to_argument(body, json_headers, bytes) == body
    assert conversion.to_argument(body, json_headers, str) == body.decode()
    message = conversion.to_argument(body, json_headers, Message[dict])
    assert message.payload["coffee"] == "latte" and message.headers == json_headers
    assert conversion.to_body({"a": 1}, dict, None)[:2] == (b'{"a":1}', "application/json")
    assert conversion.to_body("hi", str, None)[:2] == (b"hi", "text/plain")
    assert conversion.to_body(b"\x00", bytes, None)[:2] == (b"\x00", "application/octet-stream")
    assert conversion.to_body(Order(2, "mocha"), Order, None)[0] == b'{"id":2,"coffee":"mocha"}'
    with pytest.raises(conversion.ConversionError):
        conversion.to_argument(b"not json", json_headers, dict)


def test_spring_kafka_headers_are_read_and_written_as_spring_does():
    written = dict(conversion.encode_headers({"contentType": "application/json", "scst_partition": 2}))
    assert written["contentType"] == b"application/json" and written["scst_partition"] == b"2"
    assert json.loads(written["spring_json_header_types"]) == {"contentType": "java.lang.String", "scst_partition": "java.lang.Integer"}
    read = conversion.decode_headers([("contentType", b'"application/json"'),
                                      ("spring_json_header_types", b'{"contentType":"java.lang.String"}')])
    assert read == {"contentType": "application/json"}  # an older Spring's quoted string, and the types header dropped


def test_retry_back_off_and_classification():
    policy = RetryPolicy(max_attempts=4, initial_interval_ms=1000, multiplier=2.0, max_interval_ms=3000,
                         retryable_exceptions={"KeyError": False, "builtins.LookupError": True})
    assert [policy.delay_ms(n) for n in (1, 2, 3)] == [1000, 2000, 3000]
    assert policy.retryable(ValueError()) and not policy.retryable(KeyError()) and policy.retryable(IndexError())
    waits: list[float] = []
    calls = []

    def attempt():
        calls.append(1)
        raise ValueError("no")

    with pytest.raises(ValueError):
        policy.run(attempt, lambda s: waits.append(s) or False)
    assert len(calls) == 4 and waits == [1.0, 2.0, 3.0]


def test_defaults_resolve_to_springs(tmp_path):
    resolution = resolve(StreamProperties(), [describe("f_processor", f_processor)])
    inp = resolution.bindings[0]
    r = inp.consumer.retry
    assert (r.max_attempts, r.initial_interval_ms, r.multiplier, r.max_interval_ms) == (3, 1000, 2.0, 10000)
    assert inp.group is None and inp.consumer.concurrency == 1 and resolution.default_binder == "kafka"


def test_explicit_decorators_override_the_signature():
    from kcli.stream import processor, sink, source

    @sink
    def log(x): ...

    @source
    def maybe(x=None): ...

    @processor
    def passthrough(x) -> None: ...

    assert [describe(n, f).role for n, f in [("log", log), ("maybe", maybe), ("passthrough", passthrough)]] == [SINK, SOURCE, PROCESSOR]
