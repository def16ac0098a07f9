"""Languages: Chinese (``zh``, zh-CN) and English (``en``) for every word a user reads.

One mechanism, GNU gettext catalogs read with Babel:

- English is the source language: every text is written in English in the code (a help
  string, a table heading, an error template) and is its own translation.
- ``locale/zh_CN/LC_MESSAGES/zjj_medical.po`` holds the Chinese. An error template is the
  entry whose context (``msgctxt``) is the error's code, so codes stay the stable key and
  the English template is what the translator reads; what a family of codes means is the
  entry whose context is ``meaning:`` and the family; any other text is an entry without
  context.
- The compiled ``zjj_medical.mo`` beside it is what is read, with the standard library's
  :mod:`gettext` (7 ms; compiling the ``.po`` with Babel at first use took 90 ms, and
  needed Babel at run time): it ships in the package, so ``pip install .`` needs no build
  step.
  ``python -m zjj_medical.i18n.catalog`` (Babel, in the ``test`` extra) brings the ``.po``
  up to date with the code, compiles the ``.mo`` and lists what is untranslated; the test
  suite fails when either is out of date.

The language is, in order: the one set by :func:`set_language` (the command line's
``--lang``), the environment variable ``ZJJ_MEDICAL_LANG``, the locale (``LC_ALL``,
``LC_MESSAGES``, ``LANG``: ``zh_*`` is Chinese), else English.

>>> gettext("yes", "zh")
'是'
>>> with use_language("zh"):
...     gettext("yes")
'是'
>>> gettext("yes", "en")
'yes'
"""

from __future__ import annotations

import contextlib
import functools
import gettext as _gettext
import os
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "N_",
    "POLICY_TEXT",
    "YES_NO",
    "get_language",
    "gettext",
    "language_from_env",
    "name_with_id",
    "ngettext",
    "normalize_language",
    "pgettext",
    "policy_text",
    "policy_texts_in",
    "read_yes_no",
    "set_language",
    "translations",
    "use_language",
    "yes_no",
]

#: The gettext domain of the catalogs.
DOMAIN = "zjj_medical"
#: The languages, by tag: Chinese first (the users' language), then English.
LANGUAGES: tuple[str, ...] = ("zh", "en")
#: The catalog's locale directory name of each language with a catalog (English has none).
_LOCALES: Mapping[str, str] = {"zh": "zh_CN"}
#: The environment variable that chooses the language.
ENV = "ZJJ_MEDICAL_LANG"

_chosen: str | None = None


def N_(message: str) -> str:  # noqa: N802 (the gettext convention for a marker)
    """Mark a text for the catalog without translating it here (it is translated where
    it is shown).

    >>> N_("Claim")
    'Claim'
    """
    return message


def normalize_language(tag: str | None) -> str | None:
    """``zh``/``en`` for a language tag or locale name (``zh-CN``, ``zh_CN.UTF-8``, ``en_US``,
    ``C``), ``None`` when it names neither.

    >>> normalize_language("zh_CN.UTF-8"), normalize_language("en-GB"), normalize_language("C")
    ('zh', 'en', None)
    """
    if not tag:
        return None
    base = tag.strip().replace("-", "_").split(".")[0].split("@")[0].split("_")[0].lower()
    return base if base in LANGUAGES else None


def language_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for: ``ZJJ_MEDICAL_LANG``, else the locale
    (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, the first one set): ``zh`` for a ``zh_*``
    locale, else ``en``.

    >>> language_from_env({"LANG": "zh_CN.UTF-8"}), language_from_env({"LANG": "C.UTF-8"})
    ('zh', 'en')
    >>> language_from_env({"ZJJ_MEDICAL_LANG": "en", "LANG": "zh_CN.UTF-8"})
    'en'
    """
    env = os.environ if environ is None else environ
    chosen = normalize_language(env.get(ENV))
    if chosen is not None:
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return normalize_language(value) or "en"
    return "en"


def get_language() -> str:
    """The current language: the one set (:func:`set_language`), else the environment's."""
    return _chosen if _chosen is not None else language_from_env()


def set_language(lang: str | None) -> None:
    """Set the current language (``zh`` or ``en``); ``None`` goes back to the environment's.

    Raises ``ValueError`` for another tag.
    """
    global _chosen
    if lang is not None and normalize_language(lang) is None:
        raise ValueError(f"unknown language {lang!r} (accepted: zh, en)")
    _chosen = normalize_language(lang)


@contextlib.contextmanager
def use_language(lang: str | None) -> Iterator[None]:
    """Within the block, the current language is ``lang``."""
    global _chosen
    before = _chosen
    set_language(lang)
    try:
        yield
    finally:
        _chosen = before


