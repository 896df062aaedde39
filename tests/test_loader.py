"""Loading files: outcomes per row, idempotence, --replace, merging across files, all-or-nothing.

Runs on SQLite and on the real PostgreSQL server (``db_app``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

from directory.db import db
from directory.loader import OUTCOMES, ImportOptions, import_file
from directory.models import Provider, ProviderSource
from directory.search.upkeep import index_health

from .conftest import SAMHSA

NSSATS = SAMHSA / "nssats-2017-directory-otp.csv"


def snapshot(app: Flask) -> str:
    """A checksum of every row of every table, and the index's documents and version."""
    h = hashlib.sha256()
    for table in ("provider", "provider_source", "meta"):
        rows = db.session.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()
        h.update(repr([tuple(str(v) for v in r) for r in rows]).encode())
    ix = app.extensions["text_index"]
    status = ix.status()
    h.update(repr((status.present, status.version, status.documents)).encode())
    if status.present:
        h.update(repr(sorted(ix.document_ids())).encode())
    return h.hexdigest()


def small_csv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "street", "city", "state", "zip", "phone", "tags"])
        w.writerows(rows)
    return path


def check_invariant(report) -> None:  # type: ignore[no-untyped-def]
    assert sum(getattr(report, k) for k in OUTCOMES) == report.rows
    assert len(report.outcomes) == report.rows


def test_import_then_reimport_is_unchanged(db_app: Flask) -> None:
    with db_app.app_context():
        first = import_file(NSSATS)
        check_invariant(first)
        assert first.rows == 1090 and first.rejected == 0 and first.added > 1000
        ids = dict(
            db.session.execute(
                select(ProviderSource.record_key, Provider.public_id).join(Provider)
            ).all()
        )
        again = import_file(NSSATS)
        check_invariant(again)
        assert again.added == again.updated == again.rejected == 0
        assert again.unchanged == first.added + first.merged - (
            first.rows - len(ids)
        )  # within-file repeats stay merged
        assert again.unchanged + again.merged == 1090
        assert (
            dict(
                db.session.execute(
                    select(ProviderSource.record_key, Provider.public_id).join(Provider)
                ).all()
            )
            == ids
        )
        assert index_health()["in_step"]


def test_search_index_follows_imports(db_app: Flask) -> None:
    with db_app.app_context():
        import_file(SAMHSA / "locator-api-2019-charlottesville.json")
        health = index_health()
        assert health["in_step"] and health["index_documents"] == health["database_providers"] > 0


def test_replace_retires_what_the_file_no_longer_lists(db_app: Flask, tmp_path: Path) -> None:
    rows = [
        ("a", "Hope House", "1 Main St", "Waterbury", "CT", "06708", "203-555-0100", "detox"),
        ("b", "New Day", "2 Elm St", "Waterbury", "CT", "06708", "203-555-0101", "outpatient"),
        ("c", "Clear Path", "3 Oak St", "Waterbury", "CT", "06708", "203-555-0102", "detox"),
    ]
    with db_app.app_context():
        import_file(small_csv(tmp_path / "list.csv", rows))
        report = import_file(
            small_csv(tmp_path / "list.csv", rows[:2]), ImportOptions(replace=True)
        )
        check_invariant(report)
        assert (report.unchanged, report.retired) == (2, 1)
        retired = db.session.scalar(select(Provider).where(Provider.name == "Clear Path"))
        assert (
            retired.status == "retired" and retired.sources[0].status == "retired"
        )  # history kept
        assert index_health()["in_step"]
        back = import_file(small_csv(tmp_path / "list.csv", rows))
        assert back.updated == 1 and db.session.get(Provider, retired.id).status == "active"


def test_same_facility_from_two_files_becomes_one_provider(db_app: Flask, tmp_path: Path) -> None:
    # The national substance-use list and the 2017 directory both list Alabama's opioid programs.
    national = tmp_path / "al.csv"
    with (
        (SAMHSA / "substance-use-facilities-national.csv").open() as src,
        national.open("w", newline="") as out,
    ):
        reader = csv.DictReader(src)
        w = csv.DictWriter(out, reader.fieldnames)
        w.writeheader()
        w.writerows(r for r in reader if r["state"] == "AL")
    with db_app.app_context():
        import_file(NSSATS)
        report = import_file(national, ImportOptions(add_codes=("SA",)))
        check_invariant(report)
        assert report.merged >= 10
        p = db.session.scalar(
            select(Provider).where(Provider.name == "Birmingham Metro Treatment Center")
        )
        assert {s.source for s in p.sources} == {"nssats-2017-directory-otp", "al"}
        assert {"DT", "SA", "OP"} <= p.code_set


def test_a_failure_mid_import_leaves_database_and_index_as_they_were(db_app: Flask) -> None:
    with db_app.app_context():
        import_file(SAMHSA / "locator-api-2019-charlottesville.json")
        before = snapshot(db_app)
        with pytest.raises(RuntimeError, match="injected"):
            import_file(NSSATS, fail_after=500)
        db.session.remove()
        assert snapshot(db_app) == before
        assert index_health()["in_step"]


def test_dry_run_and_strict_write_nothing(db_app: Flask, tmp_path: Path) -> None:
    bad = small_csv(
        tmp_path / "bad.csv",
        [
            ("a", "Hope House", "1 Main St", "Waterbury", "CT", "06708", "", ""),
            ("b", "", "2 Elm St", "Waterbury", "CT", "06708", "", ""),
        ],
    )
    with db_app.app_context():
        before = snapshot(db_app)
        dry = import_file(NSSATS, ImportOptions(dry_run=True))
        assert dry.added > 1000 and dry.dry_run
        strict = import_file(bad, ImportOptions(strict=True))
        assert strict.refused and "strict" in strict.refused
        assert snapshot(db_app) == before
        lenient = import_file(bad)
        assert (lenient.added, lenient.rejected) == (1, 1)
        assert lenient.problems[0].line == 3 and lenient.problems[0].field == "name"


