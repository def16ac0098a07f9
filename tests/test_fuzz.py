"""Fuzzing every reader: the JSON contract document, JSON Lines through the command line,
policy YAML text, reform overlays, and claims/people tables (CSV, Parquet, data frames).

The invariant: a typed :class:`~zjj_medical.errors.ReimbursementError` (for tables also the
``ValueError`` the API documents), or a result — never anything else, never a traceback.

The budget is fixed so that this file runs in well under a minute in the default suite;
``ZJJ_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py`` runs a longer campaign (the
number is the examples of each test). Every crasher found is kept below as an explicit
case (``test_known_crashers_*``).
"""

from __future__ import annotations

import json
import os
import re
import string
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategies import person_years
from zjj_medical.analysis.reform import apply_reform
from zjj_medical.batch import simulate, simulate_file
from zjj_medical.cli import cli
from zjj_medical.contract.documents import settle_document
from zjj_medical.errors import ReimbursementError
from zjj_medical.policy import parse_policy
from zjj_medical.policy.yamlio import read_policy_text

#: Examples per test: small by default (the whole file under a minute).
EXAMPLES = int(os.environ.get("ZJJ_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
SCHEMAS = Path(__file__).parent.parent / "src" / "zjj_medical" / "contract"
MINIMAL = (Path(__file__).parent / "fixtures" / "policies" / "minimal.yaml").read_text("utf-8")

#: Any JSON value, a few levels deep.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid person-year document, then some of its values replaced by any JSON value."""
    person, claims = draw(person_years(max_claims=3))
    doc: dict[str, Any] = {"person": person, "claims": claims, "ledger": None}
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from(["person", "claim", "facility", "doc"]))
        obj = {"person": person, "doc": doc}.get(target)
        if obj is None:
            claim = draw(st.sampled_from(claims))
            obj = (
                claim if target == "claim" or not isinstance(claim, dict) else claim.get("facility")
            )
        if not isinstance(obj, dict) or not obj:  # replaced by an earlier round
            continue
        key = draw(st.one_of(st.sampled_from(sorted(obj)), st.text(max_size=6)))
        obj[key] = draw(json_values)
    return doc


def from_schema(
    schema: dict[str, Any], root: dict[str, Any] | None = None
) -> st.SearchStrategy[Any]:
    """Values a JSON Schema (the subset the shipped schemas use: ``$ref``, ``anyOf``,
    ``type``, ``enum``, ``properties``, ``required``, ``additionalProperties``, ``items``,
    ``pattern``, ``minLength``, ``minimum``, ``maximum``) accepts.

    hypothesis-jsonschema would do this, but its latest release fails on the Hypothesis
    this suite runs (``'many' object has no attribute 'more'``).
    """
    root = root or schema
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return st.deferred(lambda: from_schema(root["$defs"][name], root))
    if "anyOf" in schema and len(schema) > 1:
        # alternatives that add constraints to the object around them (required keys)
        base = {k: v for k, v in schema.items() if k != "anyOf"}
        merged = []
        for alt in schema["anyOf"]:
            props = dict(base.get("properties", {}))
            for key, sub in alt.get("properties", {}).items():
                props[key] = {**props.get(key, {}), **sub}
            required = [*base.get("required", []), *alt.get("required", [])]
            merged.append({**base, **alt, "properties": props, "required": required})
        return st.one_of([from_schema(m, root) for m in merged])
    if "anyOf" in schema:
        return st.one_of([from_schema(s, root) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kinds = schema.get("type", ["null", "boolean", "string", "number", "array", "object"])
    if isinstance(kinds, list):
        return st.one_of([from_schema({**schema, "type": k}, root) for k in kinds])
    if kinds == "null":
        return st.none()
    if kinds == "boolean":
        return st.booleans()
    if kinds == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.text(min_size=schema.get("minLength", 0), max_size=12)
    if kinds in ("number", "integer"):
        low, high = schema.get("minimum"), schema.get("maximum")
        if "exclusiveMinimum" in schema:
            low = schema["exclusiveMinimum"] + 1  # whole steps above it
        ints = st.integers(low, None if high is None else int(high))
        if kinds == "integer":
            return ints
        low_d, high_d = (None if v is None else Decimal(str(v)) for v in (low, high))
        return ints | st.decimals(low_d, high_d, places=2, allow_nan=False, allow_infinity=False)
    if kinds == "array":
        items = schema.get("items")
        return st.lists(
            json_values if items is None else from_schema(items, root),
            min_size=schema.get("minItems", 0),
            max_size=max(3, schema.get("minItems", 0)),
        )
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    extra = schema.get("additionalProperties", True)

    @st.composite
    def objects(draw: st.DrawFn) -> dict[str, Any]:
        out = {}
        for key, sub in props.items():
            if key in required or draw(st.booleans()):
                out[key] = draw(from_schema(sub, root))
        if extra is not False:
            more = from_schema(extra, root) if isinstance(extra, dict) else json_values
            names = st.text(max_size=8).filter(lambda k: k not in props)
            out.update(draw(st.dictionaries(names, more, max_size=2)))
        return out

    return objects()


def mutated(text: bytes, draw: st.DrawFn) -> bytes:
    """``text`` with a few bytes inserted, dropped or replaced."""
    data = bytearray(text)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "drop", "replace"]))
        chunk = draw(st.binary(min_size=1, max_size=4))
        if op == "insert":
            data[at:at] = chunk
        elif op == "drop":
            del data[at : at + len(chunk)]
        else:
            data[at : at + len(chunk)] = chunk
    return bytes(data)


