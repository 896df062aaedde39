"""The JSON API: the same search as the pages, plus providers by id and the taxonomy."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, request
from flask_babel import gettext

from ..errors import DirectoryError
from ..models import provider_by_path_id
from ..present import provider_detail_json, results_json
from ..provenance import source_labels
from ..search.params import parse_query
from ..search.service import find_providers
from ..security import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)


def json_response(payload: Any, status: int = 200, max_age: int = 60) -> Response:
    """A JSON response with an ETag (answering If-None-Match with 304) and caching headers."""
    body = orjson.dumps(
        payload, option=orjson.OPT_SERIALIZE_NUMPY
    )  # compact UTF-8, ~10x the stdlib's speed
    if status != 200:
        return Response(body, status=status, mimetype="application/json")
    etag = hashlib.sha256(body).hexdigest()[:32]
    headers = {"ETag": f'"{etag}"', "Cache-Control": f"public, max-age={max_age}"}
    if request.if_none_match.contains_weak(etag):  # what the client holds is still right
        return Response(status=304, headers=headers)
    return Response(body, status=200, mimetype="application/json", headers=headers)


@bp.after_request
def cors(response: Response) -> Response:
    origins = current_app.config["CORS_ORIGINS"]
    if origins:
        origin = request.headers.get("Origin", "")
        allowed = [o.strip() for o in origins.split(",")]
        if "*" in allowed:
            response.headers["Access-Control-Allow-Origin"] = "*"
        elif origin in allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Expose-Headers"] = (
            "ETag, Retry-After, X-RateLimit-Remaining"
        )
    return response


@bp.get("/v1/providers")
def providers():  # type: ignore[no-untyped-def]
    tax = current_app.extensions["taxonomy"]
    query = parse_query(request.args, tax, current_app.config)
    res = find_providers(query)
    if res.location_error:
        err = DirectoryError(res.location_error, 400, "near")
        payload = err.as_dict()
        payload["error"]["choices"] = [p.as_dict() for p in res.choices]
        return json_response(payload, 400)
    return json_response(results_json(res, tax))


@bp.get("/v1/providers/<provider_id>")
def provider(provider_id: str):  # type: ignore[no-untyped-def]
    p = provider_by_path_id(provider_id)
    if p is None:
        raise DirectoryError(f"No provider with id {provider_id[:40]!r}.", 404, "id")
    labels = source_labels(current_app.config["DATA_DIR"])
    return json_response(provider_detail_json(p, current_app.extensions["taxonomy"], labels))


@bp.get("/v1/taxonomy")
def taxonomy():  # type: ignore[no-untyped-def]
    tax = current_app.extensions["taxonomy"]
    return json_response(
        {
            "groups": [
                {
                    "key": g.key,
                    "label": gettext(g.label),
                    "description": gettext(g.description),
                    "options": [
                        {
                            "key": o.key,
                            "label": gettext(o.label),
                            "description": gettext(o.description),
                            "codes": sorted(o.codes),
                            "code_names": {c: tax.code_label(c) for c in sorted(o.codes)},
                        }
                        for o in g.options
                    ],
                }
                for g in tax.groups
            ]
        },
        max_age=3600,
    )


@bp.get("/")
def docs():  # type: ignore[no-untyped-def]
    """A readable page about the API, served from this site."""
    from flask import render_template

    return render_template("api.html", taxonomy=current_app.extensions["taxonomy"])


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    """The OpenAPI 3.1 description of this API."""
    from ..openapi import openapi_document

    return json_response(
        openapi_document(current_app.extensions["taxonomy"], current_app.config), max_age=3600
    )
