"""The JSON readers of the contract and the commands are bounded: deep nesting, big or
non-UTF-8 lines, duplicate keys and lone surrogates are errors that name what and where,
never a traceback (SPEC §11)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from zjj_medical.cli import cli
from zjj_medical.contract import jsontext
from zjj_medical.contract.documents import settle_document
from zjj_medical.contract.jsontext import MAX_DEPTH, read_json
from zjj_medical.errors import InvalidClaim


def person(pid: Any = "P1") -> dict[str, Any]:
    """A non-poor 慈利县 resident."""
    return {"id": pid, "poor": False, "county": "cili", "categories": []}


def claim(cid: str = "C1", day: str = "2019-03-01", total: str = "10000.00") -> dict[str, Any]:
    """An inpatient claim at a 慈利县 county hospital."""
    return {"id": cid, "kind": "inpatient", "date": day, "accident": False,
            "facility": {"id": None, "level": "county", "county": "cili"},
            "total": total, "in_scope": total}  # fmt: skip


def doc(pid: Any = "P1", *claims: dict[str, Any]) -> dict[str, Any]:
    """A person-year document."""
    return {"person": person(pid), "claims": list(claims) or [claim()], "ledger": None}


def invoke(args: list[str], data: bytes, tmp_path: Path | None = None) -> Result:
    """Run ``zjj-medical ARGS`` with ``data`` as standard input; a traceback fails the test."""
    runner = CliRunner(env={"NO_COLOR": "1", "TERM": "dumb"})
    result = runner.invoke(cli, args, input=data)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback: {result.exception!r}") from result.exception
    return result


def deep(n: int) -> str:
    """A document whose ``claims`` nests ``n`` arrays."""
    return '{"person": {"id": "P1"}, "claims": ' + "[" * n + "]" * n + "}"


@pytest.mark.parametrize(
    "args", [["settle", "-"], ["settle", "--lines", "-"], ["ledger", "--db", "L.db", "settle", "-"],
             ["ledger", "--db", "L.db", "presettle", "-"]],
)  # fmt: skip
def test_deep_nesting_is_an_error_not_a_traceback(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JSON nested 100,000 deep exits 1 with the depth error (it raised RecursionError)."""
    monkeypatch.chdir(tmp_path)
    result = invoke(args, deep(100_000).encode())
    assert 1 == result.exit_code
    assert "nested deeper than 64 levels" in result.output + (result.stderr or "")


def test_depth_limit_is_exact() -> None:
    """MAX_DEPTH levels are read; one more is refused with the document.depth code."""
    assert 1 == len(read_json("[" * MAX_DEPTH + "]" * MAX_DEPTH))
    with pytest.raises(InvalidClaim) as info:
        read_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert "document.depth" == info.value.code
    assert {"where": "document", "limit": 64, "offset": 64, "line": 1} == info.value.params


def test_brackets_inside_strings_do_not_count() -> None:
    """Brackets inside strings (and escaped quotes) are not nesting."""
    text = '{"a": "' + "[" * 500 + '\\"' + "{" * 500 + '"}'
    assert {"a": "[" * 500 + '"' + "{" * 500} == read_json(text)


def test_document_size_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A document larger than MAX_DOCUMENT_BYTES is refused naming the limit."""
    monkeypatch.setattr(jsontext, "MAX_DOCUMENT_BYTES", 100)
    with pytest.raises(InvalidClaim) as info:
        read_json(json.dumps(doc()))
    assert ("document.size", 100) == (info.value.code, info.value.params["limit"])


def test_long_line_is_that_lines_error_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A --lines line over the size limit is its own error; the lines after it settle."""
    from zjj_medical.cli import jsonio

    monkeypatch.setattr(jsonio, "MAX_DOCUMENT_BYTES", 600)
    good = json.dumps(doc()).encode()
    long = json.dumps(doc("P2", claim("C2", total="1.00") | {"note": "x" * 2000})).encode()
    result = invoke(["settle", "--lines", "-"], long + b"\n" + good + b"\n")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert 1 == result.exit_code
    assert ("document.size", 1) == (out[0]["error"]["code"], out[0]["error"]["line"])
    assert "C1" == out[1]["settlements"][0]["claim_id"]


