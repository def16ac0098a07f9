"""Error codes and their messages: every code has a template, every raise gives the
template's params, the message is rendered from the code and params alone (also after a
trip through JSON), and another language is one more catalog."""

from __future__ import annotations

import ast
import json
import pickle
import sqlite3
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from zjj_medical import Claim, Facility, Person, ReimbursementError, load_policy, settle
from zjj_medical.analysis.population import population_parameters
from zjj_medical.analysis.reform import apply_reform, load_reform, policy_document
from zjj_medical.batch.scalar import check_row
from zjj_medical.contract.documents import settle_document
from zjj_medical.contract.rows import claim_from_row, person_from_row
from zjj_medical.engine.ledger import Ledger
from zjj_medical.engine.premium import chronic_plan, premium
from zjj_medical.errors import InvalidClaim, PolicyError, StoreError, problem, problem_of
from zjj_medical.messages import jsonable, render, template_fields
from zjj_medical.messages.en import MESSAGES
from zjj_medical.policy import parse_policy
from zjj_medical.store import LedgerBook, SQLiteStore

SRC = Path(__file__).parent.parent / "src" / "zjj_medical"
SHAPES = Path(__file__).parent / "fixtures" / "policies" / "shapes"
#: The functions whose second argument is an error code (``fail(path, "policy.ratio.range")``).
_CODE_SECOND = {"fail", "_fail", "problem", "warn"}
#: Params a ``fail`` helper adds itself (the file and key path, whose claim or person).
_IMPLICIT = {"source", "path", "claim_id", "person_id", "field"}


def _code_sites() -> Iterator[tuple[str, int, str, set[str] | None]]:
    """Each literal error code in src: file, line, code, and the param names given at the
    site (``None`` when they cannot be read off the call, e.g. ``**params``)."""
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            where = f"{path.relative_to(SRC)}:{node.lineno}"
            for kw in node.keywords:
                if kw.arg != "code":
                    continue
                params = next((k.value for k in node.keywords if k.arg == "params"), None)
                given: set[str] | None = set()
                if isinstance(params, ast.Dict):
                    keys = [k.value if isinstance(k, ast.Constant) else None for k in params.keys]
                    given = None if None in keys else {str(k) for k in keys}
                elif params is not None:
                    given = None
                values = (
                    [kw.value.body, kw.value.orelse]
                    if isinstance(kw.value, ast.IfExp)
                    else [kw.value]
                )
                for v in values:
                    if isinstance(v, ast.Constant) and isinstance(v.value, str):
                        yield where, node.lineno, v.value, given
            if name in _CODE_SECOND and len(node.args) >= 2:
                arg = node.args[1]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    spread = any(k.arg is None for k in node.keywords)
                    named = {str(k.arg) for k in node.keywords if k.arg is not None}
                    yield where, node.lineno, arg.value, None if spread else named | _IMPLICIT


SITES = list(_code_sites())


def _templates(code: str) -> list[str]:
    """The templates of a code: itself, or the codes a helper builds by prefixing it."""
    if code in MESSAGES:
        return [MESSAGES[code]]
    return [t for c, t in MESSAGES.items() if c.endswith("." + code)]


def test_the_scan_finds_the_raise_sites() -> None:
    """The source scan below sees well over a hundred coded raise sites (it can fail)."""
    assert len(SITES) > 150
    assert any(code == "policy.ratio.range" for _, _, code, _ in SITES)


@pytest.mark.parametrize(("where", "line", "code", "given"), SITES, ids=[s[0] for s in SITES])
def test_every_code_in_src_has_a_template_and_its_params(
    where: str, line: int, code: str, given: set[str] | None
) -> None:
    """A code raised in src has an English template, and the raise gives every param it reads."""
    templates = _templates(code)
    assert templates, f"{where}: {code} has no English template"
    if given is not None:
        assert any(template_fields(t) <= given for t in templates), (where, code, given)


def _sample(name: str) -> object:
    lists = ("accepted", "declared", "keys", "ids", "tiers", "kinds", "years", "builtin")
    return ["a", "b"] if name in lists else name


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_template_renders(code: str) -> None:
    """Every template is well formed and renders with its params; codes are dotted lowercase."""
    assert code.replace(".", "").replace("_", "").isalpha()
    assert code == code.lower()
    params = {name: _sample(name) for name in template_fields(MESSAGES[code])}
    text = render(code, params)
    assert "{" not in text.replace("{tier: [...]}", "")


