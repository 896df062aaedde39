#!/usr/bin/env python
"""Draw candidate record-linkage pairs across the national SAMHSA lists (seed 2024).

For labelling: pairs of rows from two *different* files that share a 5-digit ZIP
and are plausibly the same facility or confusable neighbours.  Four kinds:

  a  same ZIP and same street number (any name; half drawn among pairs whose
     names are not near-identical, token_set_ratio < 90, so the sample is not
     all trivial duplicates)
  b  same ZIP, similar names (token_set_ratio >= 60) but different or missing
     street numbers
  c  same ZIP, same 10-digit phone (both rows have one), different names
  d  random same-ZIP pairs with modestly similar names (50 <= ratio <= 80),
     not already drawn as a/b/c

File pairs (file_a is the newer list):
  2024-substance vs 2020-21 substance list   (no phones on the 2020-21 side,
                                              so no kind c; its share goes
                                              to a, b, d)
  2024-substance vs 2023 directory
  2023 vs 2022 directory
  2024-mental    vs 2020-21 mental list
  2022 vs 2015 directory

"line" is the 1-based row number: for xlsx the sheet row (header = row 1),
for csv the physical line on which the record starts (header = line 1; for
the .csv.gz, the line of the decompressed text).

Usage: python scripts/linkage_candidates_2024.py [--out FILE] [--per-cell 20]
Writes the unlabelled candidates CSV (default: stdout).  After hand labelling
(columns label, reason added), `--split FILE` assigns split = tune (40%) /
holdout (60%), seeded (2024) and stratified by kind.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import io
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz, utils

SEED = 2024
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "samhsa"
if not DATA.exists():  # fall back to the absolute location
    DATA = Path("/work/shared/data/samhsa")

F_SU2021 = "substance-use-facilities-national.csv"
F_MH2021 = "mental-health-facilities-national.csv"
F_2022 = "national-directory-su-facilities-2022.xlsx"
F_2023 = "national-directory-su-facilities-2023.xlsx"
F_2024 = "nsumhss-2024-directory-facilities.csv.gz"
F_2015 = "nssats-2015-national-directory.csv"

COLUMNS = [
    "pair_id", "file_a", "line_a", "file_b", "line_b",
    "name_a", "name2_a", "street_a", "city_a", "state_a", "zip_a", "phone_a",
    "name_b", "name2_b", "street_b", "city_b", "state_b", "zip_b", "phone_b",
    "kind",
]


# ----------------------------------------------------------------- helpers

def clean(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        v = str(int(v)) if v.is_integer() else str(v)
    s = str(v).strip()
    return "" if s.upper() in ("NA", "NAN", "NONE", "NULL") else s


def zip5(v) -> str:
    s = clean(v)
    if not s:
        return ""
    m = re.match(r"^(\d{1,5})(?:\.0+)?(?:[-\s]\d{4})?$", s)
    if m:
        return m.group(1).zfill(5)
    m = re.match(r"^(\d{5})", s)
    return m.group(1) if m else ""


def phone10(v) -> str:
    d = re.sub(r"\D", "", clean(v).split("x")[0].split("X")[0])
    if len(d) == 11 and d.startswith("1"):
        d = d[1:]
    return d[:10] if len(d) >= 10 else ""


def street_number(street: str) -> str:
    m = re.match(r"^\s*(\d+)", street or "")
    return m.group(1).lstrip("0") or "0" if m else ""


def join_street(s1: str, s2: str) -> str:
    s1, s2 = clean(s1), clean(s2)
    return f"{s1}, {s2}" if s1 and s2 else (s1 or s2)


def rec(file, line, name1, name2, street1, street2, city, state, zp, phone):
    r = {
        "file": file, "line": line,
        "name": clean(name1), "name2": clean(name2),
        "street": join_street(street1, street2),
        "street1": clean(street1),
        "city": clean(city), "state": clean(state),
        "zip": zip5(zp), "phone": clean(phone),
    }
    r["phone10"] = phone10(r["phone"])
    r["num"] = street_number(r["street1"]) or street_number(clean(street2))
    r["fullname"] = utils.default_process(f"{r['name']} {r['name2']}")
    return r


def read_csv_lines(text: str):
    """Yield (start_line, row dict) with the physical line each record starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    prev = reader.line_num  # 1
    for row in reader:
        start = prev + 1
        prev = reader.line_num
        yield start, dict(zip(header, row))