def settles_or_refuses(doc: Any) -> None:
    """settle_document gives a result or a ReimbursementError."""
    try:
        out = settle_document(doc)
    except ReimbursementError:
        return
    assert isinstance(out, dict)
    json.dumps(out, ensure_ascii=False).encode("utf-8")


@FUZZ
@given(documents())
def test_fuzz_settle_document_mutated(doc: dict[str, Any]) -> None:
    """A document with fields replaced by any JSON value settles or is refused, typed."""
    settles_or_refuses(doc)


INPUT_SCHEMA = json.loads((SCHEMAS / "settlement-input.schema.json").read_text("utf-8"))


@FUZZ
@given(from_schema(INPUT_SCHEMA))
def test_fuzz_settle_document_from_schema(doc: dict[str, Any]) -> None:
    """A document the shipped input schema accepts settles or is refused, typed."""
    jsonschema.validate(json.loads(json.dumps(doc, default=float)), INPUT_SCHEMA)
    settles_or_refuses(doc)


@FUZZ
@given(json_values)
def test_fuzz_settle_document_any_json(doc: Any) -> None:
    """Any JSON value as a document is refused, typed."""
    settles_or_refuses(doc)


def run_lines(data: bytes) -> None:
    """``zjj-medical settle --lines -`` on ``data``: exit 0 or 1, one output line per
    non-blank input line, no traceback."""
    result = CliRunner().invoke(cli, ["settle", "--lines", "-"], input=data)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1)
    for line in result.stdout.splitlines():
        json.loads(line)


#: Number tokens that stress an exact reader.
NUMBERS = ["1e999999999", "-0.0", "1E-999999", "NaN", "Infinity", "-Infinity", "1" * 5000,
           "0.1", "12.345", "9999999999.99", "10000000000.00", "1e2", "-1"]  # fmt: skip


@st.composite
def line_streams(draw: st.DrawFn) -> bytes:
    """A few JSON Lines: valid documents, mutated bytes, or raw bytes, joined by LF/CRLF."""
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        person, claims = draw(person_years(max_claims=2))
        line = json.dumps({"person": person, "claims": claims, "ledger": None}).encode()
        kind = draw(st.sampled_from(["valid", "mutated", "bytes", "deep", "twice", "number"]))
        if kind == "mutated":
            line = mutated(line, draw)
        elif kind == "bytes":
            line = draw(st.binary(max_size=40))
        elif kind == "deep":
            n = draw(st.integers(40, 3000))
            line = line.replace(b'"claims": ', b'"claims": ' + b"[" * n, 1) + b"]" * n
        elif kind == "twice":
            line = line.replace(b'"kind": ', b'"kind": "x", "kind": ', 1)
        elif kind == "number":
            token = draw(st.sampled_from(NUMBERS)).encode()
            line = re.sub(
                rb'"total": "[^"]*"', b'"total": ' + token.replace(b"\\", b""), line, count=1
            )
        lines.append(line)
    sep = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    return sep.join(lines)


@FUZZ
@given(line_streams())
def test_fuzz_json_lines_cli(data: bytes) -> None:
    """JSON Lines of valid, mutated and random bytes never end in a traceback."""
    run_lines(data)


def reads_policy(text: str) -> None:
    """A policy text is read and validated, or refused with a PolicyError."""
    try:
        parse_policy(read_policy_text(text, "fuzz.yaml"), "fuzz.yaml")
    except ReimbursementError:
        return


@st.composite
def policy_texts(draw: st.DrawFn) -> str:
    """The minimal policy with bytes changed (decoded leniently), or YAML-ish text."""
    if draw(st.booleans()):
        return mutated(MINIMAL.encode(), draw).decode("utf-8", "replace")
    alphabet = st.sampled_from([*string.printable, "&a", "*a", "[", "{", ": ", "- ", "\ud800"])
    return "".join(draw(st.lists(alphabet, max_size=80)))


