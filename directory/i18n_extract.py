"""A Babel extractor for the data files whose words pages show.

Filter groups and options (``data/taxonomy.toml``: label, description, note) and source names
(``data/bundle.toml``: label).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO

_LINE = re.compile(r'^\s*(label|description|note)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$')


def extract_toml(
    fileobj: BinaryIO, keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield (line, function, message, comments) for every label, description and note."""
    for number, raw in enumerate(fileobj.read().decode("utf-8").splitlines(), start=1):
        m = _LINE.match(raw)
        if m:
            yield number, "gettext", m.group(2).replace('\\"', '"'), [f"{m.group(1)} in data"]