# ----------------------------------------------------------------- loaders

def load_su2021():
    text = (DATA / F_SU2021).read_text(encoding="utf-8", errors="replace")
    for ln, r in read_csv_lines(text):
        yield rec(F_SU2021, ln, r["name1"], r["name2"], r["street1"], r["street2"],
                  r["city"], r["state"], r["zip"], "")


def load_mh2021():
    text = (DATA / F_MH2021).read_text(encoding="utf-8", errors="replace")
    for ln, r in read_csv_lines(text):
        yield rec(F_MH2021, ln, r["name1"], r["name2"], r["street1"], r["street2"],
                  r["city"], r["state"], r["zip"], r["phone"])


def load_2024(directory_type: str):
    with gzip.open(DATA / F_2024, "rt", encoding="utf-8", errors="replace", newline="") as fh:
        text = fh.read()
    for ln, r in read_csv_lines(text):
        if r.get("directory_type") != directory_type:
            continue
        yield rec(F_2024, ln, r["name1"], r["name2"], r["street1"], r["street2"],
                  r["city"], r["state"], r["zip"], r["phone"])


def load_xlsx(fname: str):
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(DATA / fname))
    rows = wb.get_sheet_by_name("Facilities List").to_python()
    header = [clean(h).lower() for h in rows[0]]
    for i, row in enumerate(rows[1:], start=2):  # sheet row number, header = 1
        r = dict(zip(header, row))
        yield rec(fname, i, r.get("name1"), r.get("name2"), r.get("street1"),
                  r.get("street2"), r.get("city"), r.get("state"), r.get("zip"),
                  r.get("phone"))


def load_2015():
    text = (DATA / F_2015).read_text(encoding="utf-8", errors="replace")
    for ln, r in read_csv_lines(text):
        name2 = " ".join(x for x in (clean(r["Name2"]), clean(r["Name3"])) if x)
        street2 = " ".join(x for x in (clean(r["Address2"]), clean(r["Address3"])) if x)
        yield rec(F_2015, ln, r["Name1"], name2, r["Address1"], street2,
                  r["City"], r["State"], r["ZIP_Code"], r["Contact"])


def usable(rows):
    return [r for r in rows if r["zip"] and (r["name"] or r["name2"])]


# ----------------------------------------------------------------- pairing

def candidate_pools(A, B):
    """All cross pairs sharing a ZIP, sorted into the four kinds' pools."""
    byzip = defaultdict(list)
    for j, b in enumerate(B):
        byzip[b["zip"]].append(j)
    pools = {"a_any": [], "a_diff": [], "b": [], "c": [], "d": []}
    for i, a in enumerate(A):
        for j in byzip.get(a["zip"], ()):
            b = B[j]
            sim = fuzz.token_set_ratio(a["fullname"], b["fullname"])
            same_num = bool(a["num"]) and a["num"] == b["num"]
            if same_num:
                pools["a_any"].append((i, j))
                if sim < 90:
                    pools["a_diff"].append((i, j))
            else:
                if sim >= 60:
                    pools["b"].append((i, j))
            if a["phone10"] and a["phone10"] == b["phone10"] and a["fullname"] != b["fullname"]:
                pools["c"].append((i, j))
            if 50 <= sim <= 80:
                pools["d"].append((i, j))
    return pools


def draw(rng, pool, n, used):
    avail = [p for p in pool if p not in used]
    pick = rng.sample(avail, min(n, len(avail)))
    used.update(pick)
    return pick


