"""Cleaning what real files get wrong."""

from directory import normalize as n


def test_zip_restores_leading_zeros_and_drops_float_and_plus4() -> None:
    assert n.zip5("6708") == "06708"
    assert n.zip5(6708) == "06708"
    assert n.zip5("3421.0") == "03421"
    assert n.zip5("22902-1234") == "22902"
    assert n.zip5("NA") == ""
    assert n.zip5("ABC 1234") == ""


def test_phone_keeps_extension_and_finds_several_numbers() -> None:
    assert n.phone("478-275-6811 x1177") == {"number": "478-275-6811", "ext": "1177"}
    assert n.phone("(205)216-0200") == {"number": "205-216-0200", "ext": ""}
    assert n.phone("+1 (860) 276.3000 ext. 301") == {"number": "860-276-3000", "ext": "301"}
    assert n.phone("+44 1234 234567") is None
    assert n.phones("(203)781-4600 Intake: (203)781-4700") == [
        {"number": "203-781-4600", "ext": ""},
        {"number": "203-781-4700", "ext": ""},
    ]


def test_website_adds_scheme_and_refuses_unsafe_or_broken() -> None:
    assert n.website("www.example.org") == "http://www.example.org"
    assert n.website("https://example.org/a?b=1") == "https://example.org/a?b=1"
    assert n.website("http://") == ""
    assert n.website("javascript:alert(1)") is None
    assert n.website("http://www://Amerikare.com") is None
    assert n.website("http://www.aurora.org\\abhs/") == "http://www.aurora.org/abhs"


def test_text_decodes_entities_folds_space_and_keeps_markup_as_text() -> None:
    assert n.text("  Mental health treatment    ") == "Mental health treatment"
    assert n.text("A &amp; B") == "A & B"
    assert n.text("<img src=x onerror=alert(1)>") == "<img src=x onerror=alert(1)>"
    assert n.text("NA") == ""


def test_states_and_us_bounds() -> None:
    assert n.state_code("ct") == "CT"
    assert n.state_code("New Mexico") == "NM"
    assert n.state_code("MyState") == ""
    assert n.in_us(41.55, -73.06)
    assert n.in_us(13.47, 144.75)  # Guam
    assert not n.in_us(100, 101)
    assert not n.in_us(51.5, -0.12)


def test_formula_detection_and_matching_keys() -> None:
    assert n.looks_like_formula("=cmd|' /C calc'!A0")
    assert n.looks_like_formula("@SUM(A1)")
    assert not n.looks_like_formula("A New Beginning")
    assert n.street_key("60 Westwood Avenue") == n.street_key("60 Westwood Ave.")
    assert n.name_key("Aletheia House, Inc.") == n.name_key("Aletheia House")
