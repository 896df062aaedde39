"""Bad import files: refused with file and line, or loaded with bad rows rejected by line and field.

The corpus is ``tests/data/bad/`` (small files, one per way a file goes wrong); the huge ones are
written here into a temporary folder instead of being committed. Every import starts from an app
holding real data (the Charlottesville locator file), so "a refused file changes nothing" is checked
against a database and an index that have something in them: the SQLite file (and its WAL) and every
file of the index folder hash the same before and after.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from directory.db import db
from directory.export import export_csv
from directory.loader import OUTCOMES, ImportOptions, ImportReport, import_file
from directory.models import Provider, ProviderSource
from directory.search.upkeep import index_health

from .conftest import DATA, SAMHSA

BAD = DATA / "bad"
SEED = SAMHSA / "locator-api-2019-charlottesville.json"
MB = 1 << 20
HEADER = "id,name,name2,street,street2,city,state,zip,latitude,longitude,phone,website,tags\n"


@dataclass(frozen=True)
class Refused:
    """The whole file is refused: ``reason`` is part of ``report.refused``; ``line`` is where."""

    reason: str
    line: int


@dataclass(frozen=True)
class Rows:
    """The file loads: ``rows`` read, ``rejected`` of them rejected.

    ``errors`` are its (line, field) errors, in order.
    """

    rows: int
    rejected: int
    errors: tuple[tuple[int, str], ...] = ()
    warnings: tuple[tuple[int, str], ...] | None = None  # checked when given


@dataclass(frozen=True)
class Case:
    expect: Refused | Rows
    options: dict[str, Any] | None = None  # fields of ImportOptions
    target: str = (
        ""  # the file imported when not the case's own (mapping files apply to mapped-data.csv)
    )


NOT_UTF8 = "not UTF-8"
UNKNOWN = "unknown format"
L = "latitude"

CASES: dict[str, Case] = {
    # -- encodings ---------------------------------------------------------------------------------
    "latin1.csv": Case(Refused(NOT_UTF8, 3)),
    "cp1252-smart-quote.csv": Case(Refused(NOT_UTF8, 2)),
    "latin1.json": Case(Refused(NOT_UTF8, 5), {"fmt": "samhsa-api"}),
    "utf16-le-bom.csv": Case(Refused("UTF-16", 1)),
    "utf16-be-bom.csv": Case(Refused("UTF-16", 1)),
    "utf16-le-no-bom.csv": Case(Refused("UTF-16", 1)),
    "bom-crlf.csv": Case(Rows(4, 1, ((5, "name"),), warnings=())),  # a quoted CRLF inside row 3-4
    "bare-cr.csv": Case(Rows(3, 1, ((3, "name"),))),
    # -- cut short ---------------------------------------------------------------------------------
    "truncated-midquote.csv": Case(Refused("ends inside a quoted cell", 4)),
    # A row cut between cells cannot be told from a short row: it is rejected for what it lacks.
    "truncated-midrow.csv": Case(Rows(2, 1, ((3, L),))),
    "truncated-api.json": Case(Refused("not valid JSON", 44)),
    "truncated-hsds.json": Case(Refused("not valid JSON", 262), {"fmt": "hsds"}),
    # -- shape -------------------------------------------------------------------------------------
    "empty.csv": Case(Refused("empty", 1)),
    "whitespace-only.csv": Case(Refused("empty", 1)),
    "header-only.csv": Case(Refused("no data rows", 1)),
    "header-only-api.json": Case(Refused("no data rows", 1)),
    "no-header.csv": Case(Refused(UNKNOWN, 1)),
    "semicolon.csv": Case(Refused("semicolons", 1)),
    "tab.tsv": Case(Refused("tabs", 1)),
    "pipe.txt": Case(Refused("pipes", 1)),
    "one-column.csv": Case(Refused("one column", 1), {"fmt": "csv"}),
    "duplicate-columns.csv": Case(Refused("duplicate column(s): name", 1)),
    "extra-cells.csv": Case(Refused("15 cells but the header has 13", 3)),
    "ragged.csv": Case(
        Rows(4, 1, ((3, L),))
    ),  # short rows are read as blanks; trailing empty cells ignored
    "nssats-duplicate-column.csv": Case(Refused("duplicate column(s): City", 1)),
    "nssats-missing-keys.csv": Case(Refused("missing column(s): Keys", 1), {"fmt": "nssats"}),
    # -- binary ------------------------------------------------------------------------------------
    "image.png": Case(Refused("binary", 3)),  # the PNG signature holds "\r\n"
    "image-named.csv": Case(Refused("binary", 3)),
    "providers.zip": Case(Refused("binary", 1)),
    "nul-middle.csv": Case(Refused("NUL", 3)),
    # -- JSON shapes -------------------------------------------------------------------------------
    "scalar.json": Case(Refused(UNKNOWN, 1)),
    "string.json": Case(Refused("expected an object with a 'rows' list", 1), {"fmt": "samhsa-api"}),
    "rows-not-list.json": Case(Refused("expected an object with a 'rows' list", 1)),
    "list-of-scalars.json": Case(
        Rows(
            4,
            4,
            ((2, "name"), (2, L), (3, "name"), (3, L), (4, "name"), (4, L), (5, "name"), (5, L)),
        ),
        {"fmt": "hsds"},
    ),
    "depth-bomb.json": Case(Refused("nested too deeply", 1)),
    "depth-bomb-in-record.json": Case(Refused("nested too deeply", 1)),
    "deep-but-legal.json": Case(Rows(1, 0)),
    # -- values ------------------------------------------------------------------------------------
    "coords-text.csv": Case(Rows(2, 1, ((3, L),), warnings=((2, L), (3, L)))),
    "coords-out-of-range.csv": Case(
        Rows(3, 2, ((3, L), (4, L)), warnings=((2, L), (3, L), (4, L)))
    ),
    "coords-swapped.csv": Case(Rows(2, 0, (), warnings=((2, L), (3, L)))),
    "coords-nan.csv": Case(
        Rows(4, 3, ((3, L), (4, L), (5, L)))
    ),  # "NaN" reads as blank: placed by ZIP
    "duplicate-ids.csv": Case(Rows(4, 1, ((3, "id"),))),
    "formula-injection.csv": Case(
        Rows(
            9,
            7,
            (
                (2, "name"),
                (3, "name"),
                (4, "street"),
                (5, "city"),
                (6, "name"),
                (7, "name2"),
                (8, "street2"),
            ),
        )
    ),
    "script-tags.csv": Case(Rows(3, 0, (), warnings=())),  # kept as plain text (see below)
    "long-values.csv": Case(
        Rows(4, 2, ((2, "name"), (3, "city"), (3, L)), warnings=((4, "website"),))
    ),
    "bad-state-zip-phone.csv": Case(
        Rows(4, 1, ((2, "state"),), warnings=((3, "zip"), (4, "phone"), (5, "website")))
    ),
    "samhsa-csv-bad.csv": Case(Rows(4, 2, ((3, "state"), (4, "name")))),
    "samhsa-api-wrong-types.json": Case(
        Rows(
            5,
            4,
            (
                (14, "name"),
                (22, "state"),
                (22, L),
                (34, "name"),
                (34, L),
                (35, "record_id"),
                (35, "name"),
            ),
        )
    ),
    # -- HSDS --------------------------------------------------------------------------------------
    "hsds-wrong-types.json": Case(Rows(3, 2, ((2, L), (46, L)))),
    # These two reach a reader bug (hsds.py assumes objects);
    # the loader refuses instead of crashing.
    "hsds-location-not-object.json": Case(Rows(1, 1, ((2, "latitude"),)), {"fmt": "hsds"}),
    "hsds-sal-service-not-object.json": Case(Rows(1, 1, ((2, "name"),)), {"fmt": "hsds"}),
    # -- mapping files (--map) ---------------------------------------------------------------------
    "mapped-data.csv": Case(Refused(UNKNOWN, 1)),  # needs its mapping
    "map-unknown-fields.toml": Case(
        Refused("unknown field(s) in [columns]: phone_number, zipcode", 1)
    ),
    "map-bad-toml.toml": Case(Refused("at line 3", 1)),
    "map-no-name.toml": Case(Refused("at least 'name'", 1)),
    "map-wrong-types.toml": Case(Refused("could not read the file near line 1: TypeError", 1)),
    # A mapping naming a column the file lacks rejects every row for its missing name.
    "map-missing-columns.toml": Case(
        Refused("the mapping names column(s) the file lacks: facility_name", 1)
    ),
}


def _rows_csv(count: int) -> str:
    return HEADER + "".join(
        f"r{i},Place {i},,{i} Main St,,Waterbury,CT,06708,,,,,detox\n" for i in range(count)
    )


def _write(path: Path, *parts: str | bytes) -> Path:
    with path.open("wb") as f:
        for part in parts:
            f.write(part.encode() if isinstance(part, str) else part)
    return path


# Huge or late-failing files, written in the test: name -> (writer, expected, import options).
GENERATED: dict[str, tuple[Callable[[Path], Path], Refused | Rows, dict[str, Any]]] = {
    "cell-200kb.csv": (
        lambda p: _write(p, HEADER, "a,", "x" * 200_000, ",,1 Main St,,Waterbury,CT,06708,,,,,\n"),
        Refused("field larger than field limit", 2),
        {},
    ),
    "line-100mb.csv": (
        lambda p: _write(p, HEADER, "a,", "y" * (100 * MB), "\n"),
        Refused("line longer than", 2),
        {},
    ),
    "header-100mb.csv": (
        lambda p: _write(p, "name,tags,", "c," * (50 * MB), "\n", "Hope House,detox\n"),
        Refused("line longer than", 1),
        {"fmt": "csv"},
    ),
    "row-100mb-of-short-cells.csv": (
        lambda p: _write(p, HEADER, "a," * (50 * MB), "\n"),
        Refused("line longer than", 2),
        {},
    ),
    "columns-3000.csv": (
        lambda p: _write(
            p, "name,tags," + ",".join(f"c{i}" for i in range(3000)) + "\n", "Hope House,detox\n"
        ),
        Refused("3,002 columns", 1),
        {"fmt": "csv"},
    ),
    "name-100mb.json": (
        lambda p: _write(
            p,
            '{"rows": [{"frid": "h", "name1": "',
            "z" * (100 * MB),
            '", "zip": "22902", "state": "VA"}]}',
        ),
        Rows(1, 1, ((1, "name"),)),
        {},
    ),
    # Past the 64 KB the format sniffer reads: found while reading rows, at the right line.
    "nul-after-64kb.csv": (
        lambda p: _write(
            p, _rows_csv(3000), b"z,Zed\x00Place,,9 Main St,,Waterbury,CT,06708,,,,,\n"
        ),
        Refused("NUL", 3002),
        {},
    ),
    "latin1-after-64kb.csv": (
        lambda p: _write(
            p,
            _rows_csv(3000),
            "z,Caf\u00e9 Place,,9 Main St,,Waterbury,CT,06708,,,,,\n".encode("latin-1"),
        ),
        Refused(NOT_UTF8, 3002),
        {},
    ),
    "quote-cut-after-64kb.csv": (
        lambda p: _write(p, _rows_csv(3000), 'z,"Cut Place,,9 Main St,,Water'),
        Refused("ends inside a quoted cell", 3002),
        {},
    ),
}


# -- helpers ---------------------------------------------------------------------------------------
def files_digest(app: Flask) -> str:
    """sha256 of the SQLite file, its WAL if any, and every index folder file (names and bytes)."""
    database = Path(db.engine.url.database or "")
    db.session.remove()
    db.engine.dispose()  # closing the last connection checkpoints the WAL into the database file
    h = hashlib.sha256()
    for path in (database, database.with_name(database.name + "-wal")):
        if path.exists():
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    index_dir = Path(app.config["INDEX_DIR"])
    for path in sorted(p for p in index_dir.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(index_dir)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@pytest.fixture
def seeded(app: Flask) -> Iterator[Flask]:
    """The throwaway app with the Charlottesville locator file imported, inside an app context."""
    with app.app_context():
        report = import_file(SEED)
        assert report.added > 20 and not report.refused
        yield app


def check(
    app: Flask, path: Path, expected: Refused | Rows, options: dict[str, Any]
) -> ImportReport:
    """Import ``path`` and compare the report with ``expected``; a refusal must change no byte."""
    before = files_digest(app)
    providers_before = db.session.scalar(select(db.func.count()).select_from(Provider))
    report = import_file(
        path, ImportOptions(**options)
    )  # never raises: every failure is a refusal or a rejected row
    assert report.file == str(path)
    if isinstance(expected, Refused):
        assert report.refused, f"expected a refusal, got {report.as_dict()}"
        assert expected.reason in report.refused
        first = report.problems[0]
        assert (first.line, first.severity, first.reason) == (
            expected.line,
            "error",
            report.refused,
        )
        assert files_digest(app) == before, "a refused file changed the database or the index"
        assert db.session.scalar(select(db.func.count()).select_from(Provider)) == providers_before
    else:
        assert not report.refused, report.refused
        assert (report.rows, report.rejected) == (expected.rows, expected.rejected)
        errors = [(p.line, p.field) for p in report.problems if p.severity == "error"]
        assert errors == list(expected.errors)
        if expected.warnings is not None:
            assert [(p.line, p.field) for p in report.problems if p.severity == "warning"] == list(
                expected.warnings
            )
        assert sum(getattr(report, k) for k in OUTCOMES) == report.rows == len(report.outcomes)
        assert {line for line, outcome, _ in report.outcomes if outcome == "rejected"} == {
            line for line, _ in errors
        }
        assert all(p.reason for p in report.problems)
        assert index_health()["in_step"]
        assert files_digest(app) != before  # the digest does see an import that wrote something
    return report


# -- tests -----------------------------------------------------------------------------------------
def test_the_corpus_is_complete() -> None:
    on_disk = {p.name for p in BAD.iterdir()}
    assert on_disk == set(CASES) and len(CASES) >= 30


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file(seeded: Flask, name: str) -> None:
    case = CASES[name]
    options = dict(case.options or {})
    path = BAD / name
    if name.startswith("map-"):
        path, options["map_file"] = BAD / "mapped-data.csv", BAD / name
    check(seeded, path, case.expect, options)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_bad_file(seeded: Flask, tmp_path: Path, name: str) -> None:
    write, expected, options = GENERATED[name]
    path = write(tmp_path / name)
    try:
        check(seeded, path, expected, options)
    finally:
        path.unlink()  # pytest keeps recent temporary folders: do not leave 100 MB behind


def test_script_tags_are_stored_and_served_as_plain_text(seeded: Flask, tmp_path: Path) -> None:
    report = import_file(BAD / "script-tags.csv")
    assert [(line, outcome) for line, outcome, _ in report.outcomes] == [
        (2, "added"),
        (3, "added"),
        (4, "added"),
    ]
    by_line = {line: pid for line, _, pid in report.outcomes}
    names = {p.public_id: (p.name, p.name2, p.city) for p in db.session.scalars(select(Provider))}
    assert names[by_line[2]] == (
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(2)">',
        "Waterbury",
    )
    assert (
        names[by_line[3]][0] == "<script>alert(3)</script> Clinic"
    )  # entities decoded once, kept as text
    assert names[by_line[4]][2] == "<b>Waterbury</b>"
    stored = db.session.scalar(select(ProviderSource).where(ProviderSource.record_key == "a"))
    assert stored.data["name"] == "<script>alert(1)</script>"
    report.write_csv(tmp_path / "report.csv")
    ids = {
        r["provider_id"]
        for r in csv.DictReader(io.StringIO((tmp_path / "report.csv").read_text()))
        if r["status"] == "added"
    }
    assert ids == set(by_line.values())
    export_csv(tmp_path / "export.csv")
    text = (tmp_path / "export.csv").read_text(encoding="utf-8")
    exported = {r["name"] for r in csv.DictReader(io.StringIO(text))}
    assert {"<script>alert(1)</script>", "<script>alert(3)</script> Clinic"} <= exported

    client = seeded.test_client()
    p = db.session.scalar(select(Provider).where(Provider.public_id == by_line[2]))
    page = client.get(f"/providers/{p.path_id}")
    assert page.status_code == 200
    assert (
        b"<script>alert(1)</script>" not in page.data
        and b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.data
    )
    assert b"<img src=x" not in page.data
    api = client.get(f"/api/v1/providers/{p.public_id}")
    assert json.loads(api.data)["name"] == "<script>alert(1)</script>"


def test_formulas_never_reach_an_export(seeded: Flask, tmp_path: Path) -> None:
    import_file(BAD / "formula-injection.csv")
    export_csv(tmp_path / "export.csv")
    for row in csv.DictReader(io.StringIO((tmp_path / "export.csv").read_text(encoding="utf-8"))):
        for key in ("name", "name2", "street", "street2", "city"):
            assert row[key][:1] not in ("=", "+", "-", "@") or row[key].strip("- ") == "", (
                key,
                row[key],
            )


def test_cli_names_file_and_line_and_exits_2(seeded: Flask) -> None:
    path = BAD / "truncated-midquote.csv"
    result = seeded.test_cli_runner().invoke(args=["directory", "import", str(path)])
    assert result.exit_code == 2
    assert f"{path}:4: the file ends inside a quoted cell" in result.output + (result.stderr or "")
