"""Admin commands: thin shells over plain functions.

Run as ``flask --app wsgi directory …`` and by ``scripts/*.py``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .bundle import load_bundle
from .db import db
from .importers import FORMATS
from .loader import OUTCOMES, ImportOptions, ImportReport, import_file
from .models import ProblemReport, Provider
from .search.upkeep import ensure_index, reindex
from .stats import stats

SHOWN = 20  # problems of each kind printed; --report writes them all
group = AppGroup("directory", help="Import, index and inspect the directory's data.")


def _count_lines(path: Path) -> int | None:
    """Data lines of a CSV file, about (quoted cells may span lines): the progress bar's total."""
    try:
        with path.open("rb") as f:
            return max(
                0, sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) - 1
            )
    except OSError:
        return None


def print_summary(report: ImportReport) -> None:
    click.echo(
        f"\n{report.file} ({report.format or 'unknown format'}, source {report.source!r})"
        f"{' — DRY RUN, nothing written' if report.dry_run else ''}"
    )
    if report.refused:
        click.echo(f"REFUSED: {report.refused}", err=True)
        for p in report.problems[:1]:
            click.echo(f"  {report.file}:{p.line}: {p.reason}", err=True)
        return
    for key in ("rows", *OUTCOMES, "retired", "warnings"):
        click.echo(f"  {key:<10} {getattr(report, key):>8,}")
    for severity, what in (
        ("error", "rejected rows"),
        ("unmatched", "unmatched rows"),
        ("warning", "warnings"),
        ("skipped", "skipped rows"),
    ):
        found = [p for p in report.problems if p.severity == severity]
        if found:
            click.echo(f"  {what}:")
        for p in found[:SHOWN]:
            click.echo(f"  {report.file}:{p.line}: {p.field + ': ' if p.field else ''}{p.reason}")
        if len(found) > SHOWN:
            click.echo(f"  … and {len(found) - SHOWN:,} more {what} (see --report)")
    click.echo(f"  took {report.seconds:.1f} s")


