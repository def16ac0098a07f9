"""Build-time pages and figures for the documentation (an mkdocs hook, no extra plugin).

- ``reference/policy-parameters.md``: every parameter of the built-in policies, its
  dated values, its modifiers and the clause it comes from, read from the policy data
  with :mod:`zjj_medical.render.policy_table`, so the page cannot drift from the data.
- the table of error codes in ``reference/errors.md``: every code of the message
  catalog, its meaning and an example message (:mod:`zjj_medical.render.error_codes`).
- ``assets/figures/*.png``: figures drawn from real settlements during the build.
- ``reference/http-api.md`` and ``reference/openapi.json``: the settlement service's
  OpenAPI document, as the service serves it, and a page written from it
  (:mod:`zjj_medical.service.reference`).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from zjj_medical import Claim, Facility, Person, settle
from zjj_medical.policy import BUILTIN_POLICIES, load_policy
from zjj_medical.policy.model import Modifier, Param, Policy
from zjj_medical.render.error_codes import code_table
from zjj_medical.render.explain import LAYER_TERMS
from zjj_medical.render.policy_table import all_params, format_value, repeat_rule_text

PARAMETERS_PAGE = "reference/policy-parameters.md"
API_PAGE = "reference/http-api.md"
API_DOCUMENT = "reference/openapi.json"


def openapi_files() -> dict[str, str]:
    """The service's OpenAPI document and its reference page, by site path."""
    from zjj_medical.service import create_app
    from zjj_medical.service.reference import api_page
    from zjj_medical.store import SQLiteStore

    store = SQLiteStore(":memory:")
    try:
        doc = create_app(store, static=None).openapi()
    finally:
        store.close()
    return {API_DOCUMENT: json.dumps(doc, ensure_ascii=False, indent=2), API_PAGE: api_page(doc)}


# --------------------------------------------------------------------------- the page


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _modifier(m: Modifier) -> str:
    value = "no limit" if m.value is None else str(m.value)
    sign = {"add": "+", "multiply": "×", "set": "="}[m.op]
    when = f" from {m.start}" if m.start else ""
    until = f" until {m.until}" if m.until else ""
    clause = f" ({m.reference})" if m.reference else ""
    return f"{sign} {value} if {m.when.text}{when}{until}{clause}"


def _value_cell(value: Any, unit: str) -> str:
    """A value for a table cell: one tier, or one band, per line."""
    if isinstance(value, Mapping):
        return "<br>".join(f"{k}: {_value_cell(v, unit)}" for k, v in value.items())
    if isinstance(value, tuple):
        return "<br>".join(_cell(format_value((band,), unit)) for band in value)
    return _cell(format_value(value, unit))


def _param_rows(label: str, p: Param) -> Iterable[str]:
    assumed = " **assumed**" if p.assumed else ""
    keys = f" (assumed for {', '.join(p.assumed_keys)})" if p.assumed_keys else ""
    mods = "<br>".join(_cell(_modifier(m)) for m in p.modifiers) or "—"
    for i, (start, value) in enumerate(p.values):
        first = i == 0
        yield (
            f"| {f'`{label}`{assumed}{keys}' if first else ''} "
            f"| {start} "
            f"| {_value_cell(value, p.unit)} "
            f"| {_cell(p.unit) if first else ''} "
            f"| {mods if first else ''} "
            f"| {_cell(p.reference) if first else ''} |"
        )


def _table(rows: Iterable[tuple[str, Param]]) -> list[str]:
    out = [
        "| parameter | from | value | unit | modifiers | clause |",
        "|---|---|---|---|---|---|",
    ]
    notes = []
    for label, p in rows:
        out.extend(_param_rows(label, p))
        if p.assumed and p.reason:
            notes.append(f"- `{label}` is assumed: {' '.join(p.reason.split())}")
    return [*out, "", *notes] if notes else out


def _declared(decl: Any) -> str:
    """A tier as ``id`` name (aliases), flagged when assumed."""
    aliases = f" ({', '.join(decl.aliases)})" if decl.aliases else ""
    return f"`{decl.id}` {decl.name}{aliases}" + (" **assumed**" if decl.assumed else "")


