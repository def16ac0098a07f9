"""The JSON contract's schemas (shipped in the package) hold for real inputs and outputs."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from test_docs_examples import blocks
from zjj_medical import examples
from zjj_medical.cli import cli
from zjj_medical.contract.documents import settle_document
from zjj_medical.policy import load_policy

ROOT = Path(__file__).resolve().parent.parent
DATA = files("zjj_medical") / "contract"


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((DATA / name).read_text("utf-8"))
    return schema


INPUT = _schema("settlement-input.schema.json")
OUTPUT = _schema("settlement-output.schema.json")
ERROR = {**OUTPUT["$defs"]["error_document"], "$defs": OUTPUT["$defs"]}


def _errors(schema: dict[str, Any], instance: object) -> list[str]:
    validator = Draft202012Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def _claim(cid: str, kind: str, date: str, level: str, county: str | None, total: str,
           in_scope: str) -> dict[str, Any]:  # fmt: skip
    return {
        "id": cid, "kind": kind, "date": date,
        "facility": {"id": None, "level": level, "county": county},
        "total": total, "in_scope": in_scope, "accident": False,
    }  # fmt: skip


POOR = {"id": "SZ-0001", "poor": True, "county": "桑植县", "categories": []}
OTHER = {"id": "CL-0002", "poor": False, "county": "cili", "categories": []}

DOCUMENTS = {
    "poor, in-county then provincial": {
        "person": POOR,
        "claims": [
            _claim("A1", "inpatient", "2019-11-03", "县级医院", "桑植县", "20000.00", "18000.00"),
            _claim("A2", "inpatient", "2019-12-10", "provincial", None, "60000.00", "50000.00"),
        ],
        "ledger": None,
    },
    "not poor, outpatient visits": {
        "person": OTHER,
        "claims": [
            _claim("V1", "outpatient", "2019-10-01", "township", "cili", "300", "300"),
            _claim("V2", "outpatient", "2019-10-02", "village_clinic", "cili", "300", "250.5"),
        ],
    },
    "a zero-cost claim": {
        "person": OTHER,
        "claims": [_claim("Z1", "inpatient", "2019-05-05", "county", "cili", "0", "0")],
    },
    "a facility named by id": {
        "person": {"id": "YD-1", "poor": True, "county": "永定区"},
        "claims": [
            {
                "id": "H1",
                "kind": "inpatient",
                "date": "2019-11-11",
                "facility": {"id": "市人民医院", "county": None},
                "total": "30000.00",
                "in_scope": "27000.00",
            },
        ],
    },
}


@pytest.mark.parametrize("schema", [INPUT, OUTPUT], ids=["input", "output"])
def test_schemas_are_valid_json_schema(schema: dict[str, Any]) -> None:
    """Both shipped schemas are valid JSON Schema (draft 2020-12)."""
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_settle_document_input_and_output_match_the_schemas(name: str) -> None:
    """A real input document and the output settle_document makes of it both validate."""
    doc = DOCUMENTS[name]
    assert [] == _errors(INPUT, doc)
    out = settle_document(doc)
    assert [] == _errors(OUTPUT, out)
    assert [] == _errors(OUTPUT, settle_document(doc, trace=False))


def test_carried_ledger_validates_as_input() -> None:
    """The ledger of an output, carried into the next input document, validates as input."""
    first = DOCUMENTS["poor, in-county then provincial"]
    out = settle_document({**first, "claims": first["claims"][:1]})
    follow = {**first, "claims": first["claims"][1:], "ledger": out["ledger"]}
    assert [] == _errors(INPUT, follow)
    assert [] == _errors(OUTPUT, settle_document(follow))


def test_example_county_output_matches_the_schema() -> None:
    """With a county policy whose safety-net layers pay, the output still validates."""
    doc = DOCUMENTS["poor, in-county then provincial"]
    assert [] == _errors(OUTPUT, settle_document(doc, policy=load_policy("example_county")))


def test_cli_settle_output_matches_the_schema(tmp_path: Path) -> None:
    """`zjj-medical settle FILE` prints an output document that validates."""
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(DOCUMENTS["poor, in-county then provincial"], ensure_ascii=False))
    for extra in ([], ["--no-trace"]):
        result = CliRunner().invoke(cli, ["settle", str(path), *extra])
        assert 0 == result.exit_code, result.output
        assert [] == _errors(OUTPUT, json.loads(result.output, parse_float=Decimal))


def test_cli_settle_lines_output_matches_the_schema(tmp_path: Path) -> None:
    """With --lines, each output line is an output document or an error document."""
    bad = copy.deepcopy(DOCUMENTS["a zero-cost claim"])
    bad["claims"][0]["total"] = "12.345"
    lines = [DOCUMENTS["not poor, outpatient visits"], bad, DOCUMENTS["a facility named by id"]]
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in lines) + "\n")
    result = CliRunner().invoke(cli, ["settle", "--lines", str(path)])
    # result.output holds standard error too (the closing count line): keep the JSON lines.
    outputs = [json.loads(x) for x in result.output.splitlines() if x.startswith("{")]
    assert 3 == len(outputs)
    assert [] == _errors(OUTPUT, outputs[0])
    assert [] == _errors(ERROR, outputs[1])
    assert 2 == outputs[1]["error"]["line"]
    assert [] == _errors(OUTPUT, outputs[2])


def test_cli_error_matches_the_error_schema(tmp_path: Path) -> None:
    """A refused input exits 1 with an error document on standard error."""
    doc = copy.deepcopy(DOCUMENTS["a zero-cost claim"])
    doc["claims"][0]["date"] = "2018-12-31"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc))
    result = CliRunner().invoke(cli, ["settle", str(path)])
    assert 1 == result.exit_code
    error = json.loads(result.output)  # the error document, written to standard error
    assert [] == _errors(ERROR, error)
    assert "PolicyNotInForce" == error["error"]["type"]


@pytest.mark.parametrize(
    "path",
    sorted(examples.path(n) for n in examples.names() if n.endswith(".json")),
    ids=lambda p: p.name,
)
def test_input_examples_match_the_schema(path: Path) -> None:
    """Every input document of zjj_medical.examples validates, and so does its output."""
    doc = json.loads(path.read_text("utf-8"))
    assert [] == _errors(INPUT, doc)
    assert [] == _errors(OUTPUT, settle_document(doc))


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["claims"][0].__setitem__("total", "12.345"), [["claims", 0, "total"]]),
        (lambda d: d.__setitem__("patient", {}), [[]]),
        (
            lambda d: d["claims"][0]["facility"].__setitem__("ward", "3"),
            [["claims", 0, "facility"]],
        ),
        (lambda d: d["person"].pop("poor"), [["person"]]),
    ],
    ids=["three decimals", "unknown top-level field", "unknown facility field", "no poor flag"],
)
def test_input_schema_refuses_bad_documents(change: Any, where: list[list[object]]) -> None:
    """The input schema refuses what settle refuses, at the same place."""
    doc = copy.deepcopy(DOCUMENTS["a zero-cost claim"])
    change(doc)
    validator = Draft202012Validator(INPUT)
    assert where == [list(e.absolute_path) for e in validator.iter_errors(doc)]


def test_output_schema_refuses_float_money() -> None:
    """Money in the output must be a two-decimal string, not a number or a rounded text."""
    out = settle_document(DOCUMENTS["a zero-cost claim"])
    out["settlements"][0]["reimbursed"] = 0.0
    out["settlements"][0]["patient_pay"] = "0.0"
    assert 2 == len(_errors(OUTPUT, out))


def _json_blocks(page: Path) -> list[Any]:
    """The ```json blocks of a page (read as the docs-example tests read fences), parsed."""
    return [json.loads(b.code) for b in blocks(page.read_text("utf-8")) if b.lang == "json"]


def test_json_examples_in_the_docs_match_the_schemas() -> None:
    """Every JSON input document shown in the docs validates, and so does its settlement."""
    pages = sorted((ROOT / "docs").rglob("*.md"))
    found = [doc for page in pages for doc in _json_blocks(page) if "person" in doc]
    assert found, "the JSON contract page shows an input document"
    for doc in found:
        assert [] == _errors(INPUT, doc)
        assert [] == _errors(OUTPUT, settle_document(doc))
