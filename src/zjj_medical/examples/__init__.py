"""The example documents and reforms the documentation uses, installed with the package.

They are found the same way in a checkout and in an installed package, so every example of
the documentation runs anywhere:

- ``sangzhi_poor_household.json`` — a registered-poor Sangzhi resident's two admissions of
  2019, as a document of the JSON contract (the tutorial's household);
- ``reforms/county_ratio_080.yaml`` — a reform: county hospitals' basic-insurance ratio
  from 75% to 80%;
- ``reforms/sweep_county_ratio.yaml`` — a sweep: that reform beside a grid of the county
  ratio and the critical-illness deductible.

>>> from zjj_medical import examples
>>> examples.names()
['reforms/county_ratio_080.yaml', 'reforms/sweep_county_ratio.yaml', 'sangzhi_poor_household.json']
>>> examples.path("sangzhi_poor_household.json").name
'sangzhi_poor_household.json'
>>> examples.load("sangzhi_poor_household.json")["person"]["county"]
'桑植县'
>>> examples.load("reforms/county_ratio_080.yaml").name
'County hospitals at 80% (县级医院报销比例 75% → 80%)'

From a shell, ``python -m zjj_medical.examples`` lists them and
``python -m zjj_medical.examples path NAME`` prints where one is, for a command's argument::

    zjj-medical settle "$(python -m zjj_medical.examples path sangzhi_poor_household.json)"
"""

from __future__ import annotations

import json
import shutil
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from zjj_medical.errors import problem

__all__ = ["copy", "load", "names", "path"]

_SUFFIXES = (".json", ".yaml")


def _walk(node: Traversable, prefix: str = "") -> list[str]:
    out: list[str] = []
    for child in node.iterdir():
        if child.is_dir() and not child.name.startswith("__"):
            out += _walk(child, f"{prefix}{child.name}/")
        elif child.name.endswith(_SUFFIXES):
            out.append(prefix + child.name)
    return out


def names() -> list[str]:
    """Every example's name (its path below the package, ``/``-separated), sorted."""
    return sorted(_walk(resources.files(__name__)))


def path(name: str) -> Path:
    """The file of an example, by its name (see :func:`names`).

    Raises ``KeyError`` (code ``examples.unknown``) for a name that is not an example.
    """
    if name not in names():
        raise problem(KeyError, "examples.unknown", value=name, accepted=names())
    found = resources.files(__name__).joinpath(*name.split("/"))
    # Installed as files (a wheel or a checkout): the resource is a path on disk.
    return Path(str(found))


def load(name: str) -> Any:
    """An example read: a JSON document as data, a reform as a
    :class:`~zjj_medical.analysis.reform.Reform`, a sweep as a
    :class:`~zjj_medical.analysis.sweep.Sweep`."""
    file = path(name)
    if name.startswith("reforms/sweep_"):
        from zjj_medical.analysis.sweep import load_sweep

        return load_sweep(file)
    if name.startswith("reforms/"):
        from zjj_medical.analysis.reform import load_reform

        return load_reform(file)
    return json.loads(file.read_text("utf-8"))


def copy(name: str, directory: str | Path) -> Path:
    """Copy an example into ``directory`` (created if needed); the new file's path.

    Only the directory given is written to.
    """
    source = path(name)
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(source, target / source.name))
