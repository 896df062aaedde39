"""Pages for people: home, search results, provider pages, guides, about."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..db import db
from ..guides import load_guides
from ..models import ProblemReport, Provider, provider_by_path_id
from ..present import (
    address_line,
    filter_panel,
    phone_href,
    phone_text,
    provider_urls,
    service_sources,
    tag_groups,
)
from ..provenance import PRECISION_RANK, contributions, licences, newest_date, source_labels
from ..search.params import parse_query
from ..search.service import find_providers, nearby
from ..search.snapshot import snapshot
from ..security import limiter

bp = Blueprint("web", __name__)

REPORT_KINDS = [
    ("closed", "This place has closed"),
    ("phone", "The phone number is wrong"),
    ("address", "The address is wrong"),
    ("services", "The services listed are wrong"),
    ("other", "Something else"),
]


class ReportForm(FlaskForm):
    kind = SelectField(
        "What is wrong?",
        choices=[SelectChoice(v, label) for v, label in REPORT_KINDS],
        validators=[DataRequired()],
    )
    message = TextAreaField(
        "Details (optional). Please do not include health information.",
        validators=[Length(max=2000)],
    )


@bp.app_template_filter("long_date")
def long_date(value: str | date) -> str:
    """'2027-10-31' (or a date) → 'October 31, 2027'; other text as it is."""
    try:
        d = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{d.strftime('%B')} {d.day}, {d.year}"


@bp.app_context_processor
def helpers() -> dict[str, object]:
    return {
        "taxonomy": current_app.extensions["taxonomy"],
        "phone_href": phone_href,
        "phone_text": phone_text,
        "address_line": address_line,
        "tag_groups": tag_groups,
        "filter_panel": lambda q, r: filter_panel(current_app.extensions["taxonomy"], q, r),
    }


@bp.get("/")
def home():  # type: ignore[no-untyped-def]
    return render_template(
        "home.html",
        guides=load_guides(current_app.config["DATA_DIR"]),
        providers=len(snapshot().catalog),
    )


@bp.get("/search")
def search():  # type: ignore[no-untyped-def]
    query = parse_query(request.args, current_app.extensions["taxonomy"], current_app.config)
    results = find_providers(query) if (query.q or query.has_location or query.filters) else None
    hits = results.hits if results else []
    cards = list(zip(hits, provider_urls([h.listing.path_id for h in hits])))
    return render_template("search.html", query=query, results=results, cards=cards)


def _provider_or_404(path_id: str) -> Provider:
    provider = provider_by_path_id(path_id)
    if provider is None:
        abort(404)
    return provider


@bp.get("/providers/<path_id>")
def provider(path_id: str):  # type: ignore[no-untyped-def]
    p = _provider_or_404(path_id)
    if path_id != p.path_id:
        return redirect(url_for("web.provider", path_id=p.path_id), 301)
    return render_template(
        "provider.html",
        p=p,
        nearby=nearby(p) if p.status == "active" else [],
        form=ReportForm(),
        back=request.args.get("back", ""),
        **_provenance(p),
    )


def _provenance(p: Provider) -> dict[str, object]:
    """What the provider page says about where its facts come from."""
    tax = current_app.extensions["taxonomy"]
    labels = source_labels(current_app.config["DATA_DIR"])
    reported_by = service_sources(p, tax, labels)
    distinct = {tuple(v) for v in reported_by.values()}
    return {
        "contribs": contributions(p.sources, PRECISION_RANK),
        "labels": labels,
        "licences": licences(p.sources),
        "reported_by": reported_by,
        "as_of": newest_date(p.sources),
        # One source for every service: say so once instead of under each service.
        "services_from": "; ".join(distinct.pop()) if len(distinct) == 1 else "",
    }


def _report_limit() -> str:
    return current_app.config["REPORT_RATE_LIMIT"]


@bp.post("/providers/<path_id>/report")
@limiter.limit(_report_limit, methods=["POST"])
def report(path_id: str):  # type: ignore[no-untyped-def]
    p = _provider_or_404(path_id)
    form = ReportForm()
    if not form.validate_on_submit():
        return render_template(
            "provider.html", p=p, nearby=[], form=form, back="", **_provenance(p)
        ), 400
    db.session.add(
        ProblemReport(provider_id=p.id, kind=form.kind.data, message=form.message.data or "")
    )
    db.session.commit()
    flash("Thank you. We will check this listing.")
    return redirect(url_for("web.provider", path_id=p.path_id) + "#report", 303)


@bp.get("/guides/")
def guides():  # type: ignore[no-untyped-def]
    return render_template("guides.html", guides=load_guides(current_app.config["DATA_DIR"]))


@bp.get("/guides/<slug>")
def guide(slug: str):  # type: ignore[no-untyped-def]
    all_guides = load_guides(current_app.config["DATA_DIR"])
    g = next((g for g in all_guides if g.slug == slug), None)
    if g is None:
        abort(404)
    return render_template("guide.html", guide=g, guides=all_guides)


@bp.get("/about")
def about():  # type: ignore[no-untyped-def]
    return render_template("about.html")
