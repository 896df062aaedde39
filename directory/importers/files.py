"""Read CSV and JSON files defensively, with line numbers, turning every failure into ImportRefused."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Iterator

from ..errors import ImportRefused

MAX_FIELD = 100_000  # characters in one CSV cell; longer cells refuse the file at that line


def sniff_text(path: Path, size: int = 65536) -> str:
    """Return the start of a file as text, refusing binary files and unknown encodings."""
    with path.open("rb") as f:
        head = f.read(size)
    if not head.strip():
        raise ImportRefused(str(path), 1, "the file is empty")
    if b"\x00" in head:
        raise ImportRefused(str(path), 1, "the file is binary (it contains NUL bytes), not CSV or JSON")
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        if len(head) == size and e.start > size - 4:  # cut inside a multi-byte character
            return head[: e.start].decode("utf-8-sig")
        line = head[: e.start].count(b"\n") + 1
        raise ImportRefused(str(path), line, "not UTF-8 text; save the file as UTF-8 and try again") from None


def csv_rows(path: Path, required: tuple[str, ...] = ()) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line where the row starts, row) for each data row of a UTF-8 CSV file."""
    csv.field_size_limit(MAX_FIELD)
    file = str(path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ImportRefused(file, 1, "the file is empty") from None
        except (csv.Error, UnicodeDecodeError) as e:
            raise ImportRefused(file, 1, f"unreadable header: {e}") from None
        if len(header) < 2:
            raise ImportRefused(file, 1, "the header has one column: is the file comma-separated?")
        missing = [c for c in required if c not in header]
        if missing:
            raise ImportRefused(file, 1, f"missing column(s): {', '.join(missing)}")
        if len(set(header)) != len(header):
            dupes = sorted({h for h in header if header.count(h) > 1 and h})
            if dupes:
                raise ImportRefused(file, 1, f"duplicate column(s): {', '.join(dupes)}")
        start = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                raise ImportRefused(file, start, f"unreadable CSV: {e}") from None
            except UnicodeDecodeError:
                raise ImportRefused(file, start, "not UTF-8 text; save the file as UTF-8 and try again") from None
            if values and any(v.strip() for v in values):
                if len(values) > len(header):
                    extra = values[len(header):]
                    if any(v.strip() for v in extra):
                        raise ImportRefused(file, start, f"row has {len(values)} cells but the header has {len(header)}")
                yield start, dict(zip(header, values))
            start = reader.line_num + 1


def load_json(path: Path) -> Any:
    """Parse a whole JSON file, refusing it with the line of the first syntax error."""
    sniff_text(path, 4096)
    try:
        with path.open(encoding="utf-8-sig") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise ImportRefused(str(path), e.lineno, f"not valid JSON: {e.msg}") from None
    except UnicodeDecodeError:
        raise ImportRefused(str(path), 1, "not UTF-8 text; save the file as UTF-8 and try again") from None
    except RecursionError:
        raise ImportRefused(str(path), 1, "JSON nested too deeply") from None


def json_items(path: Path, items: list[Any], key: str = "") -> Iterator[tuple[int, Any]]:
    """Yield (line where each item of a JSON list starts, item), finding lines by decoding in place.

    ``key`` names the object member holding the list; empty for a list at the top level.
    """
    text = path.read_text(encoding="utf-8-sig")
    lines = _item_lines(text, key, len(items))
    for i, item in enumerate(items):
        yield (lines[i] if lines else i + 1), item


def _item_lines(text: str, key: str, count: int) -> list[int] | None:
    decoder = json.JSONDecoder()
    idx = text.find("[", text.find(f'"{key}"') if key else 0)
    if idx < 0:
        return None
    offsets = []
    pos = idx + 1
    try:
        while len(offsets) < count:
            while text[pos] in " \t\r\n,":
                pos += 1
            offsets.append(pos)
            _, pos = decoder.raw_decode(text, pos)
    except (json.JSONDecodeError, IndexError):
        return None
    lines, line, last = [], 1, 0
    for off in offsets:
        line += text.count("\n", last, off)
        last = off
        lines.append(line)
    return lines
