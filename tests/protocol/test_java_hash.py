from kcli.protocol.java_hash import string_hash


def test_string_hash_is_javas():
    assert string_hash("") == 0
    assert string_hash("hello") == 99162322
    assert string_hash("polygenelubricants") == -(2**31)  # wraps to Integer.MIN_VALUE
    assert string_hash("\U0001F600") == 0xD83D * 31 + 0xDE00  # a surrogate pair: two UTF-16 code units, as Java counts them
