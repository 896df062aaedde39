"""Write SAMHSA's service-code dictionary from a locator XLSX download's second sheet to CSV.

    .venv/bin/python scripts/extract_code_dictionary.py data/samhsa/locator-export-2023-texas.xlsx \
        data/samhsa/service-code-reference-2023.csv

The taxonomy reads the CSV (reading a workbook at every start would cost time); a test checks that
the CSV is exactly what the workbooks hold.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from directory.importers.samhsa_xlsx import DICTIONARY_COLUMNS, read_code_reference  # noqa: E402


def main(source: Path, out: Path) -> None:
    rows = read_code_reference(source)
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=DICTIONARY_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} codes to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
