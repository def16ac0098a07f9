"""The carried ledger of the stateless JSON contract is signed when the deployment sets a key
(ZJJ_MEDICAL_LEDGER_KEY or key=): an edited ledger is refused, nothing changes without one."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from zjj_medical.cli import cli
from zjj_medical.contract.documents import settle_document
from zjj_medical.contract.signature import KEY_VARIABLE
from zjj_medical.errors import LedgerMismatch

KEY = "test key of the deployment"


def doc(cid: str = "C1", day: str = "2019-03-01", ledger: Any = None) -> dict[str, Any]:
    """A 慈利县 resident's inpatient claim of 200,000 yuan (it reaches the basic cap)."""
    claim = {"id": cid, "kind": "inpatient", "date": day, "accident": False,
             "facility": {"id": None, "level": "county", "county": "cili"},
             "total": "200000.00", "in_scope": "200000.00"}  # fmt: skip
    person = {"id": "P1", "poor": False, "county": "cili", "categories": []}
    return {"person": person, "claims": [claim], "ledger": ledger}


@pytest.fixture(autouse=True)
def _no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets the key it means."""
    monkeypatch.delenv(KEY_VARIABLE, raising=False)


def test_signature_is_hmac_sha256_of_canonical_json() -> None:
    """The signature is HMAC-SHA256 over the ledger's keys sorted, no spaces, UTF-8."""
    ledger = settle_document(doc(), key=KEY)["ledger"]
    body = {k: v for k, v in ledger.items() if k != "signature"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hmac.new(KEY.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    assert expected == ledger["signature"]


def test_signed_ledger_carries_to_the_next_claim() -> None:
    """The signed ledger handed back settles the next claim, whose ledger is signed too."""
    first = settle_document(doc(), key=KEY)
    second = settle_document(doc("C2", "2019-05-01", first["ledger"]), key=KEY)
    assert ["C1", "C2"] == second["ledger"]["claim_ids"]
    assert 64 == len(second["ledger"]["signature"])


def test_zeroing_paid_is_refused() -> None:
    """Zeroing ``paid`` to restore the cap headroom is refused as ledger.signature.invalid
    (without a key the edit pays the basic layer a second time)."""
    carried = settle_document(doc(), key=KEY)["ledger"]
    tampered = copy.deepcopy(carried)
    tampered["layers"]["basic_insurance"]["paid"] = "0.00"
    with pytest.raises(LedgerMismatch) as info:
        settle_document(doc("C2", "2019-05-01", tampered), key=KEY)
    assert ("ledger.signature.invalid", "ledger.signature") == (info.value.code, info.value.path)
    unsigned = {k: v for k, v in tampered.items() if k != "signature"}
    out = settle_document(doc("C2", "2019-05-01", unsigned))
    assert "0.00" != out["settlements"][0]["payments"]["basic_insurance"]


def test_missing_signature_is_refused() -> None:
    """With a key, a ledger without a signature is refused as ledger.signature.missing."""
    unsigned = settle_document(doc())["ledger"]
    with pytest.raises(LedgerMismatch) as info:
        settle_document(doc("C2", "2019-05-01", unsigned), key=KEY)
    assert "ledger.signature.missing" == info.value.code
    assert KEY_VARIABLE in str(info.value)


@pytest.mark.parametrize("signature", [None, 5, "", "0" * 64, "\ud800"])
def test_wrong_signature_values_are_refused(signature: Any) -> None:
    """A signature of the wrong type or value, or signed with another key, is refused."""
    carried = settle_document(doc(), key="another key")["ledger"]
    if signature is not None:
        carried["signature"] = signature
    with pytest.raises(LedgerMismatch):
        settle_document(doc("C2", "2019-05-01", carried), key=KEY)


def test_without_a_key_nothing_changes() -> None:
    """No key: the output ledger has no signature, and a signature handed in is ignored."""
    out = settle_document(doc())
    assert ["claim_ids", "layers", "person_id", "year"] == sorted(out["ledger"])
    signed = settle_document(doc(), key=KEY)["ledger"]
    again = settle_document(doc("C2", "2019-05-01", signed))
    assert ["C1", "C2"] == again["ledger"]["claim_ids"]


def test_cli_reads_the_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``zjj-medical settle`` signs with ZJJ_MEDICAL_LEDGER_KEY and refuses an edited ledger."""
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    runner = CliRunner()
    first = runner.invoke(cli, ["settle", "-"], input=json.dumps(doc()))
    assert 0 == first.exit_code, first.output
    carried = json.loads(first.stdout)["ledger"]
    assert carried == settle_document(doc(), key=KEY)["ledger"]
    carried["layers"]["basic_insurance"]["paid"] = "0.00"
    lines = json.dumps(doc("C2", "2019-05-01", carried)) + "\n"
    result = runner.invoke(cli, ["settle", "--lines", "-"], input=lines)
    assert 1 == result.exit_code
    assert "ledger.signature.invalid" == json.loads(result.stdout.splitlines()[0])["error"]["code"]


def test_signed_documents_follow_the_schemas() -> None:
    """The signed output validates against the output schema, and carried back as input
    against the input schema (both document ``signature``)."""
    import jsonschema

    from zjj_medical.contract import documents

    schemas = Path(documents.__file__).parent
    output = json.loads((schemas / "settlement-output.schema.json").read_text("utf-8"))
    inputs = json.loads((schemas / "settlement-input.schema.json").read_text("utf-8"))
    out = settle_document(doc(), key=KEY)
    jsonschema.validate(out, output)
    jsonschema.validate(doc("C2", "2019-05-01", out["ledger"]), inputs)
    out["ledger"]["signature"] = "not hex"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(out, output)
