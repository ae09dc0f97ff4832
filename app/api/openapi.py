"""The OpenAPI 3 document, generated from the code: each endpoint declares itself with ``@doc`` and names
the marshmallow schemas of its body and of its answer; apispec's marshmallow plugin turns those schemas
(the same ones the services validate with) into JSON Schema, so the document cannot drift from what the
API accepts. Error answers share one documented shape."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

_operations: dict[str, dict[str, dict]] = {}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "fields"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    }}},
}
ERRORS = {400: "Malformed request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found",
          422: "Validation failed"}


def doc(path: str, method: str, summary: str, *, roles: str = "any", body=None, responses: dict | None = None,
        params: list[dict] | None = None, public: bool = False):
    """Describe an endpoint (OpenAPI path syntax, e.g. ``/competitions/{id}``). ``body`` is a marshmallow
    schema (class or instance) or a JSON Schema dict; each ``responses`` value is a description, or a
    ``(description, schema)`` pair for an answer with a body."""
    def decorator(func):
        operation = {"summary": summary, "description": f"Who: {roles}.", "operationId": func.__name__,
                     "responses": {}}
        for status, answer in (responses or {200: "OK"}).items():
            text, schema = answer if isinstance(answer, tuple) else (answer, {"type": "object"})
            entry = {"description": text}
            if status != 204:
                entry["content"] = {"application/json": {"schema": schema}}
            operation["responses"][str(status)] = entry
        for status, text in ERRORS.items():
            operation["responses"].setdefault(str(status), {
                "description": text, "content": {"application/json": {"schema": "Error"}}})
        if public:
            operation["security"] = []
            for status in ("401", "403", "404"):
                operation["responses"].pop(status, None)
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        parameters = list(params or [])
        for name in re.findall(r"{(\w+)}", path):
            parameters.append({"name": name, "in": "path", "required": True,
                               "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}})
        if parameters:
            operation["parameters"] = parameters
        _operations.setdefault(path, {})[method.lower()] = operation
        return func
    return decorator


PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
]


def _schema_name(resolver_schema) -> str:
    cls = resolver_schema if isinstance(resolver_schema, type) else type(resolver_schema)
    name = cls.__name__.removesuffix("Schema") or cls.__name__
    partial = not isinstance(resolver_schema, type) and getattr(resolver_schema, "partial", False)
    return f"{name}Partial" if partial else name


def _map_custom_fields(plugin: MarshmallowPlugin) -> None:
    """The platform's own input fields, as the JSON types a client sends."""
    from app.competitions import schemas as competitions
    from app.core import schemas as core
    from app.matching import schemas as matching
    for field, openapi in ((core.Int, ("integer", None)), (core.Number, ("number", None)),
                           (core.Money, ("number", None)), (core.Share, ("number", None)),
                           (core.Flag, ("boolean", None)), (core.Moment, ("string", "date-time")),
                           (core.Identifier, ("string", None)), (core.Localized, ("object", None)),
                           (competitions.Region, ("string", None)), (competitions.Territory, ("string", None)),
                           (competitions.Priority, ("integer", None)), (competitions.DocumentCode, ("string", None)),
                           (competitions.Keywords, ("array", None)), (competitions.EvidenceLevel, ("string", None)),
                           (matching.TextList, ("array", None)), (matching.OptionalTRL, ("integer", None))):
        plugin.map_to_openapi_type(field, *openapi)


def document() -> dict:
    import copy
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(title="Science-intensive territories platform API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[plugin], servers=[{"url": "/api/v1"}], security=[{"bearer": []}])
    _map_custom_fields(plugin)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR_SCHEMA)
    for path in sorted(_operations):
        spec.path(path=path, operations=copy.deepcopy(_operations[path]))
    return spec.to_dict()


def documented() -> dict[str, dict]:
    return _operations