@FUZZ
@given(policy_texts())
def test_fuzz_policy_yaml(text: str) -> None:
    """Policy YAML text, mutated or random, is a Policy or a PolicyError."""
    reads_policy(text)


#: Key paths of the built-in policy's reform overlays, right and wrong.
REFORM_PATHS = [
    "layers[basic_insurance].caps[0].values.2019-01-01",
    "layers[critical_illness].deductible.values.2019-07-01",
    "layers[basic_insurance]",
    "layers[nope].x",
    "layers",
    "name",
    "",
]


@settings(FUZZ, max_examples=max(5, EXAMPLES // 3))
@given(
    st.dictionaries(
        st.one_of(st.sampled_from(REFORM_PATHS), st.text(max_size=20)), json_values, max_size=3
    )
)
def test_fuzz_reform_overlay(changes: dict[str, Any]) -> None:
    """A reform overlay of any paths and values is a Policy or a PolicyError."""
    try:
        apply_reform("zhangjiajie", changes)
    except ReimbursementError:
        return


CLAIM_COLUMNS = ["claim_id", "person_id", "kind", "date", "facility_id", "facility_level",
                 "facility_county", "total", "in_scope", "accident"]  # fmt: skip
PEOPLE_COLUMNS = ["person_id", "poor", "county", "categories"]
cells = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**12), st.floats(), st.text(max_size=10),
    st.sampled_from(["P1", "C1", "inpatient", "2019-03-01", "county", "cili", "1000.00", "true"]),
)  # fmt: skip


@st.composite
def tables(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A claims table and a people table of mostly right columns and any cells."""
    claim_cols = draw(st.lists(st.sampled_from(CLAIM_COLUMNS), unique=True, min_size=6))
    people_cols = draw(st.lists(st.sampled_from(PEOPLE_COLUMNS), unique=True, min_size=2))
    n, m = draw(st.integers(0, 4)), draw(st.integers(0, 3))
    claims = pd.DataFrame({c: draw(st.lists(cells, min_size=n, max_size=n)) for c in claim_cols})
    people = pd.DataFrame({c: draw(st.lists(cells, min_size=m, max_size=m)) for c in people_cols})
    return claims, people


def typed(action: Any) -> None:
    """``action()`` returns, or raises a ReimbursementError or the documented ValueError."""
    try:
        action()
    except (ReimbursementError, ValueError):
        return


@FUZZ
@given(tables())
def test_fuzz_simulate_frames(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """simulate on tables of any cells gives a result or a typed error."""
    claims, people = frames
    typed(lambda: simulate(claims, people))


@settings(FUZZ, max_examples=max(5, EXAMPLES // 3))
@given(tables(), st.sampled_from(["csv", "parquet"]), st.binary(max_size=30))
def test_fuzz_simulate_file(
    tmp_path_factory: pytest.TempPathFactory,
    frames: tuple[pd.DataFrame, pd.DataFrame],
    kind: str,
    noise: bytes,
) -> None:
    """simulate_file on CSV or Parquet files of any cells (or a CSV with stray bytes) gives a
    result or a typed error."""
    claims, people = frames
    d = tmp_path_factory.mktemp("fuzz")
    claims_path, people_path = d / f"claims.{kind}", d / f"people.{kind}"
    if kind == "csv":
        claims_path.write_bytes(claims.to_csv(index=False).encode() + noise)
        people.to_csv(people_path, index=False)
    else:
        typed(lambda: claims.astype(str).to_parquet(claims_path))
        typed(lambda: people.astype(str).to_parquet(people_path))
        if not claims_path.exists() or not people_path.exists():
            return
    typed(lambda: simulate_file(claims_path, people_path, d / f"out.{kind}"))


def test_known_crashers_integer_dates_in_a_frame() -> None:
    """Found by fuzzing: a claims frame whose dates are numbers (or all missing) made pandas
    warn that it would read them as epochs — a traceback under warnings-as-errors. Each row
    is now refused with its date error."""
    people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]})
    claims = pd.DataFrame({"claim_id": ["C1", "C2"], "person_id": ["P1", "P1"],
                           "kind": ["inpatient"] * 2, "date": [20190301, None],
                           "facility_level": ["county"] * 2, "facility_county": ["cili"] * 2,
                           "total": ["100.00"] * 2, "in_scope": ["100.00"] * 2})  # fmt: skip
    out = simulate(claims, people)
    assert ["date", "date"] == out["error_field"].tolist()
