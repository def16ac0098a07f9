"""Figures in Chinese: labels from the catalog with a CJK font, else English and a warning."""

from __future__ import annotations

import os
import warnings

os.environ.setdefault("MPLBACKEND", "Agg")

from pathlib import Path

import pytest

from zjj_medical.analysis import plots
from zjj_medical.i18n import use_language


def _texts(fig: object) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]  # type: ignore[attr-defined]


def test_chinese_labels_with_a_cjk_font(tmp_path: Path) -> None:
    if plots.cjk_font() is None:
        pytest.fail("no CJK font: .ci/run installs fonts-noto-cjk (apt-get)")
    with use_language("zh"):
        fig = plots.curve_figure(points=3)
    titles = [ax.get_title() for ax in fig.axes]
    assert ["非贫困人口：实际报销比例", "建档立卡贫困人口：实际报销比例"] == titles[:2]
    texts = _texts(fig)
    assert "县级医院" in texts  # the tiers by their Chinese names
    families = {t.get_fontfamily()[0] for t in [*fig.axes[0].texts, fig.axes[0].title]}
    assert {plots.cjk_font()} == families
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn
        plots.save_figures({"curve": fig}, tmp_path)
    assert (tmp_path / "curve.png").stat().st_size > 0


def test_english_labels_stay_english() -> None:
    with use_language("en"):
        fig = plots.curve_figure(points=3)
    assert "Not poor: actual reimbursement ratio" == fig.axes[0].get_title()


def test_without_a_cjk_font_english_labels_and_one_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(plots, "cjk_font", lambda: None)
    plots._warn_no_font.cache_clear()
    with use_language("zh"), pytest.warns(UserWarning, match="no font with Chinese glyphs"):
        fig = plots.curve_figure(points=3)
    assert "Not poor: actual reimbursement ratio" == fig.axes[0].get_title()
    with use_language("zh"), warnings.catch_warnings():
        warnings.simplefilter("error")  # the warning is given once
        plots.curve_figure(points=3)
    plots._warn_no_font.cache_clear()