# -- raising each kind of error -----------------------------------------------------------


def _policy_without(path: Path, *keys: str) -> Callable[[], object]:
    doc, _ = policy_document(path)
    for key in keys:
        node = doc
        *head, last = key.split(".")
        for k in head:
            node = node[k]
        del node[last]
    return lambda: parse_policy(doc, "t.yaml")


COUNTY = Facility(level="county", county="sangzhi")
CLAIM = Claim("C1", "inpatient", "2021-03-01", Facility(level="county"), "100.00", "100.00")
ROW = {"claim_id": "C1", "person_id": "P1", "kind": "outpatient", "date": "2019-05-01",
       "facility_level": "township", "facility_county": "cili", "total": "100", "in_scope": "100"}  # fmt: skip


def _row(**changes: object) -> Callable[[], object]:
    return lambda: claim_from_row({**ROW, **changes}, load_policy())


def _store_file(tmp: Path, setup: Callable[[sqlite3.Connection], None]) -> Callable[[], object]:
    def open_it() -> object:
        path = tmp / "other.db"
        conn = sqlite3.connect(path)
        setup(conn)
        conn.commit()
        conn.close()
        return SQLiteStore(path)

    return open_it


def _other_content(tmp: Path) -> object:
    with LedgerBook.open(tmp / "book.db") as book:
        person = Person("P1", poor=True, county="sangzhi")
        book.settle(Claim("C1", "inpatient", "2019-11-03", COUNTY, "200.00", "200.00"), person)
        return book.settle(
            Claim("C1", "inpatient", "2019-11-03", COUNTY, "300.00", "300.00"), person
        )


def _write_outside(tmp: Path) -> object:
    claim = SimpleNamespace(person_id="P1", year=2019, claim_id="C1")
    with SQLiteStore(tmp / "s.db") as store:
        return store.add_reversal(SimpleNamespace(reversed=claim), [], claim)  # type: ignore[arg-type]


