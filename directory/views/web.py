"""Pages for people: home, search results and their map, provider pages, guides, about."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, gettext, lazy_gettext
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from .. import calllist
from ..db import db
from ..guides import load_guides
from ..i18n import came_from_outside, page_language, preferred_language, url_in
from ..listing import Listing, dropped_from
from ..models import ProblemReport, Provider, directory_date, provider_by_path_id
from ..present import (
    address_line,
    filter_panel,
    filters_in_force,
    phone_href,
    phone_text,
    provider_urls,
    service_sources,
    source_title,
    tag_groups,
    words_in_force,
)
from ..provenance import PRECISION_RANK, contributions, licences, newest_date, source_labels
from ..quality import card_signs, signs_of, snapshot_vocabulary
from ..resultmap import render_svg
from ..search.params import number_param, parse_query, text_param
from ..search.service import find_providers, nearby
from ..search.snapshot import snapshot
from ..security import limiter
from ..taxonomy import Taxonomy

bp = Blueprint("web", __name__)

REPORT_KINDS = [
    ("", lazy_gettext("Choose one…")),
    ("closed", lazy_gettext("This place has closed")),
    ("phone", lazy_gettext("The phone number is wrong")),
    ("address", lazy_gettext("The address is wrong")),
    ("services", lazy_gettext("The services listed are wrong")),
    ("other", lazy_gettext("Something else")),
]


class ReportForm(FlaskForm):
    # No reason is chosen for the reader: the first choice is empty, and required.
    kind = SelectField(
        lazy_gettext("What is wrong?"),
        choices=[SelectChoice(value, label) for value, label in REPORT_KINDS],
        validators=[DataRequired(message=lazy_gettext("Please choose what is wrong."))],
    )
    message = TextAreaField(
        lazy_gettext("Details (optional). Please do not include health information."),
        validators=[Length(max=2000)],
    )


@bp.app_template_filter("long_date")
def long_date(value: str | date) -> str:
    """'2027-10-31' (or a date) → 'October 31, 2027' in the page's language; other text as it is."""
    try:
        d = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return str(format_date(d, format="long"))


@bp.app_template_filter("translated_from")
def translated_from(key: str, words: dict[str, str]) -> str:
    """``key``'s words in the page's language, from a table the template made with ``_()``."""
    return words.get(key, key)


@bp.app_context_processor
def helpers() -> dict[str, object]:
    tax = current_app.extensions["taxonomy"]
    return {
        "taxonomy": tax,
        "phone_href": phone_href,
        "phone_text": phone_text,
        "address_line": address_line,
        "tag_groups": tag_groups,
        "card_signs": card_signs,
        "source_title": source_title,
        "filter_fields": lambda q, r: filter_fields(tax, q, r),
        "card_body": card_body,
        "calllist_href": calllist_href,
    }


def calllist_href(ids: list[str]) -> str:
    """The call list page holding ``ids``: what ``url_for('web.calllist', ids=...)`` gives, with
    the route built once a request rather than once a card."""
    base = g.get("_calllist_url")
    if base is None:
        base = g._calllist_url = url_for("web.calllist")
    return f"{base}?{urlencode({'ids': ','.join(ids)}, safe=URL_SAFE)}" if ids else base


URL_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unquoted in the query strings it builds


CARD_BODIES = 10_000  # card bodies kept per snapshot and process (about a kilobyte each)


def card_body(listing: Listing) -> Markup:
    """The lines of a result card that depend only on the listing and the page's language
    (phone, website, services, signs of quality; ``_card_body.html``), rendered the first time a
    search shows it and kept with the snapshot: a card cost more than the rest of a page."""
    known = g.get("_card_bodies")
    if known is None:
        known = g._card_bodies = snapshot().lazily("card-bodies", lambda _: {})
    key = (page_language(), listing.id)
    found = known.get(key)
    if found is not None and found[0] is listing:  # (a listing of an older snapshot: afresh)
        return found[1]  # type: ignore[no-any-return]
    html = Markup(
        current_app.jinja_env.get_template("_card_body.html").render(
            p=listing, card_signs=card_signs, phone_href=phone_href, phone_text=phone_text
        )
    )
    if len(known) >= CARD_BODIES:
        known.clear()
    known[key] = (listing, html)
    return html


