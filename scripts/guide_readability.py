"""Print each guide's reading level: Flesch-Kincaid grade for English (at most 8),
Fernández-Huerta for Spanish (at least 70), as textstat computes them on the text a reader sees.

    .venv/bin/python scripts/guide_readability.py            # every guide
    .venv/bin/python scripts/guide_readability.py es/detox   # one guide
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from directory.guides import GUIDES_DIR, parse_guide, readability  # noqa: E402


def main(names: list[str]) -> None:
    paths = [GUIDES_DIR / f"{n}.md" for n in names] or sorted(GUIDES_DIR.glob("*.md")) + sorted(
        GUIDES_DIR.glob("*/*.md")
    )
    for path in paths:
        lang = "es" if path.parent.name == "es" else "en"
        score, measure, ok = readability(parse_guide(path).body_markdown, lang)
        print(f"{'ok ' if ok else 'BAD'} {lang} {path.stem:<28} {measure} {score:6.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
