"""The options of a JAAS config line, as Kafka's JaasConfig parses ``sasl.jaas.config``:
``<LoginModule class> required key="value" key=value ...;``."""

from __future__ import annotations

import re

_OPTION = re.compile(r"""([\w.\-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))""")


def options(text: str) -> dict[str, str]:
    out = {}
    for match in _OPTION.finditer(text):
        quoted, bare = match.group(2), match.group(3)
        out[match.group(1)] = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
    return out


def plain_users(text: str) -> dict[str, str]:
    """``user_<name>="<password>"`` options: the PLAIN users a broker accepts."""
    return {key[len("user_"):]: value for key, value in options(text).items() if key.startswith("user_")}
