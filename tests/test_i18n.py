"""Languages: the catalog is complete and current, the language is resolved in order."""

from __future__ import annotations

import re

import pytest

from zjj_medical.i18n import (
    POLICY_TEXT,
    get_language,
    gettext,
    language_from_env,
    name_with_id,
    normalize_language,
    set_language,
    translations,
    use_language,
)
from zjj_medical.i18n.catalog import (
    _read,
    compiled_is_current,
    source_texts,
    template,
    untranslated,
    update,
)
from zjj_medical.messages import en, render, template_fields
from zjj_medical.messages import template as message_template


def test_every_text_has_a_chinese_translation() -> None:
    assert [] == untranslated(_read("zh"))


def test_the_catalog_holds_every_text_of_the_code() -> None:
    """A text added to the code (an error template, a ``_()``, a help string) and not yet
    in the .po file makes this fail: run ``python -m zjj_medical.i18n.catalog``."""
    changed, missing = update(write=False)
    assert (False, []) == (changed, missing)


def test_the_compiled_catalog_is_current() -> None:
    """The shipped .mo file (read at run time) holds exactly the .po file's translations:
    after editing the .po, run ``python -m zjj_medical.i18n.catalog``."""
    assert compiled_is_current("zh")


def test_every_error_code_has_a_chinese_template_with_the_same_fields() -> None:
    for code, text in en.MESSAGES.items():
        zh = message_template(code, "zh")
        words = re.sub(r"\{[^}]*\}", "", text).strip()
        assert zh != text or not words, code
        assert template_fields(text) == template_fields(zh), code


def test_no_template_entry_is_lost() -> None:
    pot = template()
    in_code = {context for *_where, context in source_texts() if context}
    contexts = {m.context for m in pot if m.context} - in_code - {POLICY_TEXT}
    codes = {c for c in contexts if not c.startswith(en.MEANING_CONTEXT)}
    families = {c.removeprefix(en.MEANING_CONTEXT) for c in contexts - codes}
    assert set(en.MESSAGES) == codes
    assert set(en.MEANINGS) == families


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C"}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"ZJJ_MEDICAL_LANG": "zh", "LANG": "en_US.UTF-8"}, "zh"),
        ({"ZJJ_MEDICAL_LANG": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),
        ({"ZJJ_MEDICAL_LANG": "fr", "LANG": "zh_CN.UTF-8"}, "zh"),
    ],
)
def test_language_from_env(environ: dict[str, str], expected: str) -> None:
    assert expected == language_from_env(environ)


def test_set_language_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZJJ_MEDICAL_LANG", "en")
    with use_language("zh"):
        assert "zh" == get_language()
        assert "是" == gettext("yes")
    assert "en" == get_language()
    monkeypatch.setenv("ZJJ_MEDICAL_LANG", "zh")
    assert "zh" == get_language()
    with pytest.raises(ValueError, match="unknown language"):
        set_language("fr")


def test_normalize_language() -> None:
    assert ("zh", "zh", "en", None, None) == (
        normalize_language("zh-CN"), normalize_language("zh_CN.UTF-8"),
        normalize_language("EN"), normalize_language("fr"), normalize_language(""),
    )  # fmt: skip


def test_english_has_no_catalog_and_translates_to_itself() -> None:
    assert "yes" == translations("en").gettext("yes")


def test_an_error_in_chinese_shows_ids_with_their_names() -> None:
    params = {
        "claim_id": "C1", "value": "桑植", "accepted": ["yongding", "sangzhi"],
        "accepted_names": ["永定区", "桑植县"],
    }  # fmt: skip
    assert (
        "理赔 C1：person.county：未知区县 '桑植'（可接受：yongding（永定区）、sangzhi（桑植县））"
        == render("claim.person.county.unknown", params, "zh")
    )
    assert "claim C1: person.county: unknown county '桑植' (accepted: yongding, sangzhi)" == (
        render("claim.person.county.unknown", params, "en")
    )


def test_the_empty_list_is_said_in_the_language() -> None:
    params = {"claim_id": "C1", "value": "x", "accepted": []}
    assert render("claim.kind.unknown", params, "zh").endswith("（可接受：无）")
    assert render("claim.kind.unknown", params, "en").endswith("(accepted: none)")


def test_name_with_id() -> None:
    assert ("sangzhi（桑植县）", "sangzhi (桑植县)", "sangzhi") == (
        name_with_id("sangzhi", "桑植县", "zh"), name_with_id("sangzhi", "桑植县", "en"),
        name_with_id("sangzhi", None, "zh"),
    )  # fmt: skip


def test_the_catalog_ships_with_the_package() -> None:
    """pyproject's package data includes the .po and the compiled .mo (no build step)."""
    import tomllib
    from pathlib import Path

    import zjj_medical
    from zjj_medical.i18n import catalog_path

    root = Path(__file__).resolve().parents[1]
    package = Path(zjj_medical.__file__).resolve().parent  # the checkout's or the installed one
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["zjj_medical"]
    for suffix in (".po", ".mo"):
        path = Path(str(catalog_path("zh", suffix)))
        relative = path.resolve().relative_to(package)
        assert any(relative.match(p) for p in patterns), suffix


def test_every_reason_of_the_built_in_policies_is_in_the_catalog_and_shown_in_chinese() -> None:
    """Each assumption's reason in a built-in policy file is a catalog entry (context
    policy-text) with a Chinese translation; the Chinese sheet of a claim shows it in Chinese,
    the English one as the file writes it."""
    from zjj_medical import Claim, Facility, Person, load_policy, settle
    from zjj_medical.i18n import policy_text, use_language
    from zjj_medical.i18n.catalog import policy_file_texts
    from zjj_medical.render.explain import explain_settlement as explain

    texts = {text for _file, text in policy_file_texts()}
    assert "I-5: rate not stated in the source; configure for your county" in texts
    for text in texts:
        assert policy_text(text, "zh") != text, text
        assert policy_text(text, "en") == text
    person = Person("P1", poor=True, county="sangzhi")
    claim = Claim("C1", "inpatient", "2019-11-01", Facility(level="county", county="sangzhi"),
                  "20000", "18000")  # fmt: skip
    s = settle(claim, person, policy=load_policy())
    with use_language("zh"):
        chinese = explain(s)
    with use_language("en"):
        english = explain(s)
    assert "I-5：政策原文未列明比例；请按本县政策配置" in chinese
    assert "rate not stated in the source" not in chinese
    assert "I-5: rate not stated in the source; configure for your county" in english