def _cases(tmp: Path) -> list[tuple[str, Callable[[], object]]]:
    pop = tmp / "pop.yaml"
    return [
        ("claim.money.bool", lambda: Claim("C1", "inpatient", "2019-11-03", COUNTY, True, "0")),
        ("claim.money.type", lambda: Claim("C1", "inpatient", "2019-11-03", COUNTY, [1], "0")),
        (
            "claim.money.decimals",
            lambda: Claim("C1", "inpatient", "2019-11-03", COUNTY, Decimal("0.005"), "0"),
        ),
        ("claim.facility.type", lambda: Claim("C1", "inpatient", "2019-11-03", "county", "1", "1")),  # type: ignore[arg-type]
        (
            "claim.accident.bool",
            lambda: Claim("C1", "inpatient", "2019-11-03", COUNTY, "1", "1", accident="y"),
        ),  # type: ignore[arg-type]
        ("person.poor.bool", lambda: Person("P1", poor="yes", county="cili")),  # type: ignore[arg-type]
        ("claim.money.bool", _row(total=np.bool_(True))),
        ("claim.money.type", _row(total=object())),
        ("claim.money.finite", _row(total=float("inf"))),
        ("claim.money.maximum", _row(total="20000000000", in_scope="1")),
        ("claim.cell.date.time", _row(date=np.datetime64("2019-05-01T10:00"))),
        ("claim.cell.bool", _row(accident="maybe")),
        ("claim.column.missing", _row(kind=None)),
        ("claim.in_scope.above_total", _row(in_scope="200")),
        (
            "person.cell.categories",
            lambda: person_from_row(
                {"person_id": "P1", "poor": True, "county": "c", "categories": 5}, load_policy()
            ),
        ),
        (
            "person.column.missing",
            lambda: person_from_row({"person_id": "P1", "poor": True}, load_policy()),
        ),
        ("claim.person_id.unknown", lambda: check_row(ROW, lambda pid: None, load_policy())),
        (
            "claim.person.cell.bool",
            lambda: check_row(
                ROW,
                lambda pid: InvalidClaim(
                    code="person.cell.bool",
                    params={"person_id": "P1", "column": "poor", "value": "x"},
                ),
                load_policy(),
            ),
        ),
        (
            "claim.attribute.value",
            lambda: settle(
                Claim(
                    "C1",
                    "inpatient",
                    "2021-03-01",
                    Facility(level="county"),
                    "1",
                    "1",
                    attributes={"referral": "x"},
                ),
                Person("P1", poor=False, county="c"),
                policy=load_policy(SHAPES / "claims.yaml"),
            ),
        ),
        (
            "claim.attribute.unknown",
            lambda: settle(
                Claim(
                    "C1",
                    "inpatient",
                    "2021-03-01",
                    Facility(level="county"),
                    "1",
                    "1",
                    attributes={"x": "y"},
                ),
                Person("P1", poor=False, county="c"),
                policy=load_policy(SHAPES / "claims.yaml"),
            ),
        ),
        (
            "claim.person_attribute.bool",
            lambda: settle(
                CLAIM,
                Person("P1", poor=False, county="c", attributes={"retiree": "no"}),
                policy=load_policy(SHAPES / "coverage.yaml"),
            ),
        ),
        ("person.attribute.value", _person_attribute),
        (
            "premium.none",
            lambda: premium(
                Person("P1", poor=False, county="c"),
                2021,
                policy=load_policy(SHAPES / "claims.yaml"),
            ),
        ),
        (
            "chronic_care.none",
            lambda: chronic_plan(
                Person("P1", poor=False, county="c"),
                [],
                2021,
                policy=load_policy(SHAPES / "claims.yaml"),
            ),
        ),
        (
            "chronic_care.condition.unknown",
            lambda: chronic_plan(Person("P1", poor=False, county="cili"), ["x"], 2019),
        ),
        ("document.object", lambda: settle_document([])),  # type: ignore[arg-type]
        ("document.field.missing", lambda: settle_document({"claims": []})),
        ("person.field.missing", lambda: settle_document({"person": {"id": "P1"}, "claims": []})),
        (
            "ledger.person",
            lambda: settle_document(
                {
                    "person": {"id": "P1", "poor": True, "county": "cili"},
                    "claims": [],
                    "ledger": Ledger.empty("P2", 2019).to_dict(),
                }
            ),
        ),
        (
            "ledger.money.negative",
            lambda: Ledger.from_dict(
                {
                    "person_id": "P",
                    "year": 2019,
                    "claim_ids": [],
                    "layers": {"a": {"base": "-1", "paid": "0", "deductible": "0", "claims": {}}},
                }
            ),
        ),
        (
            "ledger.malformed",
            lambda: Ledger.from_dict(
                {"person_id": "P", "year": 2019, "claim_ids": [], "layers": ["a"]}
            ),
        ),
        (
            "ledger.layer.count.type",
            lambda: Ledger.from_dict(
                {
                    "person_id": "P",
                    "year": 2019,
                    "claim_ids": [],
                    "layers": {
                        "a": {"base": "1", "paid": "0", "deductible": "0", "claims": {"x": "y"}}
                    },
                }
            ),
        ),
        ("policy.file.empty", lambda: load_policy(_write(tmp / "empty.yaml", ""))),
        ("policy.yaml.invalid", lambda: load_policy(_write(tmp / "bad.yaml", "a: [b"))),
        ("policy.key.duplicate", lambda: load_policy(_write(tmp / "dup.yaml", "a: 1\na: 2\n"))),
        ("policy.value.type", lambda: parse_policy({"format": {1, 2}}, "t.yaml")),
        (
            "policy.attribute.clash",
            lambda: parse_policy(
                {
                    **policy_document(SHAPES / "coverage.yaml")[0],
                    "claim_attributes": {"retiree": {"name": "x", "type": "bool"}},
                },
                "t.yaml",
            ),
        ),
        (
            "policy.shared_caps.list",
            lambda: parse_policy(
                {**policy_document(SHAPES / "claims.yaml")[0], "shared_caps": 5}, "t.yaml"
            ),
        ),
        ("claim.person_attribute.required", _required_attribute),
        (
            "population.format",
            lambda: population_parameters(
                _write(
                    pop, "format: x\nparameters: {a: {description: d, reference: r, value: '1'}}\n"
                )
            ),
        ),
        (
            "population.value",
            lambda: population_parameters(
                _write(
                    pop,
                    "format: zjj-medical-population/1\nparameters: {a: {description: d, reference: r, value: {}}}\n",
                )
            ),
        ),
        ("reform.file.missing", lambda: load_reform(tmp / "nope.yaml")),
        (
            "reform.mapping",
            lambda: (
                load_reform({"format": "zjj-medical-reform/1", "name": "n", "changes": {"a": 1}})
                and load_reform(_write(tmp / "r.yaml", "- 1\n"))
            ),
        ),
        (
            "reform.name",
            lambda: load_reform(
                {"format": "zjj-medical-reform/1", "name": " ", "changes": {"a": 1}}
            ),
        ),
        (
            "reform.changes.path",
            lambda: load_reform(
                {"format": "zjj-medical-reform/1", "name": "n", "changes": {"a..b": 1}}
            ),
        ),
        ("reform.set.id", lambda: apply_reform(None, {"layers[nope].ratio": 1})),
        ("reform.set.index", lambda: apply_reform(None, {"layers[99].id": 1})),
        ("reform.set.not_mapping", lambda: apply_reform(None, {"id.x": 1})),
        ("store.synchronous", lambda: SQLiteStore(tmp / "x.db", synchronous="SOMETIMES")),
        ("store.foreign", _store_file(tmp, lambda c: c.execute("CREATE TABLE t (x)"))),
        ("store.transaction.needed", lambda: _write_outside(tmp)),
        ("store.claim.other_content", lambda: _other_content(tmp)),
        ("store.claim.unknown", lambda: LedgerBook.open(tmp / "book2.db").settlement("C9")),
    ]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


