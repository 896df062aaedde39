"""What a row of SAMHSA's locator download means, shared by its CSV and XLSX forms.

The download has four kinds of row (``type_facility``), and their code columns do not mean the same:

- ``SU`` (substance use) and ``MH`` (mental health) facilities: one flag column per service code,
  set where the facility reports the service. These are full service detail: a blank flag is a "no".
- ``OTP`` (opioid treatment programs): every flag is set wholesale, so the flags say nothing; the
  row tells us only that the place is a certified opioid treatment program.
- ``BUPREN``: buprenorphine practitioners, who are people, not facilities. Their flags are set
  wholesale too, so a practitioner is listed as a prescriber (kind ``prescriber``) with the one code
  ``BUPREN`` and never a facility's services.
"""

from __future__ import annotations

import re
from typing import Any

from .record import flag_codes, locator_fields

BASE = {
    "",
    "name1",
    "name2",
    "street1",
    "street2",
    "city",
    "state",
    "zip",
    "zip4",
    "county",
    "phone",
    "intake_prompt",
    "intake1",
    "intake2",
    "hotline1",
    "website",
    "latitude",
    "longitude",
    "type_facility",
    "frid",
}
_CODE = re.compile(r"^[a-z][a-z0-9]{0,9}$")
KIND_CODES = {"SU": "SA", "SA": "SA", "MH": "MH"}  # what a kind of facility tells by itself
PRESCRIBER_CODE = "BUPREN"  # a clinician who prescribes buprenorphine (SAMHSA's facility type)


def code_columns(header: list[str]) -> list[str]:
    """The flag columns of a download's header (everything that is not a base column)."""
    return [c for c in header if c not in BASE and _CODE.match(c)]


def locator_row(
    row: dict[str, Any], columns: list[str], options: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """Raw fields for one download row and, for a row that is not a facility, why it is skipped."""
    kinds = [k.strip().upper() for k in str(row.get("type_facility") or "").split(",") if k.strip()]
    if "BUPREN" in kinds:
        fields = locator_fields(row, [PRESCRIBER_CODE], {**options, "add_codes": []})
        fields.update(kind="prescriber", service_detail="full")
        return fields, ""
    if "OTP" in kinds:
        codes, detail = ["OTP", "SA"], "partial"
    else:
        codes = flag_codes(row, columns) + [KIND_CODES.get(k, k) for k in kinds]
        detail = "full" if columns else "partial"
    fields = locator_fields(row, codes, options)
    fields["service_detail"] = detail
    return fields, ""
