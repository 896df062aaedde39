"""Explainer guides: Markdown files in ``data/guides`` with a small header (title, summary, search)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl

import markdown


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str
    summary: str
    search_label: str
    search: tuple[tuple[str, str], ...]  # the filtered search this guide ends with
    order: int
    body_markdown: str
    html: str


def parse_guide(path: Path) -> Guide:
    """Read one guide file: ``key: value`` header lines, a ``---`` line, then Markdown."""
    head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    meta = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
    return Guide(
        slug=path.stem, title=meta["title"], summary=meta["summary"], search_label=meta["search_label"],
        search=tuple(parse_qsl(meta["search"])), order=int(meta.get("order", 99)), body_markdown=body,
        # The guides are our own files; Markdown's raw-HTML pass-through is not needed, so escape it.
        html=markdown.markdown(body.replace("<", "&lt;"), output_format="html"),
    )


@lru_cache(maxsize=4)
def load_guides(data_dir: str) -> tuple[Guide, ...]:
    """Every guide, in reading order."""
    return tuple(sorted((parse_guide(p) for p in (Path(data_dir) / "guides").glob("*.md")), key=lambda g: g.order))
