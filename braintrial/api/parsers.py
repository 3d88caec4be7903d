"""The API's JSON parser: the standard one, with a bound on how deeply a body may nest.

A 10 kB body of arrays nested 5,000 deep makes the standard library's decoder raise
``RecursionError``, which the framework's parser does not catch (a 500, anonymous, on every
endpoint that reads JSON). Nothing the API takes nests more than a few levels, so a body deeper
than ``MAX_DEPTH`` is refused as unreadable, whether or not the decoder got through it: no code
after the parser has to survive a thousand-level structure either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
TOO_DEEP = f"JSON parse error - nested more than {MAX_DEPTH} levels deep."


def json_depth_exceeds(value: Any, *, limit: int) -> bool:
    """Whether ``value`` (decoded JSON) nests containers more than ``limit`` deep; iterative, so
    it cannot run out of stack itself."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, Mapping | list):
            continue
        if depth > limit:
            return True
        children = node.values() if isinstance(node, Mapping) else node
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if json_depth_exceeds(data, limit=MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        return data
