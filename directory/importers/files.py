"""Read CSV and JSON defensively, with line numbers, turning every failure into ImportRefused."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import ImportRefused

MAX_FIELD = 100_000  # characters in one CSV cell; longer cells refuse the file at that line
# Characters in one physical line (a 100 MB line of short cells is not a provider list).
MAX_LINE = 1_000_000
MAX_COLUMNS = 2_000  # columns in a CSV header (the widest SAMHSA export has about 200)


def open_bytes(path: Path) -> IO[bytes]:
    """Open a file for reading bytes; a ``.gz`` file is read decompressed."""
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def open_text(path: Path, **kwargs: Any) -> IO[str]:
    """Open a UTF-8 text file (BOM dropped); a ``.gz`` file is read decompressed."""
    return io.TextIOWrapper(open_bytes(path), encoding="utf-8-sig", **kwargs)


def sniff_text(path: Path, size: int = 65536) -> str:
    """Return the start of a file as text, refusing binary files and unknown encodings."""
    try:
        with open_bytes(path) as f:
            head = f.read(size)
    except (gzip.BadGzipFile, EOFError) as e:
        raise ImportRefused(str(path), 1, f"not a readable gzip file: {e}") from None
    if not head.strip():
        raise ImportRefused(str(path), 1, "the file is empty")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(head):
        raise ImportRefused(
            str(path), 1, "UTF-16 text, not UTF-8; save the file as UTF-8 and try again"
        )
    if b"\x00" in head:
        line = head[: head.index(b"\x00")].count(b"\n") + 1
        raise ImportRefused(
            str(path), line, "the file is binary (it contains NUL bytes), not CSV or JSON"
        )
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        if len(head) == size and e.start > size - 4:  # cut inside a multi-byte character
            return head[: e.start].decode("utf-8-sig")
        line = head[: e.start].count(b"\n") + 1
        raise ImportRefused(
            str(path), line, "not UTF-8 text; save the file as UTF-8 and try again"
        ) from None


def _looks_utf16(head: bytes) -> bool:
    # ASCII text in UTF-16 without a byte-order mark: every other byte is NUL.
    pairs = len(head) // 2
    return (
        pairs >= 8
        and max(head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)) > 0.9 * pairs
    )


def _bad_byte_line(path: Path) -> int:
    """Return the line of the first byte that is not UTF-8.

    Read from the bytes, since the text reader decodes ahead of the rows.
    """
    with open_bytes(path) as f:
        data = f.read()
    data = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return data[: e.start].count(b"\n") + 1
    return 1


class _Tap:
    """Feed a file's lines to a csv.reader, keeping the raw lines of the row being read."""

    def __init__(self, file: str, lines: Iterator[str]) -> None:
        self.file = file
        self.lines = lines
        self.taken: list[str] = []
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.line += 1
        if len(line) > MAX_LINE:
            raise ImportRefused(
                self.file,
                self.line,
                f"line longer than {MAX_LINE:,} characters: not a provider list",
            )
        self.taken.append(line)
        return line


def _ends_inside_quotes(raw: str) -> bool:
    """True when a row's raw text opens a quoted cell it never closes (the file was cut short)."""
    try:
        for _ in csv.reader(io.StringIO(raw, newline=""), strict=True):
            pass
    except csv.Error as e:
        return "unexpected end of data" in str(e)
    return False


