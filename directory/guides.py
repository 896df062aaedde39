"""Explainer guides: Markdown files in ``data/guides`` with a small header, a body and a list of
sources.

A guide file looks like this (every header key is required except ``order``; tests/test_guides.py
checks that ``reviewed`` is a real past date and that there are at least two sources)::

    title: Detox and withdrawal
    summary: One or two plain sentences shown on the guide list and as the page description.
    search_label: Find detox near you
    search: type=detox
    order: 4
    reviewed: 2026-11-26
    ---
    Markdown body, at Flesch-Kincaid grade 8 or below ...

    ## Sources

    - [MedlinePlus: Alcohol withdrawal](https://medlineplus.gov/ency/article/000764.htm)
    - [MedlinePlus: Delirium tremens](https://medlineplus.gov/ency/article/000766.htm)

``search`` is a query string of filter keys that exist in ``data/taxonomy.toml`` (or ``q=...``).
``reviewed`` is the ISO date the facts were last checked. The last ``## Sources`` section must
come at the very end and hold only ``- [title](https://...)`` lines; it is taken out of the body and
shown by the page as its own list, so a guide's body never repeats it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl

import markdown

SOURCES_HEADINGS = ("\n## Sources\n", "\n## Fuentes\n")  # English, Spanish (``guides/es/``)
GUIDES_DIR = Path(__file__).resolve().parent.parent / "data" / "guides"
_SOURCE_LINE = re.compile(r"^[-*]\s+\[(?P<title>[^\]]+)\]\((?P<url>https?://[^\s)]+)\)\s*$")


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str
    summary: str
    search_label: str
    search: tuple[tuple[str, str], ...]  # the filtered search this guide ends with
    order: int
    body_markdown: str  # without the sources section
    html: str
    reviewed: date | None  # when the facts were last checked
    sources: tuple[tuple[str, str], ...]  # (title, url) of the pages the facts rest on


def parse_sources(text: str, path: Path) -> tuple[tuple[str, str], ...]:
    """Read the ``- [title](url)`` lines of a sources section; anything else in it is a mistake."""
    sources = []
    for line in filter(None, (ln.strip() for ln in text.splitlines())):
        m = _SOURCE_LINE.match(line)
        if not m:
            raise ValueError(
                f"{path.name}: a Sources line must be '- [title](https://...)', not {line!r}"
            )
        sources.append((m["title"], m["url"]))
    return tuple(sources)


def parse_guide(path: Path) -> Guide:
    """Read one guide file: ``key: value`` header lines, a ``---`` line, Markdown, then
    ``## Sources``."""
    head, _, text = path.read_text(encoding="utf-8").partition("\n---\n")
    meta = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
    for heading in SOURCES_HEADINGS:
        body, found, sources_text = text.rpartition(heading)
        if found:
            break
    else:
        body, sources_text = text, ""
    return Guide(
        slug=path.stem,
        title=meta["title"],
        summary=meta["summary"],
        search_label=meta["search_label"],
        search=tuple(parse_qsl(meta["search"])),
        order=int(meta.get("order", 99)),
        body_markdown=body,
        # The guides are our own files; Markdown's raw-HTML pass-through is not needed, so escape
        # it.
        html=markdown.markdown(body.replace("<", "&lt;"), output_format="html"),
        reviewed=date.fromisoformat(meta["reviewed"].strip()) if "reviewed" in meta else None,
        sources=parse_sources(sources_text, path),
    )


@lru_cache(maxsize=8)
def load_guides(data_dir: str, lang: str = "en") -> tuple[Guide, ...]:
    """Every guide in ``lang`` (English in ``guides/``, Spanish in ``guides/es/``), in reading
    order."""
    folder = Path(data_dir) / "guides" / ("es" if lang == "es" else "")
    return tuple(sorted((parse_guide(p) for p in folder.glob("*.md")), key=lambda g: g.order))


def plain_text(markdown_text: str) -> str:
    """Markdown without link targets, heading marks, list bullets or emphasis, as a reader sees
    it."""
    text = re.sub(r"\]\([^)]*\)", "]", markdown_text)
    return re.sub(r"^#+\s*|^-\s+|[\[\]*_`]", "", text, flags=re.M)


def readability(markdown_text: str, lang: str) -> tuple[float, str, bool]:
    """(score, measure, plain enough): Flesch-Kincaid grade at most 8 for English, Fernández-Huerta
    at least 70 for Spanish, as textstat computes them."""
    import textstat

    text = plain_text(markdown_text)
    if lang == "es":
        textstat.set_lang("es")
        try:
            score = textstat.fernandez_huerta(text)
        finally:
            textstat.set_lang("en_US")
        return score, "Fernández-Huerta", score >= 70
    score = textstat.flesch_kincaid_grade(text)
    return score, "Flesch-Kincaid grade", score <= 8.0