def _person_attribute() -> object:
    doc, _ = policy_document(SHAPES / "coverage.yaml")
    doc["premium"] = policy_document("zhangjiajie")[0]["premium"]
    doc["premium"].pop("subsidies")
    person = Person("P1", poor=False, county="c", attributes={"scheme": "x"})
    return premium(person, 2021, policy=parse_policy(doc, "t.yaml"))


def _required_attribute() -> object:
    doc, _ = policy_document(SHAPES / "coverage.yaml")
    del doc["person_attributes"]["scheme"]["default"]
    policy = parse_policy(doc, "t.yaml")
    return settle(CLAIM, Person("P1", poor=False, county="c"), policy=policy)


CASE_CODES = [code for code, _ in _cases(Path("."))]


@pytest.mark.parametrize("code", CASE_CODES)
def test_each_error_renders_from_its_code_and_params(code: str, tmp_path: Path) -> None:
    """The error raised has the code; its message is the code's template over its params,
    also from the JSON of ``to_dict()``; ``to_dict()`` keeps type, message, claim_id, field."""
    call = dict(_cases(tmp_path))[code]
    with pytest.raises(ReimbursementError) as info:
        call()
    exc = info.value
    assert code == exc.code
    data = json.loads(json.dumps(exc.to_dict(), ensure_ascii=False))
    assert {"type", "message", "claim_id", "field", "code", "params"} <= set(data)
    assert set(data) - {"type", "message", "claim_id", "field", "code", "params"} <= {"path"}
    assert str(exc) == exc.message == data["message"] == render(data["code"], data["params"])
    assert type(exc).__name__ == data["type"]


def test_params_keep_the_repr_of_values_that_are_not_json() -> None:
    """A Decimal param is JSON text with its repr beside it, so {value!r} renders as before."""
    with pytest.raises(InvalidClaim) as info:
        Claim("C1", "inpatient", "2019-11-03", COUNTY, Decimal("0.005"), "0")
    exc = info.value
    assert {
        "claim_id": "C1",
        "what": "total",
        "value": "0.005",
        "value_repr": "Decimal('0.005')",
        "shown": "0.005",
    } == exc.params
    assert str(exc).startswith("claim C1: total: 0.005 has more than 2 decimal places")
    assert {"n": 1.5, "v": "1.5", "v_repr": "np.float64(1.5)"} == jsonable(
        {"n": 1.5, "v": np.float64(1.5)}
    )