def test_refused_file_changes_nothing(db_app: Flask, tmp_path: Path) -> None:
    f = tmp_path / "binary.csv"
    f.write_bytes(b"\x00\x01\x02")
    with db_app.app_context():
        before = snapshot(db_app)
        report = import_file(f)
        assert report.refused and "binary" in report.refused and report.rows == 0
        assert snapshot(db_app) == before


def test_report_csv_names_file_line_field_and_reason(app: Flask, tmp_path: Path) -> None:
    bad = small_csv(
        tmp_path / "bad.csv",
        [
            ("a", "Hope House", "1 Main St", "Waterbury", "CT", "06708", "not a phone", ""),
            ("b", "", "2 Elm St", "Waterbury", "CT", "06708", "", ""),
        ],
    )
    with app.app_context():
        report = import_file(bad)
        out = tmp_path / "report.csv"
        report.write_csv(out)
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {
        "file": str(bad),
        "line": "3",
        "status": "rejected",
        "field": "name",
        "reason": "missing: every provider needs a name",
        "provider_id": "",
    } in rows
    assert any(
        r["status"] == "warning" and r["field"] == "phone" and r["line"] == "2" for r in rows
    )
    assert any(r["status"] == "added" and r["line"] == "2" and r["provider_id"] for r in rows)


def test_cli_json_summary_and_exit_status(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "directory",
            "import",
            str(SAMHSA / "locator-api-2019-charlottesville.json"),
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["rows"] == 30
    assert sum(summary[k] for k in OUTCOMES) == summary["rows"] and "retired" in summary
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    refused = runner.invoke(args=["directory", "import", str(empty), "--json"])
    assert refused.exit_code == 2 and json.loads(refused.output.strip().splitlines()[-1])["refused"]


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["id", "name", "street", "city", "state", "zip", "phone", "tags"])
        w.writeheader()
        w.writerows(rows)
    return path


HOPE = {
    "id": "1",
    "name": "Hope House",
    "street": "1 Main St",
    "city": "Waterbury",
    "state": "CT",
    "zip": "06708",
    "phone": "",
    "tags": "",
}


def test_enrichment_adds_services_and_a_phone_but_never_providers(
    app: Flask, tmp_path: Path
) -> None:
    listed = _write_csv(tmp_path / "listed.csv", [HOPE])
    old = _write_csv(
        tmp_path / "old.csv",
        [
            {**HOPE, "name": "Hope House Inc", "phone": "203-555-0100", "tags": "DT; MD"},
            {
                **HOPE,
                "id": "2",
                "name": "Closed Long Ago Center",
                "street": "9 Elm St",
                "tags": "DT",
            },
        ],
    )
    with app.app_context():
        import_file(listed, ImportOptions(source_date="2025"))
        report = import_file(
            old, ImportOptions(enrich=True, source_date="2015", service_detail="full")
        )
        check_invariant(report)
        assert (report.matched, report.unmatched, report.added) == (1, 1, 0)
        assert any(
            p.severity == "unmatched" and p.line == 3 and "9" in p.reason for p in report.problems
        )
        p = db.session.scalar(select(Provider))
        assert db.session.query(Provider).count() == 1
        assert {"DT", "MD"} <= p.code_set and p.phones[0]["number"] == "203-555-0100"
        assert p.name == "Hope House"  # enrichment never renames


def test_newest_full_answer_wins_and_partial_lists_add(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        import_file(
            _write_csv(tmp_path / "a2015.csv", [{**HOPE, "tags": "DT; OP"}]),
            ImportOptions(source_date="2015", service_detail="full"),
        )
        import_file(
            _write_csv(tmp_path / "b2025.csv", [{**HOPE, "tags": "OP"}]),
            ImportOptions(source_date="2025", service_detail="full"),
        )
        p = db.session.scalar(select(Provider))
        assert (
            "DT" not in p.code_set and "OP" in p.code_set
        )  # the 2025 list without detox means no detox now
        import_file(
            _write_csv(tmp_path / "c2026.csv", [{**HOPE, "tags": "RD"}]),
            ImportOptions(source_date="2026"),
        )
        p = db.session.scalar(select(Provider))
        assert {"OP", "RD"} <= p.code_set and "DT" not in p.code_set  # a newer partial list adds


def test_practitioners_become_prescriber_listings(app: Flask) -> None:
    with app.app_context():
        report = import_file(
            SAMHSA / "locator-export-2023-texas.xlsx", ImportOptions(update_index=False)
        )
        check_invariant(report)
        assert report.skipped == 0 and report.rejected <= 1 and report.added > 2000
        prescribers = db.session.scalars(select(Provider).where(Provider.kind == "prescriber"))
        prescribers = list(prescribers)
        assert len(prescribers) > 1400  # a clinician at two addresses of one place is one listing
        assert {p.codes for p in prescribers} == {"BUPREN"}  # no facility services
        facilities = db.session.scalars(select(Provider).where(Provider.kind == "facility")).all()
        # A clinician is never joined to the facility they work at, whatever the address.
        assert not any(s.data.get("kind") == "prescriber" for f in facilities for s in f.sources)
