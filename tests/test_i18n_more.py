"""Chinese for what a clerk reads beyond the error messages: what each error code means,
the ledger store's words, and the policy's names in tables."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner, Result

from zjj_medical import Claim, Facility, Person
from zjj_medical.cli import cli
from zjj_medical.errors import InvalidClaim, UnknownClaim
from zjj_medical.i18n import use_language
from zjj_medical.messages.en import MEANINGS, meaning
from zjj_medical.render.error_codes import code_rows
from zjj_medical.store.access import AuditRecord, audit_chain_problems
from zjj_medical.store.book import LedgerBook
from zjj_medical.store.order import posting_note_text
from zjj_medical.store.report import ReconciliationRow, reconciliation_table

_HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_meaning_has_a_chinese_translation() -> None:
    """Every family's meaning is translated (Chinese words in it), and English stays English."""
    for family, english in MEANINGS.items():
        assert meaning(family, "en") == english
        zh = meaning(family, "zh")
        assert zh != english, family
        assert _HAN.search(zh), family


def test_a_code_takes_the_chinese_meaning_of_its_longest_family() -> None:
    # claim.facility.level.unknown is a family of its own; claim.facility.level.bogus
    # falls back to claim.facility (there is no claim.facility.level family).
    assert meaning("claim.facility.level.unknown", "zh") == "医疗机构级别不是政策声明的级别"
    assert meaning("claim.facility.level.bogus", "zh") == "医疗机构缺失、未知或与理赔不符"
    assert meaning("no.such.family", "zh") == ""


def test_the_chinese_error_table_gives_chinese_meanings() -> None:
    rows = {code: m for code, m, _example in code_rows("zh")}
    assert rows["claim.kind.unknown"] == "理赔类型不是政策声明的类型"
    assert all(_HAN.search(m) for m in rows.values())


def test_the_problem_title_is_in_the_language_asked_for() -> None:
    pytest.importorskip("starlette")
    from zjj_medical.service.problems import problem_body

    exc = UnknownClaim(code="store.claim.unknown", params={"claim_id": "C9"}, claim_id="C9")
    assert problem_body(exc, "zh")["title"] == "台账库无法使用，或没有该理赔"
    assert (
        problem_body(exc, "en")["title"]
        == "the ledger store cannot be used, or holds no such claim"
    )
    kind = InvalidClaim(
        code="claim.kind.unknown", params={"claim_id": "C1", "value": "x", "accepted": []}
    )
    assert problem_body(kind, "zh")["title"] == "理赔类型不是政策声明的类型"


# -- the ledger store's words ---------------------------------------------------------------

_CILI = Facility(level="county", county="cili")
_PERSON = Person("P-cili", poor=False, county="cili")
_ENGLISH_NOTE = (
    "posting order: dated 2019-01-10, before claim C2 (2019-02-10) already posted for "
    "P-cili 2019; settled after it, on the ledger as it stands"
)
_CHINESE_NOTE = (
    "入账顺序：日期 2019-01-10，早于 P-cili 2019 年度已入账的理赔 C2（2019-02-10）；"
    "排在其后结算，按当时的台账计算"
)


def _claim(cid: str, day: str) -> Claim:
    return Claim(cid, "inpatient", day, _CILI, total="40000.00", in_scope="40000.00")


