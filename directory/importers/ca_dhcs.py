"""California DHCS licensed and certified substance-use facilities, as the state's open-data API
returns them: ``{record_count, records: [{Facility_Name, Program_Code, Type_of_Application, …}]}``.

``Program_Code`` names the setting and who licenses the building: ``RES`` residential (licensed by
DHCS), ``NON`` non-residential (outpatient), ``DSS`` a program in a home licensed by the
Department of Social Services (group homes, most for young people), ``DPH`` a chemical dependency
recovery hospital licensed by the Department of Public Health; ``-DETOX`` adds withdrawal
management in that setting. The list says nothing of medication, payment or languages, so its
services are partial detail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ..normalize import tidy_caps
from .files import json_records
from .record import RawRow

NAME = "ca-dhcs"
AUTHORITY = "California Department of Health Care Services"
SETTINGS = {"RES": ["RES"], "NON": ["OP"], "DSS": ["RES"], "DPH": ["HI"]}
DETOX = {"RES": "RD", "NON": "OD", "DSS": "RD", "DPH": "HID"}
# Target_Population ("1.8 --- DUAL DIAGNOSIS") words and the codes they mean.
POPULATION = {"MEN": "MN", "WOMEN": "WN", "YOUTH": "AD", "ADOLESCENT": "AD", "DUAL": "CO"}


def sniff(path: Path, head: str) -> bool:
    return head.lstrip().startswith("{") and '"Program_Code"' in head and '"Facility_Name"' in head


def program_codes(program: str, population: str) -> list[str]:
    """Service codes for a DHCS program code and target population."""
    base, _, detox = program.strip().upper().partition("-")
    codes = ["SA", *SETTINGS.get(base, [])]
    if detox == "DETOX" and base in DETOX:
        codes.append(DETOX[base])
    words = set(re.split(r"[^A-Z]+", population.upper().split("---")[-1]))
    codes += [code for word, code in POPULATION.items() if word in words]
    return codes


def licence(rec: dict[str, Any]) -> dict[str, Any]:
    """The licence or certification a record describes, with its expiry as an ISO date."""
    expires = ""
    raw = str(rec.get("Lic_Expiration_Date") or "").strip()
    if raw:
        try:
            expires = datetime.strptime(raw, "%m/%d/%Y").date().isoformat()
        except ValueError:
            expires = ""
    capacity = rec.get("Treatment_Capacity")
    return {
        "authority": AUTHORITY,
        "number": str(rec.get("Application_Number") or "").strip(),
        "kind": str(rec.get("Type_of_Application") or "").strip(),
        "expires": expires,
        "capacity": int(capacity) if isinstance(capacity, (int, float)) and capacity > 0 else None,
        "program": str(rec.get("Program_Code") or "").strip(),
    }


def parse(path: Path, options: dict[str, Any]) -> Iterator[RawRow]:
    for line, rec in json_records(path, "records", "California DHCS"):
        if rec is None:
            yield RawRow(line, {"name": ""})
            continue
        number = str(rec.get("Application_Number") or "").strip()
        yield RawRow(
            line,
            {
                "record_id": number,
                "name": tidy_caps(rec.get("Facility_Name")),
                "street": tidy_caps(rec.get("Facility_Address1")),
                "street2": tidy_caps(rec.get("Facility_Address2")),
                "city": tidy_caps(rec.get("Facility_City")),
                # The list is California's own; a few rows spell the state 'C' or leave it out.
                "state": "CA",
                "zip": rec.get("Facility_Zip"),
                "county": rec.get("CountyName"),
                "latitude": rec.get("Latitude"),
                "longitude": rec.get("Longitude"),
                "phones": [rec.get("Facility_Phone")],
                "codes": program_codes(
                    str(rec.get("Program_Code") or ""), str(rec.get("Target_Population") or "")
                )
                + list(options.get("add_codes", [])),
                "licences": [licence(rec)] if number else [],
                "source_date": options.get("source_date", ""),
            },
        )
