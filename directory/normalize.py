"""Clean the values real files get wrong: ZIPs, phones, URLs, states, coordinates, stray markup."""

from __future__ import annotations

import html
import math
import re

STATES: dict[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "U.S. Virgin Islands",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
    "FM": "Micronesia",
    "MH": "Marshall Islands",
    "PW": "Palau",
}
STATE_BY_NAME = {name.lower(): code for code, name in STATES.items()}
STATE_BY_NAME.update({"virgin islands": "VI", "washington dc": "DC", "washington d.c.": "DC"})

EMPTY = {"", "na", "n/a", "nan", "none", "null", "http://", "https://"}
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]+")  # control characters too: PostgreSQL refuses NUL in text
_PHONE = re.compile(
    r"^\D*(\+?1[\s.-]*)?\(?(\d{3})\)?[\s.-]*(\d{3})[\s.-]*(\d{4})\s*(?:(?:x|ext\.?|extension|#)\s*(\d{1,6}))?\D*$",
    re.I,
)
_HOST = re.compile(
    r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d+)?$", re.I
)
# Spreadsheet formula prefixes: a cell starting with these can run code when an admin
# opens an export. '+' and '-' start formulas too ("+1+cmd|' /C calc'!A0"), unless only
# digits and punctuation follow.
FORMULA = re.compile(r"^\s*[=@]|^\s*[+\-](?![\d\s().,/-]*$)")


def text(value: object) -> str:
    """Return ``value`` as one line of text: entities decoded, spaces folded, 'NA' as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    s = _SPACE.sub(" ", html.unescape(str(value))).strip()
    return "" if s.lower() in EMPTY else s


def zip5(value: object) -> str:
    """Return a 5-digit ZIP, restoring leading zeros lost to integer columns ('6708' -> '06708')."""
    s = text(value)
    if s.endswith(".0"):
        s = s[:-2]
    m = re.fullmatch(r"(\d{3,5})(?:-?\d{4})?", s)
    if not m:
        return ""
    return m.group(1).zfill(5)


def state_code(value: object) -> str:
    """Return the two-letter code for a state or territory given by code or name; '' if unknown."""
    s = text(value)
    if s.upper() in STATES:
        return s.upper()
    return STATE_BY_NAME.get(s.lower(), "")


def phone(value: object) -> dict[str, str] | None:
    """Parse one phone number, keeping its extension: '478-275-6811 x1177' -> number and ext."""
    s = text(value)
    m = _PHONE.match(s) if s else None
    if not m:
        return None
    number = f"{m.group(2)}-{m.group(3)}-{m.group(4)}"
    return {"number": number, "ext": m.group(5) or ""}


def phone_text(phone: dict[str, str]) -> str:
    """A phone as people read it, and as ``phone`` reads it back: '434-972-1800 ext. 5'."""
    return phone["number"] + (f" ext. {phone['ext']}" if phone.get("ext") else "")


_PHONE_ANYWHERE = re.compile(
    r"(?:\+?1[\s.-]*)?\(?\d{3}\)?[\s.-]*\d{3}[\s.-]*\d{4}(?:\s*(?:x|ext\.?|extension|#)\s*\d{1,6})?",
    re.I,
)


def phones(value: object) -> list[dict[str, str]] | None:
    """Parse a cell holding one or more numbers; None if none parse.

    For example '(203)781-4600 Intake: (203)781-4700'.
    """
    s = text(value)
    one = phone(s)
    if one is not None:
        return [one]
    found = [phone(m.group(0)) for m in _PHONE_ANYWHERE.finditer(s)]
    return [p for p in found if p is not None] or None


def website(value: object) -> str | None:
    """Return a usable http(s) URL ('' if empty), adding a scheme when missing; None if unusable."""
    s = text(value).replace("\\", "/").rstrip("/")
    if not s:
        return ""
    if " " in s:
        return None
    m = re.match(r"^([a-z][a-z0-9+.-]*):", s, re.I)
    if m and m.group(1).lower() not in {"http", "https"}:
        if not re.match(r"^[^/:]+:\d+", s):  # 'host:8080' has no scheme
            return None
    if not re.match(r"^https?://", s, re.I):
        s = "http://" + s.lstrip("/")
    host = re.sub(r"^https?://", "", s, flags=re.I).split("/")[0].split("?")[0]
    return s if _HOST.match(host) else None


def coordinate(value: object) -> float | None:
    """Parse a latitude or longitude given as a number or a string; None when absent."""
    s = text(value)
    if not s:
        return None
    try:
        f = float(s)
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def in_us(lat: float, lon: float) -> bool:
    """True when a point lies in the US, its territories or freely associated states."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return False
    if 17 <= lat <= 72 and -180 <= lon <= -64:  # states, PR, VI
        return True
    if -15 <= lat <= 21 and (130 <= lon <= 175 or -172 <= lon <= -168):  # Pacific territories
        return True
    return False


