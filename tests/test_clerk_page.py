"""The clerk's page (一站式结算) in a real browser, against a real `zjj-medical serve`.

Debian's chromium is driven by Playwright (the system browser: nothing is downloaded). The
service runs on a free loopback port with a fresh SQLite store and a token made with
`zjj-medical token create`. The page signs in, settles two claims, shows each layer's
amount and clause, looks up the person's year and reverses the first claim after the
confirmation dialog; the amounts read off the page are compared with the library's own
settlement of the same claims and, for the first claim, with amounts worked by hand.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from zjj_medical.contract.documents import settle_document

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FACILITY = "sangzhi-county-hospital"  # a county hospital the policy does not name: its level counts
SCREENSHOT = os.environ.get("ZJJ_MEDICAL_CLERK_SCREENSHOT")  # a PNG path, to look at the sheet

if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(
        "SKIPPED: the clerk page's browser test needs Debian's chromium at /usr/bin/chromium "
        "(apt-get install -y chromium fonts-noto-cjk; .ci/run installs it)",
        allow_module_level=True,
    )
if importlib.util.find_spec("zjj_medical.service.app") is None:
    pytest.skip(
        "SKIPPED: the settlement service (zjj_medical.service.app) is not in this build",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="SKIPPED: playwright is not installed (pip install '.[test]')"
)

PERSON = {"id": "SZ-0001", "poor": True, "county": "sangzhi", "categories": []}


def claim(cid: str, date: str, total: str, in_scope: str) -> dict[str, Any]:
    return {
        "id": cid,
        "kind": "inpatient",
        "date": date,
        "facility": {"id": FACILITY, "level": "county", "county": "sangzhi"},
        "total": total,
        "in_scope": in_scope,
        "accident": False,
    }


A1 = claim("SZ-0001-A1", "2019-11-03", "20000.00", "18000.00")
A2 = claim("SZ-0001-A2", "2019-11-20", "30000.00", "28000.00")

# A1 worked by hand from src/zjj_medical/data/policies/zhangjiajie.yaml (the tutorial's first
# claim, docs/tutorial/first-claim.md): a registered poor person of Sangzhi, a county hospital.
#   基本医疗保险: deductible waived for the poor; ratio 75% + 10% = 85%:
#                 18000.00 × 0.85 = 15300.00 (annual cap 150000.00 not reached)
#   大病保险:     base = in-scope left by basic = 18000.00 − 15300.00 = 2700.00; deductible
#                 10000 × 50% = 5000.00 for the poor; 2700.00 ≤ 5000.00 → 0.00
#   扶贫特惠保, 医疗救助, 医院减免: ratio 0 (rate not stated in the source) → 0.00 each
#   财政兜底:     85% of total 20000.00 = 17000.00, less 15300.00 paid above → 1700.00
#   报销合计 15300.00 + 1700.00 = 17000.00; 个人自付 20000.00 − 17000.00 = 3000.00;
#   实际报销比例 17000.00 ÷ 20000.00 = 85.00%
A1_BY_HAND = {
    "basic_insurance": "15300.00",
    "critical_illness": "0.00",
    "special_poverty_insurance": "0.00",
    "medical_assistance": "0.00",
    "hospital_reduction": "0.00",
    "fiscal_backstop": "1700.00",
}


LINES = [
    {"code": "A1", "name": "床位费", "class": "A", "quantity": "10", "price": "50.00"},
    {"code": "B1", "name": "头孢呋辛钠", "class": "乙类", "quantity": "3", "price": "12.35"},
    {"code": "C1", "name": "自费药", "class": "C", "quantity": "1", "price": "880.00"},
    {
        "code": "B2",
        "name": "耗材",
        "class": "B",
        "quantity": "4",
        "price": "12.50",
        "limit": "10.00",
    },
]


def library(*claims: dict[str, Any]) -> list[dict[str, Any]]:
    """The library's own settlements of the claims, in order, from an empty ledger."""
    out = settle_document({"person": PERSON, "claims": list(claims), "ledger": None}, trace=False)
    return list(out["settlements"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str) -> list[str]:
    exe = shutil.which("zjj-medical", path=str(Path(sys.executable).parent))
    return [exe, *args] if exe else [sys.executable, "-m", "zjj_medical.cli", *args]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real `zjj-medical serve` on a loopback port: (base URL, a facility token)."""
    tmp = tmp_path_factory.mktemp("clerk")
    db = str(tmp / "ledger.db")
    made = subprocess.run(
        cli("token", "create", "--db", db, "--facility", FACILITY),
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    token = made.stdout.split()[-1]
    port = free_port()
    log = tmp / "serve.log"  # a file, not a pipe: nobody reads the server's log while it runs
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cli("serve", "--db", db, "--host", "127.0.0.1", "--port", str(port)),
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as r:
                    assert 200 == r.status
                    break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"zjj-medical serve did not start:\n{log.read_text('utf-8', 'replace')}"
                    )
                time.sleep(0.1)
        yield url, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1100, "height": 900}, locale="zh-CN",
        )  # fmt: skip
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_default_timeout(15_000)
        yield page
        ctx.close()
        assert [] == errors, "the page's script failed"


def fill_claim(page: Any, c: dict[str, Any]) -> None:
    page.fill("#person_id", PERSON["id"])
    page.check("input[name=poor][value=true]")
    page.select_option("#county", PERSON["county"])
    page.fill("#claim_id", c["id"])
    page.check(f"input[name=kind][value={c['kind']}]")
    page.fill("#date", c["date"])
    page.fill("#facility_id", c["facility"]["id"])
    page.select_option("#level", c["facility"]["level"])
    page.fill("#total", c["total"])
    page.fill("#in_scope", c["in_scope"])


def sheet_amounts(page: Any) -> dict[str, str]:
    rows = page.locator("#sheet-body tbody tr[data-layer]")
    return {
        rows.nth(i).get_attribute("data-layer"): rows.nth(i).locator("td.amt").inner_text()
        for i in range(rows.count())
    }


def sheet_total(page: Any, name: str) -> str:
    return str(page.locator(f"#sheet-body tfoot tr[data-total={name}] td.amt").inner_text())


def test_the_clerk_settles_looks_up_and_reverses(
    service: tuple[str, str], browser_page: Any
) -> None:
    url, token = service
    page = browser_page
    page.goto(url + "/")
    assert "一站式结算" == page.title()

    # a wrong token is refused next to the field, in plain words
    page.fill("#token", "not-a-token")
    page.click("#signin-form button[type=submit]")
    sync_api.expect(page.locator("#token-err")).to_contain_text("令牌无效")
    assert page.locator("#work").is_hidden()

    page.fill("#token", token)
    page.click("#signin-form button[type=submit]")
    sync_api.expect(page.locator("#work")).to_be_visible()
    assert token == page.evaluate("sessionStorage.getItem('zjj-token')")

    # a bad amount from the service is shown next to its field
    fill_claim(page, {**A1, "in_scope": "25000.00"})
    page.click("#settle")
    sync_api.expect(page.locator("#in_scope-err")).to_contain_text("25000.00")
    assert "true" == page.get_attribute("#in_scope", "aria-invalid")

    # 预结算: the sheet, not posted
    fill_claim(page, A1)
    page.click("#presettle")
    sync_api.expect(page.locator("#sheet-kind")).to_have_text("预结算 · 未入账")
    assert page.locator("#reverse").is_hidden()
    assert A1_BY_HAND == sheet_amounts(page)

    # fee lines pasted instead of the amounts (the fee-lines guide's stay, pre-settled): the
    # in-scope part is 500.00 + 33.34 + 36.00 = 569.34 of a total 1467.05 (丙类 880.00 wholly
    # self-paid, 10.00 above the price limit, 3.71 + 4.00 = 7.71 paid first); basic insurance
    # 569.34 × 0.85 = 483.94, the fiscal backstop round(0.85 × 1467.05) − 483.94 = 763.05
    page.fill("#claim_id", "SZ-0001-L1")
    page.fill("#total", "")
    page.fill("#in_scope", "")
    page.click("#claim-form summary")
    page.fill("#lines", "[{not json")
    page.click("#presettle")
    sync_api.expect(page.locator("#lines-err")).to_contain_text("JSON")
    page.fill("#lines", json.dumps(LINES, ensure_ascii=False))
    page.click("#presettle")
    sync_api.expect(page.locator("#sheet-body [data-fact=claim_id]")).to_have_text("SZ-0001-L1")
    assert "1467.05" == page.locator("#sheet-body [data-fact=total]").inner_text()
    assert "569.34" == page.locator("#sheet-body [data-fact=in_scope]").inner_text()
    assert "先行自付 7.71" in page.locator("#sheet-body [data-fact=split]").inner_text()
    lines_paid = sheet_amounts(page)
    assert ("483.94", "763.05") == (lines_paid["basic_insurance"], lines_paid["fiscal_backstop"])
    page.fill("#lines", "")

    # 结算 A1: by hand and by the library
    fill_claim(page, A1)
    page.click("#settle")
    sync_api.expect(page.locator("#sheet-kind")).to_have_text("已结算")
    assert A1_BY_HAND == sheet_amounts(page)
    assert "17000.00" == sheet_total(page, "reimbursed")
    assert "3000.00" == sheet_total(page, "patient_pay")
    assert "85.00%" == sheet_total(page, "actual_ratio")
    (lib_a1,) = library(A1)
    assert lib_a1["payments"] == sheet_amounts(page)
    # each amount with its clause and arithmetic
    basic = page.locator("#sheet-body tr[data-layer=basic_insurance]")
    assert "基本医疗保险" in basic.inner_text()
    assert "基本医疗报销政策" in basic.locator(".clause").inner_text()
    assert "18000.00 − 起付线 0.00) × 0.85 = 15300.00" in basic.locator(".calc").inner_text()

    # 结算 A2: the year's second claim, as the library settles it after A1
    fill_claim(page, A2)
    page.click("#settle")
    sync_api.expect(page.locator("#sheet-body [data-fact=claim_id]")).to_have_text(A2["id"])
    lib_a2 = library(A1, A2)[1]
    assert lib_a2["payments"] == sheet_amounts(page)
    assert lib_a2["reimbursed"] == sheet_total(page, "reimbursed")
    assert lib_a2["patient_pay"] == sheet_total(page, "patient_pay")
    ratio = Decimal(lib_a2["actual_ratio"]) * 100
    assert f"{ratio:.2f}%" == sheet_total(page, "actual_ratio")
    if SCREENSHOT:
        page.locator("#sheet").screenshot(path=SCREENSHOT)

    # the person's year: two settlements, the ledger's basic insurance paid
    page.fill("#y_person", PERSON["id"])
    page.fill("#y_year", "2019")
    page.click("#year-form button[type=submit]")
    sync_api.expect(page.locator("#year-settlements tbody tr")).to_have_count(2)
    paid = Decimal(lib_a1["payments"]["basic_insurance"]) + Decimal(
        lib_a2["payments"]["basic_insurance"]
    )
    sync_api.expect(
        page.locator("#ledger tr[data-layer=basic_insurance] td.amt").first
    ).to_have_text(f"{paid:.2f}")

    # reverse A1: cancel first (nothing happens), then confirm
    page.locator("#year-settlements tr[data-claim='SZ-0001-A1'] button").click()
    sync_api.expect(page.locator("#sheet-body [data-fact=claim_id]")).to_have_text(A1["id"])
    page.click("#reverse")
    sync_api.expect(page.locator("#confirm")).to_be_visible()
    assert "SZ-0001-A1" in page.locator("#confirm-text").inner_text()
    page.click("#confirm button[value=cancel]")
    sync_api.expect(page.locator("#confirm")).to_be_hidden()
    sync_api.expect(page.locator("#sheet-kind")).to_have_text("已结算")
    page.click("#reverse")
    page.click("#confirm-ok")
    sync_api.expect(page.locator("#sheet-kind")).to_have_text("已冲销")
    sync_api.expect(page.locator("#sheet-msg")).to_contain_text("SZ-0001-A1 已冲销")
    # the year after the reversal: A2 alone, as the library settles it from an empty ledger
    (alone,) = library(A2)
    sync_api.expect(
        page.locator("#ledger tr[data-layer=basic_insurance] td.amt").first
    ).to_have_text(alone["payments"]["basic_insurance"])
    sync_api.expect(
        page.locator("#ledger tr[data-layer=fiscal_backstop] td.amt").first
    ).to_have_text(alone["payments"]["fiscal_backstop"])

    # the sheet prints: window.print() is called, and the print stylesheet keeps the sheet only
    page.evaluate(
        "() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }"
    )
    page.click("#print")
    assert 1 == page.evaluate("window.__printed")
    page.emulate_media(media="print")
    assert page.locator("#sheet").is_visible()
    assert page.locator("#claim").is_hidden()
    page.emulate_media(media="screen")

    # English, from the same dictionary
    page.click("#lang")
    sync_api.expect(page.locator("#sheet-h")).to_contain_text("One-stop settlement sheet")
    page.click("#lang")
    sync_api.expect(page.locator("#sheet-h")).to_contain_text("一站式结算单")