def filter_fields(tax: Taxonomy, query: Any, results: Any) -> Markup:
    """The filter panel's groups of check boxes, each option with its count. A panel holds about a
    hundred options: their markup, in the page's language, is made once per taxonomy and language
    (``_filter_pieces``), and a search only joins the pieces with its counts and choices."""
    places, pieces = tax.derived(f"filter-pieces-{page_language()}", _filter_pieces)
    out: list[str] = []
    for group, options in filter_panel(tax, query, results):
        head, tail, of_option = pieces[group.key]
        out.append(head)
        for option, n, on in options:
            before, after = of_option[option.key]
            count = (
                ""
                if n is None
                else f' <span class="count">({n:,}<span class="sr"> {places}</span>)</span>'
            )
            out.append(f"{before}{' checked' if on else ''}{after}{count}</label>\n")
        out.append(tail)
    return Markup("".join(out))


def _filter_pieces(tax: Taxonomy) -> tuple[str, dict[str, Any]]:
    """The word after a count ("places"), and by group its opening and closing markup and each
    option's up to and after ``checked``."""
    pieces: dict[str, Any] = {}
    for group in tax.groups:
        described = f' aria-describedby="note-{escape(group.key)}"' if group.note else ""
        note = (
            f'<p class="hint" id="note-{escape(group.key)}">{escape(gettext(group.note))}</p>\n'
            if group.note
            else ""
        )
        pieces[group.key] = (
            f"<fieldset{described}>\n<legend>{escape(gettext(group.label))}</legend>\n",
            f"{note}</fieldset>\n",
            {
                o.key: (
                    f'<label class="check"><input type="checkbox" name="{escape(group.key)}" '
                    f'value="{escape(o.key)}"',
                    f"> {escape(gettext(o.label))}",
                )
                for o in group.options
            },
        )
    return escape(gettext("places")), pieces


@bp.app_context_processor
def call_list() -> dict[str, object]:
    """The call list the address carries (no script: ``list`` on a search, ``ids`` on the list
    page), for the navigation's count and the cards' save links."""
    name = "ids" if request.endpoint == "web.calllist" else "list"
    return {
        "saved_ids": calllist.parse_ids(request.args, name, strict=False),
        "call_list_max": calllist.MAX_PLACES,
    }


def _guides() -> tuple[Any, ...]:
    return load_guides(current_app.config["DATA_DIR"], page_language())


@bp.get("/")
def home():  # type: ignore[no-untyped-def]
    # Only where a visit starts does the browser's language choose: a link within the site, or any
    # other address, keeps the language it is in.
    if page_language() == "en" and came_from_outside() and preferred_language() == "es":
        response = redirect(url_in("es", "/"), 302)
    else:
        response = current_app.make_response(
            render_template("home.html", guides=_guides(), providers=len(snapshot().catalog))
        )
    response.vary.add("Accept-Language")
    return response


@bp.get("/search")
def search():  # type: ignore[no-untyped-def]
    tax = current_app.extensions["taxonomy"]
    query = parse_query(request.args, tax, current_app.config)
    calllist.parse_ids(request.args, "list")  # the call list a search carries: a 400 if bad
    results = find_providers(query) if (query.q or query.has_location or query.filters) else None
    hits = results.hits if results else []
    cards = list(zip(hits, provider_urls([h.listing.path_id for h in hits])))
    in_force = filters_in_force(tax, results.query, url_for("web.search")) if results else []
    words = words_in_force(results, url_for("web.search")) if results else []
    return render_template(
        "search.html",
        query=query,
        results=results,
        cards=cards,
        in_force=in_force,
        words_in_force=words,
    )


