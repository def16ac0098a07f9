"""The public API is what the packages list in ``__all__``: sorted, importable, documented."""

from __future__ import annotations

import importlib
import inspect

import pytest

#: The public packages and modules; everything else (underscored modules, and modules these
#: packages do not re-export) is internal and may change.
PUBLIC = [
    "zjj_medical",
    "zjj_medical.analysis",
    "zjj_medical.analysis.metrics",
    "zjj_medical.analysis.plots",
    "zjj_medical.analysis.population",
    "zjj_medical.analysis.reform",
    "zjj_medical.batch",
    "zjj_medical.contract",
    "zjj_medical.engine.layers",
    "zjj_medical.engine.layers.kernel",
    "zjj_medical.errors",
    "zjj_medical.money",
    "zjj_medical.policy",
    "zjj_medical.render",
    "zjj_medical.service",
    "zjj_medical.store",
    "zjj_medical.store.access",
]


@pytest.mark.parametrize("name", PUBLIC)
def test_all_is_sorted_and_importable(name: str) -> None:
    """``__all__`` is sorted (constants, then classes, then the rest, as ruff sorts it) and
    every name in it is there."""
    module = importlib.import_module(name)
    names = list(module.__all__)
    assert (
        sorted(names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n)) == names
    )
    for n in names:
        assert hasattr(module, n), f"{name}.{n}"


@pytest.mark.parametrize("name", PUBLIC)
def test_public_functions_and_classes_are_documented(name: str) -> None:
    """Every public function and class has a docstring."""
    module = importlib.import_module(name)
    missing = [
        n for n in module.__all__
        if (inspect.isfunction(obj := getattr(module, n)) or inspect.isclass(obj))
        and not inspect.getdoc(obj)
    ]  # fmt: skip
    assert [] == missing


def test_packages_reexport_no_private_module_names() -> None:
    """No public package lists an underscored name."""
    for name in PUBLIC:
        module = importlib.import_module(name)
        assert [] == [n for n in module.__all__ if n.startswith("_")]