def test_invalid_utf8_is_that_lines_error_only() -> None:
    """Bad bytes on line 2 are line 2's error (naming the byte offset); lines 1 and 3 settle."""
    one = json.dumps(doc("P1", claim("C1"))).encode()
    bad = json.dumps(doc("P2", claim("C2"))).encode().replace(b"cili", b"ci\xffli", 1)
    three = json.dumps(doc("P3", claim("C3"))).encode()
    result = invoke(["settle", "--lines", "-"], b"\n".join([one, bad, three]) + b"\n")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert 1 == result.exit_code
    assert ["C1", "C3"] == [o["settlements"][0]["claim_id"] for o in (out[0], out[2])]
    error = out[1]["error"]
    assert ("document.encoding", 2) == (error["code"], error["line"])
    assert bad.index(b"\xff") == error["params"]["offset"]
    assert "line 2: byte" in error["message"]


def test_invalid_utf8_whole_document() -> None:
    """A whole document with bad bytes exits 1 with the encoding error, naming the offset."""
    result = invoke(["settle", "-"], b'{"person": "\xc3\x28"}')
    error = json.loads(result.stderr)["error"]
    assert (1, "document.encoding", 12) == (
        result.exit_code,
        error["code"],
        error["params"]["offset"],
    )


def test_lone_cr_does_not_split_a_line() -> None:
    """A lone CR inside a JSON line keeps it one line; CRLF ends a line; numbers stay right."""
    one = json.dumps(doc("P1", claim("C1"))).replace(", ", ",\r ").encode()
    two = json.dumps(doc("P2", claim("C2"))).encode()
    bad = b'{"person": \r}'
    result = invoke(["settle", "--lines", "-"], one + b"\r\n" + bad + b"\r\n" + two + b"\r\n")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert ["C1", 2, "C2"] == [
        out[0]["settlements"][0]["claim_id"], out[1]["error"]["line"],
        out[2]["settlements"][0]["claim_id"],
    ]  # fmt: skip


def test_duplicate_key_is_refused_naming_key_and_path() -> None:
    """``"total"`` twice in a claim is refused at claims[0].total (the last one won)."""
    text = json.dumps(doc()).replace('"total": "10000.00"', '"total": "1.00", "total": "10000.00"')
    with pytest.raises(InvalidClaim) as info:
        read_json(text)
    assert ("document.key.twice", "claims[0].total") == (info.value.code, info.value.path)
    assert "claims[0]: key 'total' is given twice in one object" == str(info.value)
    result = invoke(["settle", "-"], text.encode())
    assert "document.key.twice" == json.loads(result.stderr)["error"]["code"]


def test_duplicate_top_level_key() -> None:
    """A key twice at the top is named at the document."""
    with pytest.raises(InvalidClaim, match=r"^document: key 'ledger' is given twice"):
        read_json('{"ledger": null, "ledger": null}')


def test_lone_surrogate_in_json_is_refused_naming_the_path() -> None:
    """``"\\ud800"`` as a claim id is refused at claims[0].id (it settled, then crashed printing)."""
    text = json.dumps(doc()).replace('"id": "C1"', '"id": "\\ud800"')
    with pytest.raises(InvalidClaim) as info:
        read_json(text)
    assert ("document.text.surrogate", "claims[0].id") == (info.value.code, info.value.path)
    result = invoke(["settle", "-"], text.encode())
    assert 1 == result.exit_code
    assert "claims[0].id" == json.loads(result.stderr)["error"]["path"]
    lines = invoke(["settle", "--lines", "-"], text.encode() + b"\n")
    assert "document.text.surrogate" == json.loads(lines.stdout)["error"]["code"]


def test_lone_surrogate_in_a_key() -> None:
    """A key holding a lone surrogate is refused, shown escaped."""
    with pytest.raises(InvalidClaim) as info:
        read_json('{"a\\udc00": 1}')
    assert ("document.key.surrogate", "a\\udc00") == (info.value.code, info.value.path)


def test_numbers_stay_exact() -> None:
    """Fractions are still read as Decimal."""
    assert {"total": Decimal("12.34")} == read_json(b'{"total": 12.34}')


