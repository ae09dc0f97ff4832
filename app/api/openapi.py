"""A registry of endpoint descriptions, assembled into an OpenAPI 3 document."""
from __future__ import annotations

_paths: dict[str, dict] = {}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "fields"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    }}},
}


def doc(path: str, method: str, summary: str, *, roles: str = "any", body: dict | None = None,
        responses: dict[int, str] | None = None, params: list[dict] | None = None, public: bool = False):
    """Describe an endpoint (OpenAPI path syntax, e.g. ``/competitions/{id}``)."""
    def decorator(func):
        operation = {
            "summary": summary,
            "description": f"Who: {roles}.",
            "operationId": func.__name__,
            "responses": {},
        }
        for status, text in (responses or {200: "OK"}).items():
            operation["responses"][str(status)] = {"description": text,
                                                   "content": {"application/json": {"schema": {"type": "object"}}}}
        for status, text in {400: "Malformed request", 401: "Not authenticated", 403: "Forbidden",
                             404: "Not found", 422: "Validation failed"}.items():
            operation["responses"].setdefault(str(status), {
                "description": text,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
        if public:
            operation["security"] = []
            for status in ("401", "403", "404"):
                operation["responses"].pop(status, None)
        if body is not None:
            operation["requestBody"] = {"required": True,
                                        "content": {"application/json": {"schema": body}}}
        parameters = list(params or [])
        for name in _path_params(path):
            parameters.append({"name": name, "in": "path", "required": True, "schema": {"type": "integer"}})
        if parameters:
            operation["parameters"] = parameters
        _paths.setdefault(path, {})[method.lower()] = operation
        return func
    return decorator


def _path_params(path: str) -> list[str]:
    import re
    return re.findall(r"{(\w+)}", path)


PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
]


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Science-intensive territories platform API", "version": "1.0.0"},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
        "security": [{"bearer": []}],
        "paths": dict(sorted(_paths.items())),
    }


def documented() -> dict[str, dict]:
    return _paths