def test_a_document_error_has_the_json_path_of_the_bad_input() -> None:
    """An error in a document names the JSON path of the bad value (claims[i].field)."""
    doc: dict[str, Any] = {
        "person": {"id": "P1", "poor": True, "county": "sangzhi"},
        "claims": [
            {"id": f"C{i}", "kind": "inpatient", "date": "2019-11-03",
             "facility": {"level": "county", "county": "sangzhi"}, "total": "1", "in_scope": "1"}
            for i in range(3)
        ],
    }  # fmt: skip
    doc["claims"][2]["facility"]["level"] = "clinic"
    with pytest.raises(InvalidClaim) as info:
        settle_document(doc)
    assert ("claims[2].facility.level", "claim.facility.level.unknown") == (
        info.value.path,
        info.value.code,
    )
    doc["claims"][2]["facility"]["level"] = "county"
    doc["claims"][1]["total"] = "1.001"
    with pytest.raises(InvalidClaim) as info:
        settle_document(doc)
    assert "claims[1].total" == info.value.to_dict()["path"]


def test_chinese_comes_from_the_catalog_and_other_languages_fall_back_to_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chinese templates are the gettext catalog's entries (context: the code); a language
    without a catalog, or a code left untranslated, renders in English."""
    error = InvalidClaim(
        code="claim.facility.level.unknown",
        params={"claim_id": "C1", "value": "clinic", "accepted": ["county", "township"]},
        claim_id="C1", field="facility.level",
    )  # fmt: skip
    assert (
        "理赔 C1：facility.level：未知的医疗机构级别 'clinic'（可接受：county、township）"
        == error.render("zh-CN")
    )
    assert str(error) == error.render("fr") == error.render()
    params = {"claim_id": "C1", "value": "x", "accepted": []}
    assert "理赔 C1：kind：未知的理赔类型 'x'（可接受：无）" == render(
        "claim.kind.unknown", params, "zh"
    )
    assert "claim C1: kind: unknown claim kind 'x' (accepted: none)" == render(
        "claim.kind.unknown", params
    )
    # an entry the catalog does not translate: gettext gives back the English template
    monkeypatch.setattr("zjj_medical.messages.pgettext", lambda ctx, msg, lang=None: msg)
    other = InvalidClaim(code="claim.column.missing", params={"claim_id": "C1", "column": "kind"})
    assert "claim C1: kind: missing" == other.render("zh")


def test_a_bare_message_is_kept_under_the_generic_code() -> None:
    """``InvalidClaim("…")`` still works: the generic code, the message as its param."""
    error = InvalidClaim("something odd", claim_id="C1")
    assert ("claim.invalid", {"message": "something odd"}, "something odd") == (
        error.code,
        error.params,
        str(error),
    )
    assert "policy.invalid" == PolicyError("x").code
    assert "store.error" == StoreError("x").code


def test_errors_and_problems_survive_pickling() -> None:
    """Errors cross process boundaries with their code, params and place."""
    error = InvalidClaim(
        code="claim.column.missing", params={"claim_id": "C1", "column": "kind"},
        claim_id="C1", field="kind", path="claims[0].kind",
    )  # fmt: skip
    back = pickle.loads(pickle.dumps(error))
    assert error.to_dict() == back.to_dict()
    assert str(error) == str(back)
    exc = problem(ValueError, "cell.bool", value="x")
    assert problem_of(exc) == ("cell.bool", {"value": "x"})
    assert "'x' is not true or false" == str(exc)


def test_the_errors_reference_lists_every_code_with_meaning_and_example() -> None:
    """The table of the errors reference has one row per code, each with a meaning and an
    example message rendered from the catalog; the page has the place the table goes."""
    from zjj_medical.render.error_codes import code_rows, code_table

    rows = code_rows()
    assert sorted(MESSAGES) == [code for code, _, _ in rows]
    assert all(meaning and example for _, meaning, example in rows)
    table = code_table().splitlines()
    assert len(MESSAGES) + 2 == len(table)
    assert all(f"| `{code}` |" in "\n".join(table) for code in MESSAGES)
    page = (SRC.parent.parent / "docs" / "reference" / "errors.md").read_text("utf-8")
    assert 1 == page.count("<!-- error-codes -->")


def test_the_money_messages_say_what_money_accepts() -> None:
    """The catalog's money messages carry money.ACCEPTED word for word."""
    from zjj_medical.money import ACCEPTED

    for code in ("money.number", "money.finite", "money.negative", "money.decimals"):
        assert f"({ACCEPTED})" in MESSAGES[code]
