"""kcli's codec at the versions Kafka 4 dropped (kafka-python 3's schema-driven classes, built from Kafka's
JSON message specs, which still describe them) against frames from a real pre-4.0 client: kafka-python 2.0.x's
hand-written per-version classes (tests/fixtures/old_frames.py). Each frame decodes and re-encodes byte for byte."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from kcli.broker.dispatch import ROUTES
from tests.peers import missing

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FRAMES = json.loads((FIXTURES / "old_frames.json").read_text())


@pytest.mark.parametrize("frame", FRAMES, ids=lambda f: f"{f['api_key']}v{f['version']}-{f['kind']}")
def test_a_frame_from_an_old_client_round_trips_through_the_schema_codec(frame):
    route = ROUTES[frame["api_key"]]
    version = frame["version"]
    assert route.serves(version)
    cls = route.request if frame["kind"] == "request" else route.response
    body = bytes.fromhex(frame["body"])
    message = cls.decode(body, version=version)
    assert message.API_VERSION == version
    message.with_header()  # a decoded message has no header; encode() expects one to exist
    assert bytes(message.encode()) == body


def test_the_old_fields_decode_to_their_values():
    def decoded(api_key, version, kind):
        f = next(f for f in FRAMES if (f["api_key"], f["version"], f["kind"]) == (api_key, version, kind))
        route = ROUTES[api_key]
        return (route.request if kind == "request" else route.response).decode(bytes.fromhex(f["body"]), version=version)

    list_offsets = decoded(2, 0, "request")
    assert [(p.timestamp, p.max_num_offsets) for p in list_offsets.topics[0].partitions] == [(-1, 1), (-2, 3)]
    assert [p.old_style_offsets for p in decoded(2, 0, "response").topics[0].partitions] == [[42, 0], []]
    commit = decoded(8, 1, "request")
    assert (commit.generation_id_or_member_epoch, commit.member_id) == (3, "member-1")
    assert commit.topics[0].partitions[0].commit_timestamp == 1_700_000_000_000
    configs = decoded(32, 0, "response").results[0].configs
    assert [(c.name, c.is_default) for c in configs] == [("retention.ms", False), ("cleanup.policy", True)]
    produce = decoded(0, 0, "request")
    assert produce.topic_data[0].partition_data[0].records[16] == 0  # a magic-0 message set, untouched


def test_the_fixture_is_what_kafka_python_2_encodes(tmp_path):
    probe = subprocess.run(["/usr/bin/python3", "-c", "import kafka; print(kafka.__version__)"], capture_output=True, text=True)
    if probe.returncode != 0 or not probe.stdout.startswith("2."):
        missing("needs Debian's python3-kafka (kafka-python 2.0.x) in /usr/bin/python3: apt-get install python3-kafka")
    fresh = subprocess.run(["/usr/bin/python3", str(FIXTURES / "old_frames.py")], capture_output=True, text=True, check=True)
    assert json.loads(fresh.stdout) == FRAMES
