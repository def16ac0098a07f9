"""The HTTP API reference page, written from the service's OpenAPI document.

The documentation build renders it (``reference/http-api.md``) beside the document itself
(``reference/openapi.json``), so the page cannot drift from what the service answers.

>>> from zjj_medical.store import SQLiteStore
>>> from zjj_medical.service import create_app
>>> store = SQLiteStore(":memory:")
>>> page = api_page(create_app(store).openapi())
>>> "### `POST /v1/settle`" in page, "`SettlementInput`" in page
(True, True)
>>> store.close()
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["api_page"]


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _schema_name(content: dict[str, Any]) -> str:
    """The component a body refers to, as a link to its section ("" when none)."""
    for media, item in content.items():
        ref = item.get("schema", {}).get("$ref", "")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            return f"[`{name}`](#{name.lower()}) (`{media}`)"
    return ""


def _operation(path: str, method: str, op: dict[str, Any]) -> list[str]:
    out = [f"### `{method.upper()} {path}`", "", op.get("summary", ""), ""]
    out.append("Needs a bearer token." if op.get("security") else "No token needed.")
    out.append("")
    params = op.get("parameters", [])
    if params:
        out += ["| parameter | in | required | description |", "| --- | --- | --- | --- |"]
        for p in params:
            required = "yes" if p.get("required") else "no"
            out.append(f"| `{p['name']}` | {p['in']} | {required} | "
                       f"{_cell(p.get('description', ''))} |")  # fmt: skip
        out.append("")
    body = op.get("requestBody")
    if body:
        out += [f"Request body: {_schema_name(body.get('content', {}))}", ""]
    out += ["| status | meaning | body |", "| --- | --- | --- |"]
    for status, response in op.get("responses", {}).items():
        what = _schema_name(response.get("content", {}))
        out.append(f"| {status} | {_cell(response.get('description', ''))} | {what} |")
    return [*out, ""]


def api_page(doc: dict[str, Any]) -> str:
    """The reference page of an OpenAPI document: every operation, then every schema."""
    out = [
        "# HTTP API (OpenAPI)",
        "",
        "This page is generated when the documentation is built, from the OpenAPI document",
        "the service itself serves at `/openapi.json`; the document is also here:",
        "[openapi.json](openapi.json). Errors are problem details (RFC 9457); their `code`",
        "is one of the [error codes](errors.md). How to call it:",
        "[Integrate a HIS over HTTP](../how-to/his-http.md).",
        "",
        f"OpenAPI {doc['openapi']}, {doc['info']['title']}, version {doc['info']['version']}.",
        "",
        "## Operations",
        "",
    ]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            out += _operation(path, method, op)
    out += ["## Schemas", ""]
    for name, schema in doc["components"]["schemas"].items():
        text = json.dumps(schema, ensure_ascii=False, indent=2)
        out += [f"### {name}", "", f'??? note "{name}"', "", "    ```json"]
        out += ["    " + line for line in text.splitlines()]
        out += ["    ```", ""]
    return "\n".join(out) + "\n"
