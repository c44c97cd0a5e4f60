"""The OpenAPI 3.1 document at /api/openapi.json, assembled from the operations each API module
declares next to its routes (their request and response JSON Schemas are the ones the routes
validate and answer with), and from the product lines' own schemas. Nothing here is written by
hand twice: change a route's schema and the document changes with it.

The audit proof routes (app/api/audit.py) declare no schemas of their own, so theirs are here,
describing what those routes return."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, jsonify

from app.auth.access import public

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
TEXT = "text/plain"
BEARER = "bearerToken"

HEX_HASH: dict[str, Any] = {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "SHA-256, lowercase hex."}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document. Validation failures list every field that is wrong in `errors`.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["pointer", "detail"],
                "properties": {
                    "pointer": {"type": "string", "description": "RFC 6901 JSON Pointer into the request body."},
                    "detail": {"type": "string"},
                },
            },
        },
    },
}

PROBLEM_DESCRIPTIONS = {
    400: "The request could not be read: malformed JSON or a bad query parameter.",
    401: "No API token, or one that does not work.",
    403: "The API token's scope does not allow this.",
    404: "Nothing is known by that name.",
    409: "It cannot be done as things stand; `detail` says why and what to do instead.",
    413: "The request body is larger than we accept.",
    415: "The request body is not application/json.",
    422: "The request is well-formed but wrong; `errors` says where and why.",
    429: "Too many requests from this address; wait and try again.",
    503: "The comparison could not be recorded, so it is not shown; try again.",
}


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "path" or "query"
    schema: Mapping[str, Any]
    description: str
    required: bool = False

    def as_openapi(self) -> dict[str, Any]:
        return {"name": self.name, "in": self.location, "required": self.required or self.location == "path",
                "description": self.description, "schema": dict(self.schema)}


@dataclass(frozen=True)
class Body:
    """A response body: its media type and schema, and the headers that come with it."""

    description: str
    schema: Mapping[str, Any] | None = None
    media_type: str = JSON
    headers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def as_openapi(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"description": self.description}
        if self.schema is not None:
            answer["content"] = {self.media_type: {"schema": dict(self.schema)}}
        if self.headers:
            answer["headers"] = {name: dict(header) for name, header in self.headers.items()}
        return answer


def problem_body(status: int) -> Body:
    return Body(PROBLEM_DESCRIPTIONS[status], {"$ref": "#/components/schemas/Problem"}, PROBLEM_JSON)


@dataclass(frozen=True)
class Operation:
    """One route as the document describes it. `scopes` None: anyone; an empty tuple: anyone, and
    a token changes what is returned; else a token of one of the scopes is required."""

    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    responses: Mapping[int, Body]
    scopes: tuple[str, ...] | None = None
    parameters: Sequence[Parameter] = ()
    request_schema: Mapping[str, Any] | None = None
    problems: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()

    def as_openapi(self) -> dict[str, Any]:
        statuses = set(self.problems)
        if self.scopes:
            statuses |= {401, 403}
        elif self.scopes is not None:
            statuses.add(401)  # a token that is sent must work
        responses = {str(status): body.as_openapi() for status, body in sorted(self.responses.items())}
        for status in sorted(statuses):
            responses[str(status)] = problem_body(status).as_openapi()
        operation: dict[str, Any] = {
            "operationId": self.operation_id,
            "summary": self.summary,
            "description": self.description,
            "tags": list(self.tags),
            "responses": responses,
        }
        if self.scopes is None:
            operation["security"] = [{}]
        elif not self.scopes:
            operation["security"] = [{}, {BEARER: []}]
        else:
            operation["security"] = [{BEARER: []}]
            operation["description"] += f"\n\nNeeds an API token with the {' or '.join(self.scopes)} scope."
        if self.parameters:
            operation["parameters"] = [parameter.as_openapi() for parameter in self.parameters]
        if self.request_schema is not None:
            operation["requestBody"] = {"required": True, "content": {JSON: {"schema": dict(self.request_schema)}}}
        return operation


def embeddable(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A standalone JSON Schema made fit to sit inside the document: its own `$schema` and `$id`
    would make it a separate resource with its own base URI."""
    return {key: value for key, value in schema.items() if key not in ("$schema", "$id")}


# --- The audit proof routes (app/api/audit.py) -----------------------------------------------

_INDEX = {"type": "integer", "minimum": 0}
_WHOLE = {"type": "string", "pattern": "^[0-9]+$"}