def policy_section(policy: Policy) -> str:
    """The Markdown section of one policy: header facts, then each layer's parameters."""
    lines = [
        f"## `{policy.id}` — {policy.name}",
        "",
        f"{' '.join(policy.description.split())}" if policy.description else "",
        "",
        f"- **Source:** {policy.source}",
        f"- **In force:** from {policy.start}" + (f" until {policy.until}" if policy.until else ""),
        f"- **Tiers:** {', '.join(_declared(t) for t in policy.tiers.values())}",
        f"- **Claim kinds:** {', '.join(f'`{k.id}` {k.name}' for k in policy.claim_kinds.values())}",
        "",
    ]
    groups = ("tiers", "claim_kinds", "counties", "categories", "facilities")
    assumed = [
        f"- `{group}.{d.id}` is assumed: {' '.join((d.reason or '').split())}"
        for group in groups
        for d in getattr(policy, group).values()
        if d.assumed
    ]
    if assumed:
        lines += ["Declarations the source text does not state:", "", *assumed, ""]
    in_layers: set[int] = set()
    for layer in policy.layers:
        en = LAYER_TERMS.get(layer.id, (layer.name, layer.id.replace("_", " ")))[1]
        lines += [f"### `{layer.id}` {layer.name} — {en}", ""]
        lines.append(f"{' '.join(layer.description.split())}")
        lines.append("")
        facts = [
            f"kinds: {', '.join(layer.kinds)}",
            f"type: {layer.type}",
            f"eligible: {layer.when.text}",
            f"accumulation: {layer.accumulation}",
        ]
        if layer.start or layer.until:
            facts.append(
                "in force: "
                + (f"from {layer.start}" if layer.start else "")
                + (f" until {layer.until}" if layer.until else "")
            )
        if layer.type == "schedule":
            base = layer.base_of + "".join(f" − {m}" for m in layer.base_minus)
            facts.append(f"base: {base}")
        if layer.bands is not None:
            facts.append(f"bands measured {layer.measured.replace('_', ' ')}")
        shared = [c.id for c in policy.shared_caps if layer.id in c.layers]
        if shared:
            facts.append(f"shared caps: {', '.join(shared)}")
        lines.append("*" + "; ".join(facts) + f".* Clause: {layer.reference}")
        lines.append("")
        for rule in layer.repeats:
            lines.append(f"- Repeat admissions: {_cell(repeat_rule_text(rule))}")
        if layer.repeats:
            lines.append("")
        params = layer.labelled_params()
        in_layers.update(id(p) for _, p in params)
        lines += _table(params)
        lines.append("")
    others = [(p.path, p) for p in all_params(policy) if id(p) not in in_layers]
    if others:
        lines += ["### Other parameters", ""]
        lines += _table(others)
        lines.append("")
    return "\n".join(lines)


def parameters_page() -> str:
    """The whole generated reference page."""
    head = [
        "# Policy parameters of the built-in policies",
        "",
        "This page is generated when the documentation is built, from the policy files",
        "shipped in the package (`src/zjj_medical/data/policies/`), with",
        "`zjj_medical.render.policy_table.all_params`, `PolicyLayer.labelled_params` and `format_value`.",
        "Each parameter shows every dated value (the value in force on a date is the latest",
        "one starting on or before it), the modifiers that change it for some persons or",
        "dates, and the clause of the source text it comes from. Parameters the source text",
        "does not state are marked **assumed**, with the reason (see",
        "[Interpretations](../explanation/interpretations.md)).",
        "",
        "The same tables, for one date, come from the command line:",
        "",
        "```text",
        "zjj-medical policy show zhangjiajie --date 2019-11-01",
        "```",
        "",
    ]
    sections = (policy_section(load_policy(name)) for name in BUILTIN_POLICIES)
    return "\n".join(head) + "\n".join(sections)


# --------------------------------------------------------------------------- figures

#: The claim drawn as a layer stack: a registered-poor Sangzhi resident, county hospital.
STACK_CLAIM = {
    "person": Person("SZ-0002", poor=True, county="sangzhi"),
    "claim": Claim(
        "SZ-0002-A1",
        "inpatient",
        "2019-11-20",
        Facility(level="county", county="sangzhi"),
        total="100000.00",
        in_scope="90000.00",
    ),
}