@bp.get("/search/map.svg")
def search_map():  # type: ignore[no-untyped-def]
    """The page of results as a map: the search circle, town names and numbered markers (an
    image, no script); a listing placed only by its ZIP or town gets a hollow marker."""
    query = parse_query(request.args, current_app.extensions["taxonomy"], current_app.config)
    results = find_providers(query)
    place = results.location
    if place is None:
        abort(404)
    first = (results.query.page - 1) * results.query.per_page + 1
    points = [
        (
            str(first + i),
            h.listing.latitude,
            h.listing.longitude,
            h.listing.geo_precision != "exact",
        )
        for i, h in enumerate(results.hits)
    ]
    near = place.precision != "state"
    width = number_param(request.args, "w", int, 200, 1000) or 640
    height = number_param(request.args, "h", int, 200, 1000) or 400
    svg = render_svg(
        (place.latitude, place.longitude) if near else None,
        results.query.radius if near else None,
        points,
        width=width,
        height=height,
        legend_words=(
            gettext("approximate location (ZIP or town area)"),
            gettext("approximate location"),
        ),
    )
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


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
        dropped=dropped_from(p, directory_date()) if p.status == "active" else "",
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
        "signs": signs_of(p.sources, snapshot_vocabulary(snapshot())),
    }


def _report_limit() -> str:
    return current_app.config["REPORT_RATE_LIMIT"]  # type: ignore[no-any-return]


@bp.post("/providers/<path_id>/report")
@limiter.limit(_report_limit, methods=["POST"])
def report(path_id: str):  # type: ignore[no-untyped-def]
    p = _provider_or_404(path_id)
    form = ReportForm()
    if not form.validate_on_submit():
        html = render_template(
            "provider.html", p=p, nearby=[], form=form, back="", **_provenance(p)
        )
        return html, 400
    db.session.add(
        ProblemReport(provider_id=p.id, kind=form.kind.data, message=form.message.data or "")
    )
    db.session.commit()
    # Shown inside the report section, which the redirect scrolls to: what the reader sees.
    flash(gettext("Thank you. We will check this listing."), "report")
    return redirect(url_for("web.provider", path_id=p.path_id) + "#report", 303)


@bp.get("/guides/")
def guides():  # type: ignore[no-untyped-def]
    return render_template("guides.html", guides=_guides())


@bp.get("/guides/<slug>")
def guide(slug: str):  # type: ignore[no-untyped-def]
    all_guides = _guides()
    g = next((g for g in all_guides if g.slug == slug), None)
    if g is None:
        abort(404)
    # The guide's words stand in the search box, ready to change; its filters ride along hidden.
    query = parse_query(MultiDict(g.search), current_app.extensions["taxonomy"], current_app.config)
    hidden = [(k, v) for k, v in g.search if k != "q"]
    return render_template("guide.html", guide=g, guides=all_guides, query=query, hidden=hidden)


@bp.get("/list", endpoint="calllist")
def calllist_page():  # type: ignore[no-untyped-def]
    """A call list, from the ids in the address: the server keeps nothing and sees no notes."""
    ids = calllist.parse_ids(request.args, "ids")
    places, gone = calllist.find_places(ids)
    chosen = calllist.parse_ids(request.args, "compare")
    compared = calllist.compare(places, chosen, current_app.extensions["taxonomy"])
    response = current_app.make_response(
        render_template(
            "list.html",
            ids=ids,
            places=places,
            gone=gone,
            compared=compared,
            chosen=chosen,
            back=text_param(request.args, "back", 2000) or _search_left(),
            # The address the reader's browser used (not SERVER_NAME's), to paste anywhere.
            share=request.host_url.rstrip("/") + url_for("web.calllist", ids=",".join(ids) or None),
        )
    )
    # Whose list this is, is nobody else's business: not kept by shared caches or sent onward.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _search_left() -> str:
    """The query of the search this page was reached from (our own results page, as the browser's
    same-origin referrer says), without its call list: where "Back to your search" leads."""
    came = urlsplit(request.referrer or "")
    if came.netloc != request.host or came.path != url_for("web.search"):
        return ""
    return urlencode([(k, v) for k, v in parse_qsl(came.query) if k != "list"])[:2000]


@bp.get("/about")
def about():  # type: ignore[no-untyped-def]
    reviewed = max((g.reviewed for g in _guides() if g.reviewed), default=None)
    return render_template("about.html", guides_reviewed=reviewed)
