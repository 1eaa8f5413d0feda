from kcli.protocol.java_hash import hash_map_order, string_hash, topic_partition_hash


def test_string_hash_is_javas():
    assert string_hash("") == 0
    assert string_hash("hello") == 99162322
    assert string_hash("polygenelubricants") == -(2**31)  # wraps to Integer.MIN_VALUE
    assert string_hash("\U0001F600") == 0xD83D * 31 + 0xDE00  # a surrogate pair: two UTF-16 code units, as Java counts them


def test_topic_partition_hash_is_javas():
    # by hand: 31 * (31 + 0) + "tea".hashCode() (116·31² + 101·31 + 97 = 114704)
    assert topic_partition_hash("tea", 0) == 961 + 114704
    assert topic_partition_hash("polygenelubricants", 0) == -(2**31) + 961  # signed 32-bit, as Java's int


def test_hash_map_order_is_by_bucket_then_insertion():
    assert hash_map_order(["Aa", "BB"], string_hash) == ["Aa", "BB"]  # Java's classic collision: as inserted
    assert hash_map_order(["BB", "Aa"], string_hash) == ["BB", "Aa"]
    assert hash_map_order([17, 1, 16], lambda n: n) == [16, 17, 1]  # buckets 0, 1, 1 of 16