def _figure_png(fig: Any) -> bytes:
    """A figure as PNG bytes without timestamp or software version (same data, same bytes)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None}, bbox_inches="tight")
    return buf.getvalue()


def layer_stack_png() -> bytes:
    """The layers of one claim stacked up to its total cost, with the patient's share on top."""
    from matplotlib.figure import Figure

    s = settle(STACK_CLAIM["claim"], STACK_CLAIM["person"])
    fig = Figure(figsize=(7, 6), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    bottom = Decimal(0)
    colours = ["#00796b", "#26a69a", "#80cbc4", "#b2dfdb", "#e0f2f1", "#ffb300"]
    for i, (layer, amount) in enumerate(s.payments.items()):
        if amount == 0:
            continue
        en = LAYER_TERMS.get(layer, (layer, layer))[1]
        ax.bar([0], [float(amount)], bottom=[float(bottom)], width=0.5,
               color=colours[i % len(colours)], edgecolor="white")  # fmt: skip
        ax.annotate(f"{en}: {amount}", (0.3, float(bottom + amount / 2)), va="center")
        bottom += amount
    ax.bar([0], [float(s.patient_pay)], bottom=[float(bottom)], width=0.5,
           color="#e57373", edgecolor="white")  # fmt: skip
    ax.annotate(f"patient pays: {s.patient_pay}", (0.3, float(bottom + s.patient_pay / 2)),
                va="center")  # fmt: skip
    ax.axhline(float(s.total) * 0.85, color="black", linestyle="--", linewidth=1)
    ax.annotate("85% of total cost", (-0.55, float(s.total) * 0.85 + 1200))
    ax.set_xlim(-0.6, 1.6)
    ax.set_xticks([])
    ax.set_ylabel("yuan")
    ax.set_title(
        f"One claim, layer by layer: total {s.total}, in-scope {s.in_scope}\n"
        "registered poor, county hospital, in-county (2019-11-20)"
    )
    return _figure_png(fig)


def curves_png() -> bytes:
    """The reimbursement curves by facility level, poor and not poor (``plots.curve_figure``)."""
    from zjj_medical.analysis.plots import curve_figure

    return _figure_png(curve_figure())


#: The county simulation drawn on the site: synthetic people, a seed, and the example reform.
SIMULATION = {"people": 5000, "seed": 1, "reform": "reforms/county_ratio_080.yaml"}


def _comparison(root: Path) -> Any:
    from zjj_medical import examples
    from zjj_medical.analysis.population import synthetic_population
    from zjj_medical.analysis.reform import compare

    people, claims = synthetic_population(SIMULATION["people"], seed=SIMULATION["seed"])
    return compare(claims, people, None, examples.path(str(SIMULATION["reform"])))


def sheet_svg(lang: str = "en") -> bytes:
    """The tutorial's settlement sheet as the terminal draws it, as SVG (``lang``: the
    language of the sheet, ``zh`` for the Chinese page).

    Rich places every character on its own cell grid, so Chinese (two columns) and the
    box-drawing lines stay aligned whatever fonts the reader's browser has.
    """
    from rich.console import Console

    from zjj_medical.i18n import use_language
    from zjj_medical.render.sheet import settlement_sheet

    person = Person("SZ-0001", poor=True, county="桑植县")
    hospital = Facility(level="县级医院", county="桑植县")
    claim = Claim("SZ-0001-A1", "inpatient", "2019-11-03", hospital, "20000.00", "18000.00")
    console = Console(record=True, width=80, file=io.StringIO(), color_system="truecolor")
    with use_language(lang):
        console.print(settlement_sheet([settle(claim, person)], person, load_policy()))
    command = "zjj-medical" + (" --lang zh" if lang == "zh" else "")
    svg = console.export_svg(title=f"{command} settle first.json --format sheet")
    return svg.encode("utf-8")


FIGURES: dict[str, Callable[[Path], bytes]] = {
    "assets/figures/settlement-sheet.svg": lambda root: sheet_svg(),
    "assets/figures/settlement-sheet-zh.svg": lambda root: sheet_svg("zh"),
    "assets/figures/layer-stack.png": lambda root: layer_stack_png(),
    "assets/figures/curves.png": lambda root: curves_png(),
}
COMPARISON_FIGURES = {
    "assets/figures/out-of-pocket.png": "out_of_pocket_figure",
    "assets/figures/fund-cost.png": "fund_cost_figure",
}


# --------------------------------------------------------------------------- doctests as code


_ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc|obj):`~?([^`]+)`")


class _SphinxRoles(Preprocessor):
    """Write Sphinx roles of the docstrings (``:func:`~zjj_medical.settle```) as code spans."""

    def run(self, lines: list[str]) -> list[str]:
        return [_ROLE.sub(lambda m: f"`{m.group(1)}`", line) for line in lines]


class _DoctestFences(Preprocessor):
    """Fence bare ``>>>`` sessions (as the docstrings write them) as ``pycon`` code.

    Without this, Markdown reads ``out["settlements"][0]`` in a docstring example as a
    reference link. Lines already inside a fence are left alone.
    """

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        fence: str | None = None
        i = 0
        while i < len(lines):
            line = lines[i]
            stripped = line.lstrip()
            if fence is None and stripped.startswith(("```", "~~~")):
                fence = stripped[:3]
            elif fence is not None and stripped.startswith(fence):
                fence = None
            elif fence is None and (stripped == ">>>" or stripped.startswith(">>> ")):
                indent = line[: len(line) - len(stripped)]
                out += ["", f"{indent}```pycon"]
                while i < len(lines) and lines[i].strip():
                    out.append(lines[i])
                    i += 1
                out += [f"{indent}```", ""]
                continue
            out.append(line)
            i += 1
        return out


