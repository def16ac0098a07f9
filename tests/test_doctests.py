"""Run the examples in every module's docstrings against the installed package."""

import doctest
import importlib
import pkgutil

import pytest

import zjj_medical

MODULES = sorted(m.name for m in pkgutil.walk_packages(zjj_medical.__path__, prefix="zjj_medical."))


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    """Every docstring example of the module runs and prints what it shows."""
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
