"""The OpenAPI 3.1 description of the JSON API, built from the taxonomy so filter enums never
drift."""

from __future__ import annotations

import copy
from typing import Any

from .search.needs import UNDERSTOOD_SCHEMA
from .search.params import search_parameters
from .taxonomy import Taxonomy

NULLABLE_STR = {"type": ["string", "null"]}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


LANG_PARAMETER = {
    "name": "lang",
    "in": "query",
    "description": "Language of labels and messages: en or es (otherwise Accept-Language chooses; "
    "English by default). Keys, codes and data never change.",
    "schema": {"type": "string", "enum": ["en", "es"]},
}


def _search_parameters(tax: Taxonomy, config: dict[str, Any]) -> list[dict[str, Any]]:
    """The search parameters as ``parse_query`` reads them (``search_parameters``)."""
    out = []
    for p in search_parameters(tax, config).values():
        param: dict[str, Any] = {"name": p.name, "in": "query"}
        if p.repeated:
            param |= {"style": "form", "explode": True}
        if p.help:
            param["description"] = p.help
        out.append(param | {"schema": copy.deepcopy(p.schema)})  # the declarations stay as read
    return out


def _schemas(tax: Taxonomy) -> dict[str, Any]:
    tags = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            g.key: {
                "type": "array",
                "items": {"type": "string", "enum": [o.key for o in g.options]},
            }
            for g in tax.groups
        },
    }
    facets = {
        "type": "object",
        "required": [g.key for g in tax.groups],
        "additionalProperties": False,
        "properties": {
            g.key: {
                "type": "object",
                "additionalProperties": False,
                "required": [o.key for o in g.options],
                "properties": {o.key: {"type": "integer", "minimum": 0} for o in g.options},
            }
            for g in tax.groups
        },
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["status", "message", "parameter"],
                    "properties": {
                        "status": {"type": "integer"},
                        "message": {"type": "string"},
                        "parameter": NULLABLE_STR,
                        "choices": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Place"},
                        },
                    },
                }
            },
        },
        "Place": {
            "type": "object",
            "required": ["name", "latitude", "longitude", "precision"],
            "properties": {
                "name": {"type": "string"},
                "latitude": {"type": "number"},
                "longitude": {"type": "number"},
                "precision": {
                    "type": "string",
                    "enum": ["point", "address", "zip", "city", "state"],
                },
                "state": {"type": "string"},
                "radius_miles": {"type": ["number", "null"]},
            },
        },
        "Phone": {
            "type": "object",
            "required": ["number", "extension"],
            "properties": {
                "number": {"type": "string", "pattern": r"^\d{3}-\d{3}-\d{4}$"},
                "extension": NULLABLE_STR,
                "kind": {
                    "type": "string",
                    "enum": ["main", "intake"],
                    "description": "main: the listing's number; intake: its line for new clients.",
                },
            },
        },
        "Provider": {
            "type": "object",
            "required": ["id", "name", "latitude", "longitude", "phones", "tags", "url", "updated"],
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "name2": NULLABLE_STR,
                "street": NULLABLE_STR,
                "street2": NULLABLE_STR,
                "city": NULLABLE_STR,
                "state": NULLABLE_STR,
                "zip": NULLABLE_STR,
                "latitude": {"type": "number"},
                "longitude": {"type": "number"},
                "location_precision": {
                    "type": "string",
                    "enum": ["exact", "address", "zip", "city"],
                    "description": "How exact the coordinates are: anything but exact is the "
                    "centre of the ZIP code or city (an approximate location).",
                },
                "kind": {
                    "type": "string",
                    "enum": ["facility", "prescriber"],
                    "description": "facility: a treatment facility; prescriber: a clinician who "
                    "prescribes buprenorphine (never given a facility's services).",
                },
                "also_listed_as": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Other names its sources give (former names, program names).",
                },
                "not_in_directory": {
                    "type": ["string", "null"],
                    "description": "The date of SAMHSA's newest national directory when it does "
                    "not list this facility (it may have closed: call to check), else null.",
                },
                "distance_miles": {"type": "number", "minimum": 0},
                "phones": {"type": "array", "items": {"$ref": "#/components/schemas/Phone"}},
                "website": NULLABLE_STR,
                "tags": tags,
                "codes": {"type": "array", "items": {"type": "string"}},
                "url": {"type": "string", "format": "uri"},
                "updated": {"type": "string", "format": "date"},
                "status": {"type": "string", "enum": ["active", "retired"]},
                "as_of": {
                    "type": ["string", "null"],
                    "description": "Date of the newest source (its own date, "
                    "not the day it was imported): '2015', '2022-05-25'.",
                },
                "sources": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}},
                "licences": {"type": "array", "items": {"$ref": "#/components/schemas/Licence"}},
            },
        },
        "Source": {
            "type": "object",
            "required": ["name", "as_of", "role", "services", "fields"],
            "properties": {
                "name": {"type": "string"},
                "label": NULLABLE_STR,
                "as_of": NULLABLE_STR,
                "role": {"type": "string", "enum": ["primary", "enrich"]},
                "services": {"type": "array", "items": {"type": "string"}},
                "overruled": {"type": "array", "items": {"type": "string"}},
                "fields": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Licence": {
            "type": "object",
            "required": ["authority", "status"],
            "properties": {
                "authority": {"type": "string"},
                "number": NULLABLE_STR,
                "kind": NULLABLE_STR,
                "expires": {"type": ["string", "null"], "format": "date"},
                "status": {"type": "string", "enum": ["current", "expired", "unknown"]},
                "capacity": {"type": ["integer", "null"]},
                "program": NULLABLE_STR,
                "source": NULLABLE_STR,
                "as_of": NULLABLE_STR,
            },
        },
        "SearchResults": {
            "type": "object",
            "required": [
                "total",
                "page",
                "per_page",
                "results",
                "facets",
                "location",
                "services_unknown",
            ],
            "properties": {
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1},
                "pages": {"type": "integer", "minimum": 1},
                "sort": {"type": "string", "enum": ["distance", "relevance", "name"]},
                "results": {"type": "array", "items": {"$ref": "#/components/schemas/Provider"}},
                "facets": facets,
                "location": {"oneOf": [{"$ref": "#/components/schemas/Place"}, {"type": "null"}]},
                "did_you_mean": NULLABLE_STR,
                "notices": {"type": "array", "items": {"type": "string"}},
                "services_unknown": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Places in the same area and text query that list no type of "
                    "care and so are not in these results; `unlisted=1` shows them.",
                },
                "understood": {"oneOf": [UNDERSTOOD_SCHEMA, {"type": "null"}]},
                "suggestions": {
                    "type": "object",
                    "description": "When nothing matches (or a need finds nothing here): "
                    "searches that would find something, with their totals.",
                    "properties": {
                        "radius": {"type": ["object", "null"]},
                        "drop_filters": {"type": "array"},
                        "spelling": NULLABLE_STR,
                        "finds_nothing": {
                            "type": "array",
                            "description": "Chosen options that find nothing here on their own.",
                            "items": {
                                "type": "object",
                                "required": ["group", "option"],
                                "properties": {
                                    "group": {"type": "string"},
                                    "option": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
        "HSDSPage": {
            "type": "object",
            "required": [
                "total_items",
                "total_pages",
                "page_number",
                "size",
                "first_page",
                "last_page",
                "empty",
                "contents",
            ],
            "properties": {
                "total_items": {"type": "integer", "minimum": 0},
                "total_pages": {"type": "integer"},
                "page_number": {"type": "integer"},
                "size": {"type": "integer"},
                "first_page": {"type": "boolean"},
                "last_page": {"type": "boolean"},
                "empty": {"type": "boolean"},
                "contents": {"type": "array", "items": {"type": "object"}},
            },
        },
        "Taxonomy": {
            "type": "object",
            "required": ["groups"],
            "properties": {
                "groups": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["key", "label", "options"],
                        "properties": {
                            "key": {"type": "string"},
                            "label": {"type": "string"},
                            "description": {"type": "string"},
                            "options": {
                                "type": "array",
                                "items": {"type": "object", "required": ["key", "label", "codes"]},
                            },
                        },
                    },
                }
            },
        },
    }


HSDS_LISTS = {
    "services": "Services (one per provider), as HSDS 3.0 service objects.",
    "organizations": "Organizations (one per provider).",
    "service_at_locations": "Services at their locations.",
    "taxonomies": "The SAMHSA code taxonomy and this directory's treatment taxonomy.",
    "taxonomy_terms": "Terms of both taxonomies (treatment types, settings, … and SAMHSA codes).",
}


def hsds_paths() -> dict[str, Any]:
    """The Open Referral HSDS 3.0 endpoints (see the HSDS API description for the objects)."""
    string = {"type": "string", "maxLength": 200}
    search_params = [
        {"name": "search", "in": "query", "schema": string, "description": "Words to search for."},
        {
            "name": "taxonomy_term_id",
            "in": "query",
            "style": "form",
            "explode": True,
            "schema": {"type": "array", "items": string},
            "description": "Term ids or codes such as `type:detox`.",
        },
        {"name": "taxonomy_id", "in": "query", "schema": string},
        {"name": "organization_id", "in": "query", "schema": string},
        {"name": "postcode", "in": "query", "schema": {"type": "string", "pattern": r"^\d{5}$"}},
        {
            "name": "proximity",
            "in": "query",
            "schema": {"type": "number", "exclusiveMinimum": 0},
            "description": "Metres around the postcode (HSDS).",
        },
        {"name": "lat", "in": "query", "schema": {"type": "number", "minimum": -90, "maximum": 90}},
        {
            "name": "lon",
            "in": "query",
            "schema": {"type": "number", "minimum": -180, "maximum": 180},
        },
        {
            "name": "radius",
            "in": "query",
            "schema": {"type": "number", "minimum": 1},
            "description": "Miles (not HSDS).",
        },
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {"name": "full_service", "in": "query", "schema": {"type": "boolean"}},
    ]
    page = {
        "description": "An HSDS Page.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HSDSPage"}}},
    }
    one = {
        "description": "One HSDS object.",
        "content": {"application/json": {"schema": {"type": "object", "required": ["id"]}}},
    }
    errors = {
        "400": _error_response("A parameter is not valid; `parameter` names it."),
        "429": _error_response("Too many requests; see Retry-After."),
    }
    paths: dict[str, Any] = {}
    for name, summary in HSDS_LISTS.items():
        params = (
            search_params
            if name in {"services", "organizations", "service_at_locations"}
            else [
                p
                for p in search_params
                if p["name"] in {"search", "taxonomy_id", "page", "per_page"}
            ]
        )
        paths[f"/api/hsds/{name}"] = {
            "get": {
                "operationId": f"hsds_list_{name}",
                "summary": summary,
                "tags": ["HSDS"],
                "parameters": params,
                "responses": {"200": page, **errors},
            }
        }
        paths[f"/api/hsds/{name}/{{id}}"] = {
            "get": {
                "operationId": f"hsds_get_{name}",
                "summary": f"One of {name}.",
                "tags": ["HSDS"],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": string}],
                "responses": {
                    "200": one,
                    "404": _error_response("No object with that id."),
                    **errors,
                },
            }
        }
    return paths