# -- commands --------------------------------------------------------------------------------------
@group.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format", "fmt", default="auto", show_default=True, type=click.Choice(["auto", *FORMATS])
)
@click.option(
    "--map",
    "map_file",
    type=click.Path(exists=True, path_type=Path),
    help="Mapping file for other layouts.",
)
@click.option("--source", help="Name of the source (default: the file's name without extension).")
@click.option("--dry-run", is_flag=True, help="Check and count everything, write nothing.")
@click.option("--strict", is_flag=True, help="Refuse the whole file if any row is bad.")
@click.option(
    "--replace", is_flag=True, help="Retire this source's providers that the file no longer lists."
)
@click.option(
    "--add-code", "add_codes", multiple=True, help="A service code every row of the file has."
)
@click.option(
    "--source-date", default="", help="When the source data was published (e.g. 2021-06)."
)
@click.option(
    "--enrich",
    is_flag=True,
    help="Only add services (and a missing phone or website) to providers already "
    "listed; never add providers. For old lists: places that closed do not come back.",
)
@click.option(
    "--directory",
    "is_directory",
    is_flag=True,
    help="The file is a national directory, a full list of its year (give --source-date): "
    "listed places it lacks are shown as not in it and rank after the places it lists.",
)
@click.option(
    "--service-detail",
    type=click.Choice(["full", "partial"]),
    default=None,
    help="Whether the file lists every service a place offers (full: a missing one means no).",
)
@click.option(
    "--geocode",
    type=click.Choice(["offline", "online"]),
    default="offline",
    show_default=True,
    help="How rows without coordinates are placed.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    help="Write a per-line CSV report here.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary as the last line.")
@with_appcontext
def import_command(
    path: Path,
    fmt: str,
    map_file: Path | None,
    source: str | None,
    dry_run: bool,
    strict: bool,
    replace: bool,
    add_codes: tuple[str, ...],
    source_date: str,
    enrich: bool,
    is_directory: bool,
    service_detail: str | None,
    geocode: str,
    report_path: Path | None,
    as_json: bool,
) -> None:
    """Import providers from PATH (a file, or an HSDS CSV package folder)."""
    if geocode == "online":
        from .geocode import make_resolver

        current_app.extensions["place_resolver"] = make_resolver(
            {**current_app.config, "GEOCODER": "nominatim"}
        )
    bar = None
    if sys.stderr.isatty() and not as_json:
        from tqdm import tqdm

        total = _count_lines(path) if path.suffix.lower() == ".csv" else None  # for "time left"
        bar = tqdm(unit=" rows", desc=path.name, file=sys.stderr, total=total)
    try:
        options = ImportOptions(
            fmt=fmt,
            source=source,
            map_file=map_file,
            dry_run=dry_run,
            strict=strict,
            replace=replace,
            add_codes=add_codes,
            source_date=source_date,
            enrich=enrich,
            directory=is_directory,
            service_detail=service_detail or "",
        )
        report = import_file(path, options, progress=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    if report_path:
        report.write_csv(report_path)
    print_summary(report)
    if as_json:
        click.echo(json.dumps(report.as_dict()))
    if report.refused:
        sys.exit(2)


@group.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from the database (built aside, swapped in atomically)."""
    click.echo(f"indexed {reindex()} providers")


@group.command("stats")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def stats_command(as_json: bool) -> None:
    """Show counts by tag, state and source, and whether the index is in step with the database."""
    s = stats()
    if as_json:
        click.echo(json.dumps(s))
        return
    click.echo(f"active providers: {s['providers']:,}   retired: {s['retired']:,}")
    click.echo(
        "index: "
        + ("in step" if s["index"]["in_step"] else "OUT OF STEP (run `directory reindex`)")
        + f"  (index {s['index']['index_documents']:,} docs v{s['index']['index_version']}, "
        f"database {s['index']['database_providers']:,} v{s['index']['database_version']})"
    )
    sv = s["services"]
    click.echo(
        f"type of care listed: {sv['with_type_of_care']:,} of {sv['providers']:,} active providers "
        f"({sv['share_with_type_of_care']:.1%}); "
        + ", ".join(f"{k} {v:,}" for k, v in sv["by_type"].items())
    )
    click.echo(
        f"detox within 25 miles: {sv['cities_with_detox_within_25_miles']} of the "
        f"{sv['largest_cities']} largest US cities"
        + (
            f" (not: {'; '.join(sv['cities_without_detox_within_25_miles'])})"
            if sv["cities_without_detox_within_25_miles"]
            else ""
        )
    )
    for title, key in (
        ("by kind", "by_kind"),
        ("by year of the newest source", "by_newest_source_year"),
    ):
        click.echo(f"\n{title}:")
        for k, c in s["coverage"][key].items():
            n = c["listings"]
            click.echo(
                f"  {k:<16} {n:>7,} listings; type of care {c['with_type_of_care'] / n:6.1%} "
                f"(from 2022 on {c['type_of_care_from_2022_on'] / n:6.1%}), "
                f"phone {c['with_phone'] / n:6.1%}, "
                f"not in the newest directory {c['not_in_newest_directory']:,}"
            )
    for title, key in (
        ("by source", "by_source"),
        ("by tag", "by_tag"),
        ("by location precision", "by_location_precision"),
        ("by state", "by_state"),
    ):
        click.echo(f"\n{title}:")
        for k, v in s[key].items():
            click.echo(f"  {k:<40} {v:>8,}")


@group.command("load-bundle")
@with_appcontext
def load_bundle_command() -> None:
    """Import the bundled real SAMHSA data (what `make run` does on first start)."""
    load_bundle(Path(current_app.config["DATA_DIR"]), echo=click.echo)


@group.command("ensure-index")
@with_appcontext
def ensure_index_command() -> None:
    """Rebuild the index only if it is missing or out of step with the database."""
    click.echo("index rebuilt" if ensure_index() else "index in step")


@group.command("reports")
@click.option("--all", "show_all", is_flag=True, help="Include closed reports.")
@click.option("--close", "close_id", type=int, help="Mark report ID as dealt with.")
@with_appcontext
def reports_command(show_all: bool, close_id: int | None) -> None:
    """List visitors' problem reports for admins to review."""
    if close_id is not None:
        r = db.session.get(ProblemReport, close_id)
        if r is None:
            raise click.ClickException(f"no report {close_id}")
        r.status = "closed"
        db.session.commit()
        click.echo(f"closed report {close_id}")
        return
    q = select(ProblemReport, Provider).join(Provider).order_by(ProblemReport.id)
    if not show_all:
        q = q.where(ProblemReport.status == "open")
    rows = db.session.execute(q).all()
    for r, p in rows:
        click.echo(
            f"#{r.id} {r.created_at:%Y-%m-%d %H:%M} [{r.status}] {p.public_id} {p.name} "
            f"— {r.kind}: {r.message}"
        )
    click.echo(f"{len(rows)} report(s)")


@group.command("export")
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "hsds"]), default="csv", show_default=True
)
@with_appcontext
def export_command(out: Path, fmt: str) -> None:
    """Export active providers as the project's CSV (a file) or an HSDS 3.0 package (a folder)."""
    from .export import export_csv, export_hsds

    n = export_csv(out) if fmt == "csv" else export_hsds(out)
    click.echo(f"exported {n} providers to {out}")


def init_app(app: Flask) -> None:
    app.cli.add_command(group)


def run_command(name: str, args: list[str]) -> None:
    """Run one ``directory`` command from a script, with the app built the usual way."""
    from flask.cli import ScriptInfo

    from . import create_app
    from .config import REPO_ROOT, ensure_instance_config

    instance = REPO_ROOT / "instance"
    ensure_instance_config(instance)
    overrides: dict[str, Any] | None = None
    if (
        "--dry-run" in args
        and not os.environ.get("DATABASE_URL")
        and not (instance / "directory.sqlite3").exists()
    ):
        # A dry run writes nothing: with no database yet, check against an empty one in memory.
        import tempfile

        overrides = {
            "DATABASE_URL": "sqlite://",
            "INDEX_DIR": tempfile.mkdtemp(prefix="dry-run-index-"),
        }

    def make() -> Flask:
        if overrides:
            import runpy

            secret = runpy.run_path(str(instance / "config.py")).get("SECRET_KEY")
            return create_app({"SECRET_KEY": secret, **overrides})
        return create_app()

    command = group.get_command(None, name)  # type: ignore[arg-type]
    assert command is not None, name
    command.main(args=args, prog_name=f"scripts/{name}", obj=ScriptInfo(create_app=make))