class DoctestFences(Extension):
    """The Markdown extension registering :class:`_DoctestFences` before the fences run."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.preprocessors.register(_DoctestFences(md), "doctest_fences", 28)
        md.preprocessors.register(_SphinxRoles(md), "sphinx_roles", 27)


# --------------------------------------------------------------------------- mkdocs events


#: The errors reference and the place in it where the table of error codes goes.
ERRORS_PAGE = "reference/errors.md"
ERROR_CODES_MARK = "<!-- error-codes -->"
#: The errors reference in each language: its table is written in that language.
ERRORS_PAGES = {ERRORS_PAGE: "en", "reference/errors.zh.md": "zh"}


def on_page_markdown(markdown: str, page: Page, **_: Any) -> str:
    """Put the table of every error code (from the message catalog) in the errors reference."""
    language = ERRORS_PAGES.get(page.file.src_uri)
    if language is not None:
        if ERROR_CODES_MARK not in markdown:
            raise ValueError(f"{page.file.src_uri}: no {ERROR_CODES_MARK} for the error codes")
        markdown = markdown.replace(ERROR_CODES_MARK, code_table(language))
    return markdown


def on_page_content(html: str, page: Page, **_: Any) -> str:
    """Write click's "no default" sentinel (click 8.3+) in the CLI reference as a dash.

    mkdocs-click prints ``option.default`` as it finds it; since click 8.3 an option
    without a default holds the ``Sentinel.UNSET`` marker instead of ``None``.
    """
    if page.file.src_uri == "reference/cli.md":
        html = html.replace("<code>Sentinel.UNSET</code>", "—")
    return html


@event_priority(100)
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Register the doctest fences before mkdocstrings copies the Markdown extensions."""
    config.markdown_extensions.append(DoctestFences())  # type: ignore[arg-type]
    return config


def _language(config: MkDocsConfig) -> str:
    """The language being built: ``en``, or the locale of a translated build (``zh``)."""
    i18n = config.plugins.get("i18n")
    return str(getattr(i18n, "current_language", None) or "en")


#: What the generated files hold, made once per build process (each language's build
#: adds the same figures under its own directory).
_GENERATED: dict[str, bytes | str] = {}


#: The notebooks shown as pages: each is run when the site is built and written as Markdown
#: (``notebooks/<name>.md``, its figures beside it); the ``.ipynb`` itself is copied as is,
#: for download.
NOTEBOOKS = ("notebooks/county-year.ipynb",)


def notebook_files(root: Path, notebook: str) -> dict[str, bytes | str]:
    """Run a notebook in a scratch directory and give its page and figures by site path."""
    import tempfile

    import nbformat
    from nbclient import NotebookClient
    from nbconvert import MarkdownExporter

    source = root / "docs" / notebook
    stem = Path(notebook).stem
    folder = Path(notebook).parent.as_posix()
    nb = nbformat.read(source, as_version=4)
    with tempfile.TemporaryDirectory() as scratch:
        client = NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": scratch}}
        )
        client.execute()
    body, resources = MarkdownExporter().from_notebook_node(
        nb, resources={"output_files_dir": f"{stem}_files"}
    )
    note = (
        f"*This page is the notebook [`{stem}.ipynb`]({stem}.ipynb), run when the site was "
        "built. Download it and run it in Jupyter beside an installed `zjj_medical`.*\n\n"
    )
    title, _, rest = body.partition("\n")
    out: dict[str, bytes | str] = {f"{folder}/{stem}.md": f"{title}\n\n{note}{rest}"}
    for name, data in resources["outputs"].items():
        out[f"{folder}/{name}"] = data
    return out


def _generated(root: Path) -> dict[str, bytes | str]:
    if not _GENERATED:
        for notebook in NOTEBOOKS:
            _GENERATED.update(notebook_files(root, notebook))
        _GENERATED[PARAMETERS_PAGE] = parameters_page()
        _GENERATED.update(openapi_files())
        for uri, make in FIGURES.items():
            _GENERATED[uri] = make(root)
        from zjj_medical.analysis import plots

        comparison = _comparison(root)
        for uri, name in COMPARISON_FIGURES.items():
            _GENERATED[uri] = _figure_png(getattr(plots, name)(comparison))
    return _GENERATED


@event_priority(-200)  # after the i18n plugin has sorted the files of the language built
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated page and figures to the site's files (under ``zh/`` in the Chinese
    build, where its pages look for them)."""
    root = Path(config.config_file_path).parent
    language = _language(config)
    for uri, content in _generated(root).items():
        file = File.generated(config, uri, content=content)
        if language != "en":
            file.dest_uri = f"{language}/{file.dest_uri}"
        files.append(file)
    return files