def catalog_path(lang: str, suffix: str = ".po") -> resources.abc.Traversable:
    """The catalog file of a language with a catalog: the ``.po`` source, or (``suffix``
    ``.mo``) the compiled catalog that is read."""
    folder = resources.files(__name__) / "locale" / _LOCALES[lang] / "LC_MESSAGES"
    return folder / f"{DOMAIN}{suffix}"


@functools.cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The gettext translations of a language, from its compiled catalog; English (or a
    language without a catalog) translates every text to itself. Untranslated entries
    fall back to English."""
    lang = normalize_language(lang) or "en"
    if lang not in _LOCALES:
        return _gettext.NullTranslations()
    with catalog_path(lang, ".mo").open("rb") as fh:
        return _gettext.GNUTranslations(fh)


def gettext(message: str, lang: str | None = None) -> str:
    """``message`` in ``lang`` (default: the current language)."""
    return translations(lang or get_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int, lang: str | None = None) -> str:
    """``singular`` or ``plural`` by ``n``, in ``lang`` (default: the current language)."""
    return translations(lang or get_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str, lang: str | None = None) -> str:
    """``message`` in ``lang``, the entry of ``context`` (an error code for an error template)."""
    return translations(lang or get_language()).pgettext(context, message)


#: The catalog context of the texts of the built-in policy files (the reasons of their
#: assumptions), which the catalog translates like the code's own texts.
POLICY_TEXT = "policy-text"


def policy_text(text: str, lang: str | None = None) -> str:
    """A text of a built-in policy file (an assumption's reason) in ``lang``: the catalog's
    translation of its words (runs of spaces as one), else the text as written (a county's
    own file is shown in the words it was written in).

    >>> policy_text("I-5: rate not stated in the source; configure for your county", "zh")
    'I-5：政策原文未列明比例；请按本县政策配置'
    >>> policy_text("a reason no catalog knows", "zh")
    'a reason no catalog knows'
    """
    words = " ".join(text.split())
    found = translations(lang or get_language()).pgettext(POLICY_TEXT, words)
    return text if found == words else found


def policy_texts_in(text: str, lang: str | None = None) -> str:
    """``text`` with every text of a built-in policy file in it translated (a note that
    quotes an assumption's reason).

    >>> policy_texts_in("the ratio is 0 (I-5: rate not stated in the source; configure for "
    ...                 "your county)", "zh")
    'the ratio is 0 (I-5：政策原文未列明比例；请按本县政策配置)'
    """
    for words, found in _policy_texts(normalize_language(lang or get_language()) or "en"):
        if words in text:
            text = text.replace(words, found)
    return text


@functools.cache
def _policy_texts(lang: str) -> tuple[tuple[str, str], ...]:
    """The policy texts the catalog of ``lang`` translates, longest first."""
    catalog = getattr(translations(lang), "_catalog", {})
    prefix = POLICY_TEXT + "\x04"
    found = [(k[len(prefix) :], v) for k, v in catalog.items()
             if isinstance(k, str) and k.startswith(prefix) and v]  # fmt: skip
    return tuple(sorted(found, key=lambda kv: -len(kv[0])))


def yes_no(value: bool, lang: str | None = None) -> str:
    """A boolean in words: ``是``/``否`` in Chinese, ``yes``/``no`` in English.

    >>> yes_no(True, "zh"), yes_no(False, "en")
    ('是', 'no')
    """
    return gettext(N_("yes") if value else N_("no"), lang)


#: The Chinese words for a boolean, accepted wherever a boolean is (documents, tables).
YES_NO: Mapping[str, bool] = {"是": True, "否": False}


def read_yes_no(value: Any) -> Any:
    """``是`` → ``True`` and ``否`` → ``False`` (spaces around ignored); any other value as is,
    for the reader of the field to accept or refuse.

    >>> read_yes_no("是"), read_yes_no(" 否 "), read_yes_no("maybe"), read_yes_no(True)
    (True, False, 'maybe', True)
    """
    if isinstance(value, str):
        found = YES_NO.get(value.strip())
        if found is not None:
            return found
    return value


def name_with_id(ident: str, name: str | None, lang: str | None = None) -> str:
    """An id with its Chinese name: ``sangzhi（桑植县）`` in Chinese, ``sangzhi (桑植县)`` in
    English; the id alone without a name.

    >>> name_with_id("sangzhi", "桑植县", "zh"), name_with_id("x", None, "zh")
    ('sangzhi（桑植县）', 'x')
    """
    if not name or name == ident:
        return ident
    if (lang or get_language()) == "zh":
        return f"{ident}（{name}）"
    return f"{ident} ({name})"