def csv_rows(path: Path, required: tuple[str, ...] = ()) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line where the row starts, row) for each data row of a UTF-8 CSV file."""
    csv.field_size_limit(MAX_FIELD)
    file = str(path)
    with open_text(path, newline="") as f:
        tap = _Tap(file, f)
        reader = csv.reader(tap)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ImportRefused(file, 1, "the file is empty") from None
        except UnicodeDecodeError:
            raise ImportRefused(
                file, _bad_byte_line(path), "not UTF-8 text; save the file as UTF-8 and try again"
            ) from None
        except csv.Error as e:
            raise ImportRefused(file, 1, f"unreadable header: {e}") from None
        if len(header) < 2:
            raise ImportRefused(file, 1, "the header has one column: is the file comma-separated?")
        if len(header) > MAX_COLUMNS:
            raise ImportRefused(
                file, 1, f"the header has {len(header):,} columns; at most {MAX_COLUMNS:,} are read"
            )
        missing = [c for c in required if c not in header]
        if missing:
            raise ImportRefused(file, 1, f"missing column(s): {', '.join(missing)}")
        if len(set(header)) != len(header):
            dupes = sorted(h for h, count in Counter(header).items() if count > 1 and h)
            if dupes:
                raise ImportRefused(file, 1, f"duplicate column(s): {', '.join(dupes)}")
        start = reader.line_num + 1
        last = (start, "")  # the last row's first line and raw text
        while True:
            tap.taken.clear()
            try:
                values = next(reader)
            except StopIteration:
                if _ends_inside_quotes(last[1]):
                    raise ImportRefused(
                        file,
                        last[0],
                        "the file ends inside a quoted cell: it looks cut short "
                        "(truncated); export it again",
                    ) from None
                return
            except csv.Error as e:
                raise ImportRefused(file, start, f"unreadable CSV: {e}") from None
            except UnicodeDecodeError:
                raise ImportRefused(
                    file,
                    _bad_byte_line(path),
                    "not UTF-8 text; save the file as UTF-8 and try again",
                ) from None
            raw = "".join(tap.taken)
            last = (start, raw)
            if "\x00" in raw:
                line = start + raw[: raw.index("\x00")].count("\n")
                raise ImportRefused(
                    file, line, "the file is binary (it contains NUL bytes), not CSV or JSON"
                )
            if values and any(v.strip() for v in values):
                if len(values) > len(header):
                    extra = values[len(header) :]
                    if any(v.strip() for v in extra):
                        raise ImportRefused(
                            file,
                            start,
                            f"row has {len(values)} cells but the header has {len(header)}",
                        )
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
        raise ImportRefused(
            str(path), _bad_byte_line(path), "not UTF-8 text; save the file as UTF-8 and try again"
        ) from None
    except RecursionError:
        raise ImportRefused(str(path), 1, "JSON nested too deeply") from None


def json_records(path: Path, key: str, what: str) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """Yield (line, record) for each item of the list at ``key`` of a JSON object
    (``what`` names the format in the refusal); an item that is not an object comes as
    None, for the caller to reject."""
    doc = load_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        raise ImportRefused(str(path), 1, f"expected an object with a '{key}' list ({what})")
    for line, item in json_items(path, doc[key], key=key):
        yield line, item if isinstance(item, dict) else None


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


ZIP_MAGIC = b"PK\x03\x04"


def is_workbook(path: Path) -> bool:
    """True for an .xlsx file that starts like a workbook (a ZIP archive)."""
    if path.is_dir() or path.suffix.lower() != ".xlsx":
        return False
    with path.open("rb") as f:
        return f.read(4) == ZIP_MAGIC


def xlsx_rows(
    path: Path, sheet: int = 0, required: tuple[str, ...] = (), lowercase: bool = False
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, row) for each data row of one sheet of an XLSX workbook.

    Headers and cells are stripped text. python-calamine reads the cells themselves, not the sheet's
    stored dimension (SAMHSA's downloads store a wrong one, and readers that trust it see one cell);
    it reads the 2,492-row Texas download in about 1 s where openpyxl's reader took 19 s."""
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError, XmlError, ZipError

    file = str(path)
    try:
        wb = CalamineWorkbook.from_path(file)
        if sheet >= len(wb.sheet_names):
            raise ImportRefused(
                file,
                1,
                f"the workbook has {len(wb.sheet_names)} sheet(s); sheet {sheet + 1} is missing",
            )
        ws = wb.get_sheet_by_index(sheet)
        rows = iter(ws.iter_rows())
        header = [_cell(h) for h in next(rows, [])]
        if lowercase:
            header = [h.lower() for h in header]
    except (CalamineError, PasswordError, XmlError, ZipError, OSError, ValueError) as e:
        raise ImportRefused(
            file, 1, f"not a readable XLSX workbook: {type(e).__name__}: {e}"
        ) from None
    while header and not header[-1]:
        header.pop()
    if not header:
        raise ImportRefused(file, 1, f"sheet {sheet + 1} is empty")
    if len(header) > MAX_COLUMNS:
        raise ImportRefused(
            file, 1, f"the header has {len(header):,} columns; at most {MAX_COLUMNS:,} are read"
        )
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportRefused(file, 1, f"sheet {sheet + 1}: missing column(s): {', '.join(missing)}")
    for number, values in enumerate(rows, start=2):
        cells = [_cell(v) for v in values[: len(header)]]
        if any(cells):
            yield number, dict(zip(header, cells))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
