"""The taxonomy file maps real SAMHSA codes and names to the filters people use."""

import json
from pathlib import Path

from directory.config import DATA_DIR
from directory.taxonomy import load_taxonomy

from .conftest import SAMHSA

TAX = load_taxonomy(DATA_DIR)


def test_groups_and_core_options_exist() -> None:
    assert [g.key for g in TAX.groups] == [
        "type",
        "setting",
        "medication",
        "payment",
        "age",
        "language",
        "program",
        "support",
        "accreditation",
        "operator",
    ]
    assert [o.key for o in TAX.group("type").options] == [
        "inpatient",
        "outpatient",
        "detox",
        "detox-24-hour",
        "detox-outpatient",
        "dual-diagnosis",
    ]
    for key in (
        "residential",
        "hospital",
        "partial-hospitalization",
        "intensive-outpatient",
        "telehealth",
        "sober-living",
    ):
        assert TAX.group("setting").option(key) is not None


def test_every_option_code_has_a_name_and_every_option_a_label() -> None:
    for o in TAX.options:
        assert o.label and o.description and o.codes, o
        for code in o.codes:
            assert code in TAX.code_names, (o.key, code)


def test_codes_become_tags() -> None:
    tags = TAX.tags({"DT", "CO", "OP", "MM", "MD"})
    assert [o.key for o in tags["type"]] == ["outpatient", "detox", "dual-diagnosis"]
    assert "methadone" in [o.key for o in tags["medication"]]
    assert "medicaid" in [o.key for o in tags["payment"]]
    assert [o.key for o in TAX.tags({"HID"})["type"]] == ["inpatient", "detox", "detox-24-hour"]
    assert TAX.tags({"SA"}).get("type") is None


def test_detox_is_split_by_level_of_care() -> None:
    # Hospital and residential detox have staff day and night; outpatient detox does not; plain
    # detoxification (DT) and the substance-specific codes do not say, so they count only as detox.
    assert [o.key for o in TAX.tags({"RD"})["type"]] == ["inpatient", "detox", "detox-24-hour"]
    assert [o.key for o in TAX.tags({"OD"})["type"]] == ["outpatient", "detox", "detox-outpatient"]
    for code in ("DT", "ODTX", "ADTX", "DM", "DB"):
        assert [o.key for o in TAX.tags({code})["type"]] == ["detox"], code
    assert TAX.group("type").note  # the filters say how the two differ


def test_every_service_name_in_the_real_json_files_maps_to_a_code() -> None:
    names: set[str] = set()
    api = json.loads((SAMHSA / "locator-api-2019-charlottesville.json").read_text())
    for row in api["rows"]:
        for s in row["services"]:
            names.update(x.strip() for x in s["f3"].split(";") if x.strip())
    for row in json.loads((SAMHSA / "ca-residential-2025-flattened.json").read_text()):
        names.update(x.strip() for x in row["all_services"].split(";") if x.strip())
    unmapped = sorted(n for n in names if TAX.code_for_name(n) is None)
    assert unmapped == []
    assert TAX.code_for_name("Detoxification") == "DT"
    assert TAX.code_for_name("  mental health treatment    ") == "MH"


def test_tag_words_resolve_for_the_simple_csv() -> None:
    assert TAX.code_for_name("detox") in TAX.group("type").option("detox").codes
    assert TAX.code_for_name("Dual diagnosis") in TAX.group("type").option("dual-diagnosis").codes
    assert TAX.code_for_name("no such thing") is None


def test_dictionary_reads_the_bom_and_padded_names(tmp_path: Path) -> None:
    assert "SA" in TAX.code_names and TAX.code_names["MH"] == "Mental health treatment"
