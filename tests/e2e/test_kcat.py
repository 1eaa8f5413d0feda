"""kcat (Debian's, librdkafka 2.0.x) against the kcat broker: -L, -P with keys and headers, -C -e."""

import subprocess


def run(kcat, broker, *args, stdin=None):
    return subprocess.run(
        [kcat, "-b", broker.bootstrap, *args], input=stdin, capture_output=True, text=True, timeout=60, check=True,
    )


def test_metadata_listing(kcat, broker):
    run(kcat, broker, "-P", "-t", "espresso", stdin="one\n")
    out = run(kcat, broker, "-L").stdout
    assert "1 brokers:" in out
    assert 'topic "espresso" with 1 partitions:' in out


def test_produce_keys_and_headers_then_consume(kcat, broker):
    run(kcat, broker, "-P", "-t", "flatwhite", "-K:", "-H", "origin=ethiopia", "-H", "roast=light", stdin="k1:v1\nk2:v2\n")
    out = run(kcat, broker, "-C", "-t", "flatwhite", "-e", "-f", "%k=%s|%h|%o\n").stdout
    assert out.splitlines() == ["k1=v1|origin=ethiopia,roast=light|0", "k2=v2|origin=ethiopia,roast=light|1"]
