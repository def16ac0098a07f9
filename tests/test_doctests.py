"""Run the examples in every module's docstrings against the installed package.

Only modules that hold examples are run: a module with none would pass without running
anything. Each module run must attempt at least one example.
"""

import doctest
import importlib
import pkgutil

import pytest

import zjj_medical

ALL_MODULES = sorted(
    m.name for m in pkgutil.walk_packages(zjj_medical.__path__, prefix="zjj_medical.")
)


def _examples(name: str) -> int:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    return sum(len(t.examples) for t in finder.find(module, name, globs={}))


#: The modules whose docstrings hold examples.
MODULES = [name for name in ALL_MODULES if _examples(name)]


def test_the_doctest_list_is_not_empty() -> None:
    """Most of the package documents itself with examples (a broken finder would find none)."""
    assert len(MODULES) >= 20


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    """Every docstring example of the module runs and prints what it shows."""
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
