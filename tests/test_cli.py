"""Admin commands and scripts: export round trip, stats, reindex, and scripts run as processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from directory.db import db
from directory.export import export_csv
from directory.loader import import_file
from directory.models import Provider
from tests.conftest import REPO, SAMHSA, make_app


def provider_rows(app: Flask) -> set[tuple]:  # type: ignore[type-arg]
    with app.app_context():
        return {
            (
                p.name,
                p.name2,
                p.street,
                p.city,
                p.state,
                p.zip,
                round(p.latitude, 5),
                round(p.longitude, 5),
                p.codes,
                tuple(ph["number"] for ph in p.phones),
            )
            for p in db.session.scalars(select(Provider).where(Provider.status == "active"))
        }


def test_csv_export_imports_back_to_the_same_providers(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        import_file(SAMHSA / "locator-api-2019-charlottesville.json")
        import_file(SAMHSA / "locator-export-2022-residential-ed.csv")
        n = export_csv(tmp_path / "out.csv")
    other = make_app(tmp_path / "other")
    with other.app_context():
        report = import_file(tmp_path / "out.csv")
    assert report.format == "csv" and report.added == n and report.rejected == 0
    assert provider_rows(other) == provider_rows(app)


def test_stats_and_reindex_commands(app: Flask) -> None:
    with app.app_context():
        import_file(SAMHSA / "nssats-2017-directory-otp.csv")
    runner = app.test_cli_runner()
    stats = json.loads(runner.invoke(args=["directory", "stats", "--json"]).output)
    assert stats["providers"] > 1000 and stats["index"]["in_step"]
    assert (
        stats["by_tag"]["type=detox"] >= 600
        and stats["by_source"]["nssats-2017-directory-otp"] > 1000
    )
    assert "in step" in runner.invoke(args=["directory", "stats"]).output
    assert runner.invoke(args=["directory", "reindex"]).output.startswith("indexed ")


def test_scripts_run_as_processes(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SECRET_KEY": "x",
        "DATABASE_URL": f"sqlite:///{tmp_path}/s.sqlite3",
        "INDEX_DIR": str(tmp_path / "index"),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True
        )

    ok = run(
        "scripts/import_providers.py",
        str(SAMHSA / "locator-api-2019-charlottesville.json"),
        "--json",
        "--report",
        str(tmp_path / "r.csv"),
    )
    assert ok.returncode == 0, ok.stderr
    assert (
        json.loads(ok.stdout.strip().splitlines()[-1])["added"] > 0
        and (tmp_path / "r.csv").exists()
    )
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    refused = run("scripts/import_providers.py", str(empty))
    assert refused.returncode == 2 and "REFUSED" in refused.stderr and "empty" in refused.stderr
    out = tmp_path / "export.csv"
    assert (
        run("scripts/export_providers.py", str(out)).returncode == 0
        and out.read_text().count("\n") > 20
    )
    assert run("scripts/reindex.py").stdout.startswith("indexed ")


def test_stats_say_how_far_the_type_of_care_filters_reach(national_app: Flask) -> None:
    s = json.loads(
        national_app.test_cli_runner().invoke(args=["directory", "stats", "--json"]).output
    )["services"]
    assert (
        s["providers"] > 25_000 and s["share_with_type_of_care"] >= 0.40
    )  # 6.8 % before the new sources
    assert s["with_type_of_care"] >= max(s["by_type"].values()) and set(s["by_type"]) == {
        "inpatient",
        "outpatient",
        "detox",
        "detox-24-hour",
        "detox-outpatient",
        "dual-diagnosis",
    }
    # Detox by level of care: each level is a part of all detox.
    by_type = s["by_type"]
    levels = (by_type["detox-24-hour"], by_type["detox-outpatient"])
    assert sum(levels) >= by_type["detox"] // 2 and max(levels) < by_type["detox"]
    assert s["largest_cities"] == 50
    assert (
        s["cities_with_detox_within_25_miles"] + len(s["cities_without_detox_within_25_miles"])
        == 50
    )


def test_a_dry_run_script_with_no_database_creates_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from directory import config
    from directory.cli import run_command

    monkeypatch.setattr(config, "REPO_ROOT", tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    mine = tmp_path / "mine.csv"
    mine.write_text(
        "id,name,street,city,state,zip,phone,tags\n"
        "1,Hope House,1 Main St,Waterbury,CT,06708,not a phone,detox; moonbeams\n"
    )
    with pytest.raises(SystemExit) as done:
        run_command("import", [str(mine), "--dry-run", "--json"])
    assert done.value.code in (0, None)
    assert (tmp_path / "instance" / "config.py").exists()  # a key for forms, written for the admin
    assert not list(tmp_path.rglob("*.sqlite3"))
    out = capsys.readouterr().out
    assert json.loads(out.strip().splitlines()[-1])["added"] == 1
    assert (
        "warnings:" in out
        and "mine.csv:2: tags: unknown tag 'moonbeams'" in out
        and "mine.csv:2: phone:" in out
    )