AUDIT_ENTRIES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["entries", "tree_size", "next"],
    "properties": {
        "entries": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "leaf", "leaf_hash"],
                "properties": {
                    "index": _INDEX,
                    "leaf": {"type": "string", "contentEncoding": "base64",
                             "description": "The entry's leaf bytes: RFC 8785 canonical JSON."},
                    "leaf_hash": HEX_HASH,
                    "time": {"type": "string"},
                    "kind": {"type": "string"},
                    "reference": {"type": ["string", "null"]},
                },
            },
        },
        "tree_size": _INDEX,
        "next": {"type": ["integer", "null"], "minimum": 0, "description": "`start` of the next page, or null."},
    },
}
INCLUSION_PROOF_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["index", "tree_size", "leaf_hash", "inclusion_path"],
    "properties": {"index": _INDEX, "tree_size": {"type": "integer", "minimum": 1}, "leaf_hash": HEX_HASH,
                   "inclusion_path": {"type": "array", "items": HEX_HASH}},
}
CONSISTENCY_PROOF_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["first", "second", "consistency_path"],
    "properties": {"first": _INDEX, "second": _INDEX, "consistency_path": {"type": "array", "items": HEX_HASH}},
}


def _query(name: str, description: str, *, required: bool = False, minimum: int = 0,
           maximum: int | None = None) -> Parameter:
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum}
    if maximum is not None:
        schema["maximum"] = maximum
    return Parameter(name, "query", schema, description, required=required)


AUDIT_OPERATIONS: tuple[Operation, ...] = (
    Operation("get", "/api/v1/audit/entries", "listAuditEntries", "Log entries with their leaf bytes",
              "Entries from index `start`, in append order, each with its leaf bytes in base64.",
              {200: Body("A page of entries.", AUDIT_ENTRIES_SCHEMA)}, scopes=("compliance",),
              parameters=(_query("start", "The first index (default 0)."),
                          _query("limit", "At most this many entries (default 100).", minimum=1, maximum=1000)),
              problems=(400,), tags=("audit",)),
    Operation("get", "/api/v1/audit/checkpoint", "getCheckpoint", "The latest signed checkpoint",
              "The latest C2SP tlog-checkpoint signed note (Ed25519), with every witness cosignature of it "
              "(C2SP tlog-cosignature, cosignature/v1) stored so far; the log is signed as it is now first "
              "if it has grown since.",
              {200: Body("A signed note.", {"type": "string"}, TEXT)}, scopes=("compliance",), tags=("audit",)),
    Operation("get", "/api/v1/audit/verifier-key", "getVerifierKey", "The checkpoints' verifier key",
              "The public key in the signed-note verifier-key form, name+hash+base64. After a signing-key "
              "rotation the keys that signed earlier checkpoints follow, one a line, newest first; the first "
              "line is always the latest key.",
              {200: Body("A verifier key.", {"type": "string"}, TEXT)}, scopes=("compliance",), tags=("audit",)),
    Operation("get", "/api/v1/audit/proofs/inclusion", "getInclusionProof", "An RFC 9162 inclusion proof",
              "Proves that the entry at `index` is in the tree of size `tree_size`.",
              {200: Body("The proof.", INCLUSION_PROOF_SCHEMA)}, scopes=("compliance",),
              parameters=(_query("index", "The entry's index.", required=True),
                          _query("tree_size", "The size of the tree.", required=True, minimum=1)),
              problems=(400,), tags=("audit",)),
    Operation("get", "/api/v1/audit/proofs/consistency", "getConsistencyProof", "An RFC 9162 consistency proof",
              "Proves that the tree of size `first` is a prefix of the tree of size `second`.",
              {200: Body("The proof.", CONSISTENCY_PROOF_SCHEMA)}, scopes=("compliance",),
              parameters=(_query("first", "The smaller tree size.", required=True),
                          _query("second", "The larger tree size.", required=True)),
              problems=(400,), tags=("audit",)),
)

DOCUMENT_OPERATION = Operation(
    "get", "/api/openapi.json", "getOpenApiDocument", "This document",
    "The OpenAPI 3.1 description of the API, generated from the code.",
    {200: Body("The document.", {"type": "object"})}, tags=("meta",))


def build_document(operations: Iterable[Operation]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method] = operation.as_openapi()
    return {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Candor API",
            "version": API_VERSION,
            "description": (
                "Comparisons ranked on what fits the customer best, the product lines' schemas, and proofs "
                "that the recommendation log is complete and unaltered. Errors are application/problem+json "
                "(RFC 9457). See docs/api.md."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": {"Problem": PROBLEM_SCHEMA},
            "securitySchemes": {
                BEARER: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from 'flask tokens create --scope advisor|compliance'.",
                },
            },
        },
    }


def document_blueprint(operations: Sequence[Operation]) -> Blueprint:
    """The blueprint serving the document built from `operations` (and its own route)."""
    bp = Blueprint("openapi", __name__)
    document = build_document([*operations, DOCUMENT_OPERATION])

    @bp.get("/api/openapi.json")
    @public
    def openapi_document():  # type: ignore[no-untyped-def]
        return jsonify(document)

    return bp
