"""Each parser on its real file: format detection, counts, known rows, codes and tags."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest
from flask import Flask

from directory import importers
from directory.errors import ImportRefused
from directory.importers.record import validate
from directory.taxonomy import Taxonomy

from .conftest import HSDS, REPO, SAMHSA

CA_MAP = REPO / "data" / "maps" / "ca-residential-2025-flattened.toml"


def records(app: Flask, path: Path, **options):  # type: ignore[no-untyped-def]
    tax: Taxonomy = app.extensions["taxonomy"]
    fmt, rows = importers.parse(path, options.pop("fmt", "auto"), options)
    out = []
    for raw in rows:
        rec, problems = validate(raw, tax)
        out.append((raw, rec, problems))
    return fmt, out


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("locator-export-2022-residential-ed.csv", "samhsa-csv"),
        ("mental-health-facilities-national.csv", "samhsa-csv"),
        ("substance-use-facilities-national.csv", "samhsa-csv"),
        ("nssats-2017-directory-otp.csv", "nssats"),
        ("locator-api-2019-charlottesville.json", "samhsa-api"),
    ],
)
def test_formats_are_detected(name: str, fmt: str) -> None:
    assert importers.detect(SAMHSA / name) == fmt


def test_hsds_shapes_are_detected() -> None:
    for name in (
        "service_full.json",
        "organization_full.json",
        "service_list.json",
        "service_at_location_full.json",
    ):
        assert importers.detect(HSDS / "v3-examples" / name) == "hsds", name
    assert importers.detect(HSDS / "v3-examples" / "csv") == "hsds"


def test_locator_download_csv(app: Flask) -> None:
    fmt, out = records(app, SAMHSA / "locator-export-2022-residential-ed.csv")
    assert fmt == "samhsa-csv" and len(out) == 168
    raw, rec, _ = out[0]
    assert raw.line == 2
    assert (
        rec.name == "CSB of Middle Georgia"
        and rec.name2 == "Quentin Price Crisis Stablization Unit"
    )
    assert rec.phones[0] == {"number": "478-275-6811", "ext": "1177"}
    assert {"RES", "RTCA", "MH", "CO", "SUMH"} <= set(
        rec.codes
    ) and "HI" not in rec.codes  # "1", "1.0" and blank flags
    tags = app.extensions["taxonomy"].tags(set(rec.codes))
    assert "dual-diagnosis" in [o.key for o in tags["type"]]
    assert all(r is not None for _, r, _ in out)


def test_mental_health_national_fixes_integer_zips_and_na(app: Flask) -> None:
    _, out = records(app, SAMHSA / "mental-health-facilities-national.csv")
    assert len(out) == 11375
    first = out[0][1]
    assert (
        first.name == "Perspectives Center for Care Inc"
        and first.zip == "06708"
        and first.state == "CT"
    )
    assert {"number": "860-276-3000", "ext": "301"} in first.phones
    assert first.codes == ["MH"]
    third = out[2][1]
    assert third.zip == "06702"  # 6702 with zip4 "NA"
    assert out[3][1].website == ""  # "http://" alone
    assert sum(1 for _, r, _ in out if r is None) == 0


def test_nssats_directory_keys_become_codes_and_tags(app: Flask) -> None:
    _, out = records(app, SAMHSA / "nssats-2017-directory-otp.csv")
    assert len(out) == 1090
    recs = [r for _, r, _ in out]
    nw = next(r for r in recs if r.name == "Northwest Alabama Treatment Center")
    assert {"DT", "OP", "CO", "MM"} <= set(nw.codes)
    tags = app.extensions["taxonomy"].tags(set(nw.codes))
    assert {"detox", "outpatient", "dual-diagnosis"} <= {o.key for o in tags["type"]}
    assert "methadone" in {o.key for o in tags["medication"]}
    # The file's own counts of key codes, checked against the parsed codes.
    counts = {c: sum(1 for r in recs if c in r.codes) for c in ("DT", "HI", "RES", "OP", "CO")}
    assert counts == {"DT": 640, "HI": 41, "RES": 47, "OP": 1057, "CO": 447}


def test_locator_api_json_maps_service_names_to_codes(app: Flask) -> None:
    _, out = records(app, SAMHSA / "locator-api-2019-charlottesville.json")
    assert len(out) == 30
    raw, rec, problems = out[0]
    assert raw.line > 1  # the line where the record starts in the file
    assert rec.record_key.startswith("811a908f")
    assert rec.name2 == "Mohr Center" and isinstance(rec.latitude, float)
    assert {"SA", "RES", "RS", "CBT", "MD"} <= set(rec.codes)
    assert not [p for p in problems if p.field == "services"]


def test_mapped_json_with_a_mapping_file(app: Flask) -> None:
    fmt, out = records(app, SAMHSA / "ca-residential-2025-flattened.json", map=CA_MAP)
    assert fmt == "mapped" and len(out) == 478
    rec = out[0][1]
    assert (
        rec.name == "Veterans Alcoholic Rehab Prog (VARP)"
        and rec.street == ""
        and rec.zip == "92225"
    )
    assert {"RES", "RL", "RS", "HH", "SUMH"} <= set(rec.codes)
    assert all(r is not None for _, r, _ in out)


def test_hsds_examples_are_read_and_their_fictional_places_rejected_with_reasons(
    app: Flask,
) -> None:
    for path in (HSDS / "v3-examples" / "service_full.json", HSDS / "v3-examples" / "csv"):
        fmt, out = records(app, path)
        assert fmt == "hsds" and len(out) >= 1
        raw, rec, problems = out[0]
        assert raw.fields["name"] == "Community Counselling"
        assert rec is None  # the example is in "MyCity, MyState" at latitude 100: not a US place
        assert any(p.field == "latitude" and "no location" in p.reason for p in problems)


def test_simple_csv_template_tags_as_words(app: Flask, tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    f.write_text(
        "id,name,street,city,state,zip,phone,website,tags\n"
        "A1,Hope House,1 Main St,Waterbury,CT,06708,203-555-0100 x12,hopehouse.org,"
        "detox; Dual diagnosis; Medicaid\n"
    )
    fmt, out = records(app, f)
    assert fmt == "csv"
    rec = out[0][1]
    assert rec.geo_precision == "zip" and rec.website == "http://hopehouse.org"
    tags = app.extensions["taxonomy"].tags(set(rec.codes))
    assert {"detox", "dual-diagnosis"} <= {o.key for o in tags["type"]} and "payment" in tags


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "binary"),
        (b"name;city;tags\nA;B;C\n", "one column"),
        ("name,city,tags\nCaf\xe9,B,C\n".encode("latin-1"), "UTF-8"),
        (b"a,b,c\n1,2,3\n", "unknown format"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(
    app: Flask, tmp_path: Path, content: bytes, reason: str
) -> None:
    f = tmp_path / "bad.csv"
    f.write_bytes(content)
    with pytest.raises(ImportRefused) as e:
        records(app, f)
    assert reason in e.value.reason and e.value.line >= 1


def test_bad_rows_are_rejected_with_field_and_reason(app: Flask, tmp_path: Path) -> None:
    f = tmp_path / "rows.csv"
    f.write_text(
        "name,street,city,state,zip,latitude,longitude,tags\n"
        ",1 Main St,Waterbury,CT,06708,,,detox\n"
        "=cmd|' /C calc'!A0,1 Main St,Waterbury,CT,06708,,,detox\n"
        "Nowhere Clinic,,,ZZ,,,,\n"
        "Swapped,,,CT,06708,-73.06,41.55,\n"
        "Abroad,,,,,51.5,-0.12,\n"
    )
    _, out = records(app, f)
    by_line = {raw.line: (rec, problems) for raw, rec, problems in out}
    assert by_line[2][0] is None and by_line[2][1][0].field == "name"
    assert by_line[3][0] is None and "formula" in by_line[3][1][0].reason
    assert by_line[4][0] is None and {p.field for p in by_line[4][1]} >= {"state", "latitude"}
    swapped = by_line[5][0]
    assert (
        swapped is not None
        and swapped.latitude == 41.55
        and any("swapped" in p.reason for p in by_line[5][1])
    )
    assert by_line[6][0] is None  # outside the US and nothing else to place it by


XLSX_TX = SAMHSA / "locator-export-2023-texas.xlsx"
CA_DHCS = SAMHSA.parent / "states" / "ca-dhcs-sud-facilities-2026.json"


def test_locator_xlsx_kinds_of_row_mean_different_things(app: Flask) -> None:
    fmt, out = records(app, XLSX_TX)
    assert (
        fmt == "samhsa-xlsx" and len(out) == 2492
    )  # the stored dimension (one cell) is not trusted
    assert not any(raw.skip for raw, _, _ in out)
    # Buprenorphine practitioners: people, listed as prescribers with the one code their kind says
    # (their service flags are set wholesale), never a facility's services.
    rows = [(rec, problems) for raw, rec, problems in out if raw.fields.get("kind") == "prescriber"]
    prescribers = [rec for rec, _ in rows if rec]
    assert len(rows) == 1621 and all(r.codes == ["BUPREN"] for r in prescribers)
    assert all(problems for rec, problems in rows if rec is None)  # a rejected one says why
    assert len(prescribers) >= 1615
    otp = [rec for raw, rec, _ in out if rec and rec.codes == ["OTP", "SA"]]
    assert len(otp) >= 90 and all(
        r.service_detail == "partial" for r in otp
    )  # flags set wholesale: ignored
    full = [
        rec for _, rec, _ in out if rec and rec.service_detail == "full" and rec.kind == "facility"
    ]
    assert len(full) == 2492 - 1621 - len(otp)
    assert all(rec.kind == "facility" for rec in full)
    shades = next(rec for _, rec, _ in out if rec and rec.name == "Shades of Hope Treatment Center")
    assert "SA" in shades.codes and "DT" not in shades.codes  # a blank flag is a no


def test_code_dictionary_csv_is_the_workbooks_second_sheet() -> None:
    import csv

    from directory.importers.samhsa_xlsx import read_code_reference

    with (REPO / "data" / "samhsa" / "service-code-reference-2023.csv").open(encoding="utf-8") as f:
        ours = sorted(tuple(r.values()) for r in csv.DictReader(f))
    for book in (XLSX_TX, SAMHSA / "locator-export-2023-northeast-pacific.xlsx"):
        assert sorted(tuple(r.values()) for r in read_code_reference(book)) == ours
    assert len(ours) == 314


def test_taxonomy_uses_samhsa_codes_the_dictionary_now_names(app: Flask) -> None:
    tax: Taxonomy = app.extensions["taxonomy"]
    assert tax.code_for_name("Lofexidine or Clonidine detoxification") == "DLC"
    assert "DLC" in tax.group("type").option("detox").codes  # type: ignore[union-attr]
    assert tax.code_label("F2") == "Albanian"  # named by the 2015 legend


def test_california_licensing_list(app: Flask) -> None:
    fmt, out = records(app, CA_DHCS)
    assert fmt == "ca-dhcs" and len(out) == 2266
    good = [rec for _, rec, _ in out if rec is not None]
    assert len(good) >= 2260 and all(
        r.state == "CA" for r in good
    )  # 'C', 'ca' and blank states fixed
    cherry = next(r for r in good if r.licences and r.licences[0]["number"] == "010001DN")
    assert (
        cherry.name == "Cherry Hill Detoxification Services Program"
        and cherry.city == "San Leandro"
    )
    assert {"SA", "RES", "RD"} <= set(cherry.codes) and cherry.service_detail == "partial"
    assert cherry.licences[0] | {} == {
        **cherry.licences[0],
        "kind": "Licensed",
        "expires": "2028-01-31",
        "capacity": 32,
        "program": "RES-DETOX",
    }
    from directory.importers.ca_dhcs import program_codes

    assert program_codes("DPH-DETOX", "1.8 --- DUAL DIAGNOSIS") == ["SA", "HI", "HID", "CO"]
    assert program_codes("NON", "1.2 --- MEN ONLY") == ["SA", "OP", "MN"]
    assert program_codes("DSS", "1.4 --- WOMEN/CHILDREN") == ["SA", "RES", "WN"]


def test_simple_csv_tag_words_mean_their_option_only(app: Flask, tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    f.write_text(
        "id,name,street,city,state,zip,tags\n"
        "A1,Hope House,1 Main St,Waterbury,CT,06708,inpatient; OTP\n"
    )
    _, out = records(app, f)
    tags = app.extensions["taxonomy"].tags(set(out[0][1].codes))
    assert [o.key for o in tags["type"]] == [
        "inpatient"
    ] and "setting" not in tags  # not "Hospital"
    assert [o.key for o in tags["medication"]] == ["otp"] and "OTP" in out[0][
        1
    ].codes  # a code in capitals


DIRECTORIES = (
    ("national-directory-su-facilities-2022.xlsx", 12176, 0),
    ("national-directory-su-facilities-2023.xlsx", 12744, 0),
    ("nsumhss-2024-directory-facilities.csv.gz", 20524, 5),
)


@pytest.mark.parametrize("name,rows,skipped", DIRECTORIES)
def test_national_directories_are_read_with_every_code(
    app: Flask, name: str, rows: int, skipped: int
) -> None:
    fmt, out = records(app, SAMHSA / name)
    assert fmt == "samhsa-directory" and len(out) == rows
    skips = [raw for raw, _, _ in out if raw.skip]
    assert len(skips) == skipped and all("legend" in raw.skip for raw in skips)
    kept = [rec for raw, rec, _ in out if not raw.skip]
    rejected = [problems for raw, rec, problems in out if not raw.skip and rec is None]
    assert len(rejected) <= 1 and all(problems for problems in rejected)  # each says why
    kept = [rec for rec in kept if rec is not None]
    assert all(rec.service_detail == "full" and rec.codes for rec in kept)
    assert all(rec.geo_precision in ("zip", "city") for rec in kept)  # no coordinates: placed
    assert all(rec.phones for rec in kept)
    assert "*" not in {c for rec in kept for c in rec.codes}


def test_directory_rows_keep_intake_lines_and_their_label(app: Flask) -> None:
    _, out = records(app, SAMHSA / "nsumhss-2024-directory-facilities.csv.gz")
    intake = [
        rec for _, rec, _ in out if rec and any(p.get("kind") == "intake" for p in rec.phones)
    ]
    assert len(intake) > 1000
    # A number printed in letters ('954-730PATH') is dialled as digits.
    assert any(
        p == {"number": "888-852-6672", "ext": "", "kind": "intake"}
        for r in intake
        for p in r.phones
    )  # intake1a '888-85COMPA', with no intake1 beside it
    # The main line and an intake line that repeat each other are one phone.
    for rec in intake:
        assert len({(p["number"], p["ext"]) for p in rec.phones}) == len(rec.phones)


def test_directory_codes_from_the_grouped_cell() -> None:
    from directory.importers.samhsa_directory import directory_codes

    assert directory_codes("SA DT SUMH * OP OD * MU") == ["SA", "DT", "SUMH", "OP", "OD", "MU"]
    assert directory_codes("Substance use treatment") == []  # the legend's names are no codes
    assert directory_codes("") == []


def test_every_code_of_the_national_directories_has_a_name(app: Flask) -> None:
    from directory.importers.samhsa_directory import directory_codes

    tax = app.extensions["taxonomy"]
    with gzip.open(SAMHSA / "nsumhss-2024-directory-facilities.csv.gz", "rt") as f:
        codes = {c for row in csv.DictReader(f) for c in directory_codes(row["service_code_info"])}
    assert len(codes) > 300
    assert not [c for c in codes if c not in tax.code_names]
    assert tax.code_names["PEOFF"].startswith("Psychiatric emergency mobile")


def test_acronyms_keep_their_capitals() -> None:
    from directory.normalize import restore_acronyms, tidy_caps

    assert restore_acronyms("Bhs Hollywood Recovery Center") == "BHS Hollywood Recovery Center"
    assert tidy_caps("BHS HOLLYWOOD RECOVERY CENTER, LLC") == "BHS Hollywood Recovery Center, LLC"
    assert restore_acronyms("Act Now Counseling") == "Act Now Counseling"  # a word stays a word