def openapi_document(
    tax: Taxonomy, config: dict[str, Any], extra_paths: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document for this API."""
    common = {
        "400": _error_response("A parameter is not valid; `parameter` names it."),
        "429": _error_response("Too many requests; see Retry-After."),
    }
    paths: dict[str, Any] = {
        "/api/v1/providers": {
            "get": {
                "operationId": "searchProviders",
                "summary": "Search providers by text, place and filters.",
                "parameters": [*_search_parameters(tax, config), LANG_PARAMETER],
                "responses": {
                    "200": {
                        "description": "Results with facets.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SearchResults"}
                            }
                        },
                    },
                    **common,
                },
            }
        },
        "/api/v1/providers/{id}": {
            "get": {
                "operationId": "getProvider",
                "summary": "One provider by its permanent id.",
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "maxLength": 200},
                    },
                    LANG_PARAMETER,
                ],
                "responses": {
                    "200": {
                        "description": "The provider.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Provider"}
                            }
                        },
                    },
                    "404": _error_response("No provider with that id."),
                    **common,
                },
            }
        },
        "/api/v1/taxonomy": {
            "get": {
                "operationId": "getTaxonomy",
                "summary": "Filter groups and options, with their SAMHSA codes.",
                "parameters": [LANG_PARAMETER],
                "responses": {
                    "200": {
                        "description": "The taxonomy.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Taxonomy"}
                            }
                        },
                    },
                    **common,
                },
            }
        },
    }
    paths.update(hsds_paths())
    paths.update(extra_paths or {})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Treatment Finder API",
            "version": "1.0.0",
            "description": "Read-only search over US addiction treatment providers "
            "(SAMHSA public data). Errors are JSON with the status, a message and the parameter "
            "at fault.",
            "license": {"name": "Data: public domain (SAMHSA)", "identifier": "CC0-1.0"},
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": _schemas(tax)},
    }