def _cli(*args: str) -> Result:
    env = {"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "160"}
    try:
        runner = CliRunner(env=env, mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner(env=env)
    return runner.invoke(cli, list(args))


def test_the_stored_posting_note_does_not_change_with_the_language() -> None:
    """Settled in Chinese, the journal's note is the same English text; it is shown in Chinese."""
    with use_language("zh"), LedgerBook.open(":memory:") as book:
        book.settle(_claim("C2", "2019-02-10"), _PERSON)
        record = book.settle(_claim("C1", "2019-01-10"), _PERSON)
        assert record.posting_note == _ENGLISH_NOTE
        assert book.verify().ok
    assert posting_note_text(_ENGLISH_NOTE, "zh") == _CHINESE_NOTE
    assert posting_note_text(_ENGLISH_NOTE, "en") == _ENGLISH_NOTE
    assert posting_note_text("", "zh") == ""
    assert posting_note_text("a note of another kind", "zh") == "a note of another kind"


def _documents(tmp_path: Path) -> list[Path]:
    paths = []
    for cid, day in (("C2", "2019-02-10"), ("C1", "2019-01-10")):
        document = {
            "person": {"id": "P-cili", "poor": False, "county": "cili"},
            "claims": [{"id": cid, "kind": "inpatient", "date": day,
                        "facility": {"level": "county", "county": "cili"},
                        "total": "40000.00", "in_scope": "40000.00"}],
            "ledger": None,
        }  # fmt: skip
        path = tmp_path / f"{cid}.json"
        path.write_text(json.dumps(document), "utf-8")
        paths.append(path)
    return paths


def test_ledger_settle_prints_the_posting_note_in_chinese(tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.db")
    for path in _documents(tmp_path):
        result = _cli("--lang", "zh", "ledger", "--db", db, "settle", "--no-trace", str(path))
        assert result.exit_code == 0, result.stderr
    assert _CHINESE_NOTE in " ".join(result.stderr.split())
    assert "posting order" not in result.stderr


def test_ledger_show_and_report_in_chinese(tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.db")
    for path in _documents(tmp_path):
        assert _cli("ledger", "--db", db, "settle", "--no-trace", str(path)).exit_code == 0
    shown = _cli("--lang", "zh", "ledger", "--db", db, "show", "P-cili")
    assert shown.exit_code == 0, shown.stderr
    assert "critical_illness（大病保险）" in shown.stdout
    report = _cli("--lang", "zh", "ledger", "--db", db, "report", "--date", "2019-01-10")
    assert report.exit_code == 0, report.stderr
    for word in ("日期", "医疗机构", "支付层", "理赔数", "金额", "合计", "total（医疗费总额）"):
        assert word in report.stdout, word
    english = _cli("--lang", "en", "ledger", "--db", db, "report", "--date", "2019-01-10")
    assert "claims" in english.stdout
    assert "理赔数" not in english.stdout


def test_the_reconciliation_table_in_chinese() -> None:
    row = ReconciliationRow(dt.date(2019, 10, 1), "township@cili", "patient_pay", 2, Decimal("9"))
    with use_language("zh"):
        table = reconciliation_table([row])
    assert [c.header for c in table.columns] == ["日期", "医疗机构", "支付层", "理赔数", "金额"]
    assert table.title == "对账"
    assert list(table.columns[2].cells) == ["patient_pay（个人自付）"] * 2
    with use_language("en"):
        table = reconciliation_table([row])
    assert [c.header for c in table.columns] == ["date", "facility", "layer", "claims", "amount"]
    assert list(table.columns[2].cells) == ["patient_pay"] * 2


def _audit(target: str) -> AuditRecord:
    return AuditRecord(0, "2026-01-01T08:00:00+00:00", "settle", "tok_1", "facility", "H1",
                       "req-1", target, "sha256:ab", 200, "ok")  # fmt: skip


def test_audit_problems_in_chinese_and_the_json_stays_english(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with LedgerBook.open(path) as book:
        stored = [book.store.add_audit(_audit(f"C{i}")) for i in (1, 2)]
    forged = [stored[0], attrs.evolve(stored[1], status=409)]
    assert audit_chain_problems(forged, "zh") == ["审计记录 2：哈希值与其内容不符"]
    assert audit_chain_problems(stored[1:], "zh")[0] == "审计记录 2：序号不连续（应为 1）"
    assert audit_chain_problems(forged) == ["audit record 2: its hash does not match its content"]
    table = _cli("--lang", "zh", "ledger", "--db", str(path), "audit")
    assert table.exit_code == 0, table.stderr
    for heading in ("序号", "操作", "操作者", "状态码", "结果"):
        assert heading in table.stdout, heading
    as_json = _cli("--lang", "zh", "ledger", "--db", str(path), "audit", "--json")
    assert json.loads(as_json.stdout)["problems"] == []


# -- the policy's names in Chinese -------------------------------------------------------------


def _policy_text(lang: str) -> str:
    from rich.console import Console

    from zjj_medical.policy.loader import load_policy
    from zjj_medical.render.policy_table import policy_tables

    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    with use_language(lang):
        console.print(policy_tables(load_policy("zhangjiajie"), dt.date(2019, 11, 3), 200))
    return out.getvalue()


def test_policy_show_in_chinese_keys_tier_tables_by_name() -> None:
    """The deductible (起付线) table keyed by tier: 乡镇卫生院 in Chinese, township in English."""
    from zjj_medical.policy.loader import load_policy
    from zjj_medical.render.policy_table import format_value

    policy = load_policy("zhangjiajie")
    table = {"township": Decimal("200.00"), "county": None}
    with use_language("zh"):
        assert format_value(table, "CNY", policy) == "乡镇卫生院 200.00，县级医院 不封顶"
    with use_language("en"):
        assert format_value(table, "CNY", policy) == "township 200.00, county no limit"
    zh = " ".join(_policy_text("zh").split())
    assert "乡镇卫生院 " in zh
    assert re.search(r"\btownship \d", zh) is None
    assert re.search(r"\btownship \d", " ".join(_policy_text("en").split()))


def test_explain_in_chinese_names_the_claim_kind() -> None:
    from zjj_medical import settle

    s = settle(_claim("C1", "2019-11-03"), _PERSON)
    with use_language("zh"):
        first = s.explain().splitlines()[0]
    assert "（住院，2019-11-03）" in first
    assert "inpatient" not in first
    with use_language("en"):
        assert "inpatient" in s.explain().splitlines()[0]