@pytest.mark.parametrize("pid", [None, 123, {"a": 1}, True, "", ["P1"]])
def test_person_id_must_be_a_non_empty_text(pid: Any) -> None:
    """A person id of null, a number, an object or true is refused at person.id (it was
    stored as the text "None", "123" …, so id-less persons shared one set of caps)."""
    with pytest.raises(InvalidClaim) as info:
        settle_document(doc(pid))
    assert ("person.id.text", "person.id", "person.id") == (
        info.value.code, info.value.field, info.value.path,
    )  # fmt: skip


@pytest.mark.parametrize("cid", [None, 7, ["C1"], False, ""])
def test_claim_id_must_be_a_non_empty_text(cid: Any) -> None:
    """A claim id that is not a non-empty text is refused at claims[0].id."""
    with pytest.raises(InvalidClaim) as info:
        settle_document(doc("P1", claim() | {"id": cid}))
    assert "claims[0].id" == info.value.path


@pytest.mark.parametrize("fid", [["a"], {"a": 1}, 12, True, ""])
def test_facility_id_must_be_null_or_a_non_empty_text(fid: Any) -> None:
    """facility.id as a list, object, number or empty text is refused (it was ignored by
    settle and crashed the SQLite store)."""
    c = claim()
    c["facility"] = dict(c["facility"], id=fid)
    with pytest.raises(InvalidClaim) as info:
        settle_document(doc("P1", c))
    assert ("claim.facility.id.text", "facility.id", "claims[0].facility.id") == (
        info.value.code, info.value.field, info.value.path,
    )  # fmt: skip


def test_facility_id_list_refused_by_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ledger settle`` of a claim whose facility.id is a list exits 1 with the error."""
    monkeypatch.chdir(tmp_path)
    c = claim()
    c["facility"] = dict(c["facility"], id=["x"])
    result = invoke(["ledger", "--db", "L.db", "settle", "-"], json.dumps(doc("P1", c)).encode())
    assert (1, "claim.facility.id.text") == (
        result.exit_code, json.loads(result.stderr)["error"]["code"],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field"),
    [(lambda d: d["person"].update(id="P\ud800"), "person.id"),
     (lambda d: d["claims"][0].update(id="\udfff"), "claims[0].id"),
     (lambda d: d["claims"][0]["facility"].update(id="F\ud800"), "claims[0].facility.id"),
     (lambda d: d["claims"][0]["facility"].update(county="c\ud800"), "claims[0].facility.county"),
     (lambda d: d["person"].update(categories=["ok", "\ud800"]), "person.categories[1]"),
     (lambda d: d["claims"][0].update(referral="\ud800"), "claims[0].referral")],
)  # fmt: skip
def test_lone_surrogates_refused_by_the_python_api(change: Any, field: str) -> None:
    """Text holding a lone surrogate given to settle_document is an InvalidClaim at its path
    (the message prints: the surrogate is shown escaped)."""
    d = doc()
    change(d)
    with pytest.raises(InvalidClaim) as info:
        settle_document(d)
    assert field == info.value.path
    str(info.value).encode("utf-8")
    json.dumps(info.value.to_dict(), ensure_ascii=False).encode("utf-8")


def test_claim_and_person_values_refuse_surrogate_ids() -> None:
    """Claim, Person and Facility themselves refuse an id holding a lone surrogate."""
    from zjj_medical import Claim, Facility, Person

    with pytest.raises(InvalidClaim, match=r"person\.id"):
        Person("\ud800", poor=False, county="cili")
    with pytest.raises(InvalidClaim, match="claim id"):
        Claim("\ud800", "inpatient", "2019-01-01", Facility(level="county"), total=1, in_scope=1)
    with pytest.raises(InvalidClaim, match=r"facility\.id"):
        Facility(id="\ud800")


def test_ledger_settle_lines_invalid_utf8_is_that_lines_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ledger settle --lines``: bad bytes on line 1 are its error; line 2 is stored."""
    monkeypatch.chdir(tmp_path)
    bad = json.dumps(doc("P1", claim("C1"))).encode().replace(b"cili", b"\xc0li", 1)
    good = json.dumps(doc("P2", claim("C2"))).encode()
    result = invoke(["ledger", "--db", "L.db", "settle", "--lines", "-"], bad + b"\n" + good)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert ("document.encoding", 1) == (out[0]["error"]["code"], out[0]["error"]["line"])
    assert "C2" == out[1]["settlements"][0]["claim_id"]
