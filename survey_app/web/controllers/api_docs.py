"""The API's description, for logged-in staff only: the OpenAPI document at
``/schema/openapi.json`` and a page at ``/schema`` that reads it.

The page is ours, rendered on the server from the same document: Litestar's own viewers load
their scripts from a CDN, which the Content-Security-Policy (and good sense) rules out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.response import Template

from survey_app.web.auth import SESSION_COOKIE, roles
from survey_app.web.rendering import page

OPENAPI_JSON_PATH = "/schema/openapi.json"
STAFF = roles("specialist", "researcher", "admin")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


# Answers for logged-in staff only: no browser or proxy keeps a copy.
NO_STORE = CacheControlHeader(no_store=True)


def openapi_config() -> OpenAPIConfig:
    """Litestar's OpenAPI settings: only the JSON document is served, behind the staff guard."""
    return OpenAPIConfig(
        title="mestring API",
        version="1",
        description=(
            "Read-only JSON API for job specialists and researchers. Log in at /login; the API uses the same"
            " session cookie as the pages, and the same roles decide who sees what."
        ),
        use_handler_docstrings=True,
        components=Components(
            security_schemes={
                "staffSession": SecurityScheme(
                    type="apiKey",
                    name=SESSION_COOKIE,
                    security_scheme_in="cookie",
                    description="The session cookie the login page sets.",
                )
            }
        ),
        # The document at the router's own path ("/"); the router guards it like a staff page.
        render_plugins=[JsonRenderPlugin(path="/")],
        openapi_router=Router(
            path=OPENAPI_JSON_PATH,
            route_handlers=[],
            guards=[STAFF],
            include_in_schema=False,
            cache_control=NO_STORE,
        ),
    )


@dataclass(frozen=True)
class TypePart:
    """A piece of a type written out: ``text``, linked to the data type ``ref`` if set."""

    text: str
    ref: str | None = None


@dataclass(frozen=True)
class Field:
    name: str
    type: list[TypePart]
    required: bool
    description: str


@dataclass(frozen=True)
class Outcome:
    status: str
    meaning: str
    media_type: str | None
    body: list[TypePart]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Field]
    outcomes: list[Outcome]
    login_required: bool


@dataclass(frozen=True)
class DataType:
    name: str
    description: str
    fields: list[Field]


def type_parts(schema: dict[str, Any]) -> list[TypePart]:
    """A JSON Schema as short notation: ``Name``, ``Name[]``, ``string (date) | null``, ``{string: integer}``."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return [TypePart(name, name)]
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives:
        parts: list[TypePart] = []
        for alternative in alternatives:
            parts += [TypePart(" | ")] if parts else []
            parts += type_parts(alternative)
        return parts
    kind = schema.get("type")
    if isinstance(kind, list):
        return type_parts({"oneOf": [{**schema, "type": one} for one in kind]})
    if kind == "array":
        return [*type_parts(schema.get("items", {})), TypePart("[]")]
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict) and not schema.get("properties"):
        return [TypePart("{string: "), *type_parts(schema["additionalProperties"]), TypePart("}")]
    if kind is None:
        return [TypePart("any")]
    return [TypePart(f"{kind} ({schema['format']})" if "format" in schema else kind)]


def _fields(schema: dict[str, Any]) -> list[Field]:
    required = set(schema.get("required", ()))
    return [
        Field(name, type_parts(prop), name in required, prop.get("description", ""))
        for name, prop in schema.get("properties", {}).items()
    ]


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation of an OpenAPI document, in the document's order."""
    found = []
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            outcomes = []
            for status, response in sorted(operation.get("responses", {}).items()):
                media_type, content = next(iter(response.get("content", {}).items()), (None, {}))
                body = type_parts(content["schema"]) if "schema" in content else []
                outcomes.append(Outcome(status, response.get("description", ""), media_type, body))
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    description=operation.get("description", ""),
                    parameters=[
                        Field(
                            f"{p['name']} ({p['in']})",
                            type_parts(p.get("schema", {})),
                            p.get("required", False),
                            p.get("description", ""),
                        )
                        for p in operation.get("parameters", [])
                    ],
                    outcomes=outcomes,
                    login_required=bool(operation.get("security", document.get("security"))),
                )
            )
    return found


def data_types(document: dict[str, Any]) -> list[DataType]:
    schemas = document.get("components", {}).get("schemas", {})
    return [DataType(name, schema.get("description", ""), _fields(schema)) for name, schema in sorted(schemas.items())]


class ApiDocsController(Controller):
    path = "/schema"
    guards = [STAFF]

    @get("/", name="api-docs")
    async def docs(self, request: Request) -> Template:
        document = request.app.openapi_schema.to_schema()
        return page(
            request,
            "staff/api_docs.html",
            info=document["info"],
            operations=operations(document),
            data_types=data_types(document),
            document_url=OPENAPI_JSON_PATH,
        )

    @get("/{rest:path}", name="api-docs-elsewhere")
    async def elsewhere(self) -> None:
        """Nothing else is here (Litestar's viewers at /schema/swagger and the like are gone), but
        the guard answers first: an anonymous visitor is sent to the login as on any staff page."""
        raise NotFoundException()
