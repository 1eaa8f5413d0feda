"""``ssl.principal.mapping.rules``: a client certificate's DN to a user name, as Kafka's SslPrincipalMapper.

Rules are comma-separated and tried in order; the first whose pattern matches
the whole DN wins:
  ``RULE:<java regex>/<replacement>/[L|U]``  the DN rewritten (``$1`` names a group), lower or upper cased
  ``DEFAULT``                                the DN unchanged
With no rule matching, the client cannot log in (Kafka: NoMatchingRule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RULE = re.compile(r"\s*(?:(DEFAULT)|RULE:((?:\\.|[^\\/])*)/((?:\\.|[^\\/])*)/([LU]?))\s*(?:,|$)")


class NoMatchingRule(Exception):
    pass


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern | None  # None: DEFAULT
    replacement: str = ""
    case: str = ""


class PrincipalMapper:
    def __init__(self, rules: list[_Rule]):
        self._rules = rules

    @classmethod
    def parse(cls, text: str | None) -> "PrincipalMapper":
        text = (text or "DEFAULT").strip()
        rules, pos = [], 0
        while pos < len(text):
            match = _RULE.match(text, pos)
            if match is None or match.end() == pos:
                raise ValueError(f"Invalid rule: {text[pos:]}")
            if match.group(1):
                rules.append(_Rule(None))
            else:
                replacement = re.sub(r"\$(\d+)", r"\\\1", match.group(3))
                rules.append(_Rule(re.compile(match.group(2)), replacement, match.group(4)))
            pos = match.end()
        return cls(rules)

    def name(self, dn: str) -> str:
        for rule in self._rules:
            if rule.pattern is None:
                return dn
            if rule.pattern.fullmatch(dn):
                out = rule.pattern.sub(rule.replacement, dn)
                return out.lower() if rule.case == "L" else out.upper() if rule.case == "U" else out
        raise NoMatchingRule(f"No rules apply to {dn}, rules {[r.pattern.pattern if r.pattern else 'DEFAULT' for r in self._rules]}")