_SUFFIXES = re.compile(r"\b(inc|llc|lp|llp|corp|corporation|co|pc|pllc|ltd|the)\b")
_STREET_WORDS = {
    "street": "st",
    "avenue": "ave",
    "road": "rd",
    "drive": "dr",
    "boulevard": "blvd",
    "lane": "ln",
    "court": "ct",
    "place": "pl",
    "highway": "hwy",
    "parkway": "pkwy",
    "suite": "ste",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "circle": "cir",
    "terrace": "ter",
    "square": "sq",
}


def name_key(value: str) -> str:
    """Fold a facility name for matching: lowercase words, no punctuation or corporate suffixes."""
    s = re.sub(r"[^a-z0-9 ]+", " ", value.lower().replace("&", " and "))
    return " ".join(_SUFFIXES.sub(" ", s).split())


def street_key(value: str) -> str:
    """Fold a street address for matching: 'Avenue' and 'Ave.' agree."""
    words = re.sub(r"[^a-z0-9 ]+", " ", value.lower()).split()
    return " ".join(_STREET_WORDS.get(w, w) for w in words)


def looks_like_formula(value: str) -> bool:
    """True for text that a spreadsheet would run as a formula (``=cmd|...``, ``@SUM(...)``)."""
    return bool(FORMULA.match(value))


_KEEP_CAPS = {
    "LLC",
    "LLP",
    "LP",
    "PC",
    "PLLC",
    "DBA",
    "AOD",
    "DUI",
    "DWI",
    "SUD",
    "MAT",
    "CA",
    "USA",
    "VA",
    "II",
    "III",
    "IV",
    "HIV",
    "AIDS",
    "PO",
    "NE",
    "NW",
    "SE",
    "SW",
    "YMCA",
    "YWCA",
    *("BHS CMHC FQHC OTP IOP PHP MHMR LCSW LPC LMHC LADC CADC NP MD PLLC DBA SAMHSA VOA").split(),
}
# Acronyms written as words by some publishers ('Bhs Hollywood'), given their capitals back. Only
# ones that are not words of their own (not 'Act', 'Pa', 'Ne').
_RESTORE = frozenset(
    "LLC PLLC DBA AOD DUI DWI SUD HIV AIDS YMCA YWCA BHS CMHC FQHC OTP IOP MHMR LCSW LPC "
    "LMHC LADC CADC SAMHSA VOA".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")


def restore_acronyms(value: str) -> str:
    """Give known acronyms their capitals back ('Bhs Hollywood Recovery Center' → 'BHS …')."""
    if not value:
        return value
    return _WORD.sub(
        lambda m: m.group(0).upper() if m.group(0).upper() in _RESTORE else m.group(0), value
    )


def tidy_caps(value: object) -> str:
    """Turn an ALL-CAPS name or street into title case
    ('CHERRY HILL DETOX, LLC' → 'Cherry Hill Detox, LLC'); text that already mixes cases is left
    as it is."""
    s = text(value)
    if not s or not s.isupper():
        return s
    return re.sub(
        r"[A-Za-z][A-Za-z']*",
        lambda m: (
            m.group(0) if m.group(0) in _KEEP_CAPS else m.group(0)[0] + m.group(0)[1:].lower()
        ),
        s,
    )