FILE_PAIRS = [
    ("2024su-vs-2021su", lambda: load_2024("substance"), load_su2021),
    ("2024su-vs-2023", lambda: load_2024("substance"), lambda: load_xlsx(F_2023)),
    ("2023-vs-2022", lambda: load_xlsx(F_2023), lambda: load_xlsx(F_2022)),
    ("2024mh-vs-2021mh", lambda: load_2024("mental"), load_mh2021),
    ("2022-vs-2015", lambda: load_xlsx(F_2022), load_2015),
]


def build(per_cell: int = 20):
    rng = random.Random(SEED)
    out = []
    for label, load_a, load_b in FILE_PAIRS:
        A, B = usable(list(load_a())), usable(list(load_b()))
        pools = candidate_pools(A, B)
        used: set = set()
        has_phone = any(b["phone10"] for b in B) and any(a["phone10"] for a in A)
        quota = {"a": per_cell, "b": per_cell, "c": per_cell if has_phone else 0, "d": per_cell}
        if not has_phone:  # hand kind c's share to a, b, d
            extra = per_cell
            for k in ("a", "b", "d"):
                quota[k] += extra // 3
            quota["a"] += extra - 3 * (extra // 3)
        picks = []
        # c first (the rarest), then a (half "different names", half any), b, d
        picks += [(p, "c") for p in draw(rng, pools["c"], quota["c"], used)]
        half = quota["a"] // 2
        picks += [(p, "a") for p in draw(rng, pools["a_diff"], half, used)]
        picks += [(p, "a") for p in draw(rng, pools["a_any"], quota["a"] - half, used)]
        picks += [(p, "b") for p in draw(rng, pools["b"], quota["b"], used)]
        picks += [(p, "d") for p in draw(rng, pools["d"], quota["d"], used)]
        print(f"{label}: A={len(A)} B={len(B)} pools="
              + ", ".join(f"{k}:{len(v)}" for k, v in pools.items())
              + f" drawn={len(picks)}", file=sys.stderr)
        for (i, j), kind in picks:
            out.append((label, A[i], B[j], kind))
    rows = []
    for n, (_label, a, b, kind) in enumerate(out, start=1):
        row = {"pair_id": f"p{n:04d}", "file_a": a["file"], "line_a": a["line"],
               "file_b": b["file"], "line_b": b["line"], "kind": kind}
        for side, r in (("a", a), ("b", b)):
            for k in ("name", "name2", "street", "city", "state", "zip", "phone"):
                row[f"{k}_{side}"] = r[k]
        rows.append(row)
    return rows


def assign_split(rows, tune_share: float = 0.4, seed: int = SEED):
    """Stratified by kind: a seeded tune_share of each kind gets "tune", the rest "holdout"."""
    rng = random.Random(seed)
    bykind = defaultdict(list)
    for r in rows:
        bykind[r["kind"]].append(r)
    for kind in sorted(bykind):
        group = sorted(bykind[kind], key=lambda r: r["pair_id"])
        tune = set(id(r) for r in rng.sample(group, round(tune_share * len(group))))
        for r in group:
            r["split"] = "tune" if id(r) in tune else "holdout"
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="output CSV (default stdout)")
    ap.add_argument("--per-cell", type=int, default=20,
                    help="pairs per (file pair, kind) cell (default 20 -> 400 pairs)")
    ap.add_argument("--split", metavar="LABELLED_CSV",
                    help="instead of drawing: (re)assign the seeded, kind-stratified 40/60 "
                         "tune/holdout split to an already labelled CSV, rewriting it in place")
    args = ap.parse_args(argv)
    if args.split:
        with open(args.split, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            fields = list(reader.fieldnames)
            rows = assign_split(list(reader))
        if "split" not in fields:
            fields.append("split")
        with open(args.split, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
        print(f"split assigned to {len(rows)} rows", file=sys.stderr)
        return
    rows = build(args.per_cell)
    fh = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout
    w = csv.DictWriter(fh, fieldnames=COLUMNS)
    w.writeheader()
    w.writerows(rows)
    if args.out:
        fh.close()
    print(f"{len(rows)} pairs", file=sys.stderr)


if __name__ == "__main__":
    main()
