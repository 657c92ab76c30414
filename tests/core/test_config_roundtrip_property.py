"""Property: for every config format (py, json, yaml, toml, ipynb), random
typed values written by staging read back equal to the values given (by the
format's own parser), and every file without a changed value is
byte-identical after staging."""

from __future__ import annotations

import ast
import json
import shutil
import sys

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gage_core.gagefile.model import ConfigSpec, OpDef
from gage_core.staging.config import apply_config, read_config_defaults

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_KEYS = st.sampled_from(["lr", "name", "seed", "msg", "flag", "x_1", "opt"])
_FLOATS = st.floats(allow_nan=False, allow_infinity=False)
_TEXT = st.text(max_size=12)
_SCALAR = st.one_of(st.booleans(), st.integers(-10**12, 10**12), _FLOATS, _TEXT, st.none())


def _value_like(default):
    """A new value of the default's type (any scalar for a null default)."""
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, int):
        return st.integers(-10**12, 10**12)
    if isinstance(default, float):
        return _FLOATS
    if isinstance(default, str):
        return _TEXT
    return _SCALAR.filter(lambda v: v is not None)


def _py(doc: dict) -> str:
    return '"""Config."""\nimport os\n\n' + "".join(f"{k} = {v!r}  # {k}\n" for k, v in doc.items())


def _notebook(doc: dict) -> str:
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": ["%matplotlib inline\n"] + [f"{k} = {v!r}\n" for k, v in doc.items()]}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def _toml(doc: dict) -> str:
    import tomlkit

    return tomlkit.dumps({"top": "x", "section": {k: v for k, v in doc.items() if v is not None}})


def _yaml(doc: dict) -> str:
    lines = ["# settings\n"]
    for k, v in doc.items():
        if isinstance(v, str) and v and "\n" not in v and v.strip() == v and v.isprintable():
            # Block scalars and trailing comments, which staging must keep intact.
            lines.append(f"{k}: |-  # {k} note\n  {v}\n" if ":" not in v else f"{k}: {json.dumps(v)}  # c\n")
        else:
            lines.append(f"{k}: {json.dumps(v)}  # c\n")
    return "".join(lines)


_WRITERS = {
    "c.py": _py,
    "c.json": lambda d: json.dumps({"nested": d}, indent=2) + "\n",
    "c.yaml": _yaml,
    "c.toml": _toml,
    "c.ipynb": _notebook,
}


def _read_back(rel: str, text: str) -> dict:
    """The file's values by the format's own parser, as dotted keys."""
    if rel.endswith(".py"):
        scope: dict = {}
        exec(compile(text, rel, "exec"), scope)  # the staged program's view
        return {k: v for k, v in scope.items() if not k.startswith("_") and k != "os"}
    if rel.endswith(".json"):
        return {f"nested.{k}": v for k, v in json.loads(text)["nested"].items()}
    if rel.endswith(".yaml"):
        return yaml.safe_load(text)
    if rel.endswith(".toml"):
        data = tomllib.loads(text)
        return {"top": data["top"], **{f"section.{k}": v for k, v in data["section"].items()}}
    nb = json.loads(text)
    src = "".join(nb["cells"][0]["source"]).replace("%matplotlib", "#")
    tree = ast.parse(src)
    return {n.targets[0].id: ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)}


def _eq(a, b) -> bool:
    return type(a) is type(b) and (repr(a) == repr(b) if isinstance(a, float) else a == b)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.fixed_dictionaries({rel: st.dictionaries(_KEYS, _SCALAR, min_size=1, max_size=5)
                                   for rel in _WRITERS}), data=st.data())
def test_staged_values_read_back_and_unchanged_files_stay_identical(tmp_path_factory, docs, data):
    root = tmp_path_factory.mktemp("rt")
    project = root / "project"
    project.mkdir()
    for rel, doc in docs.items():
        (project / rel).write_text(_WRITERS[rel](doc), encoding="utf-8", newline="")
    op = OpDef(name="op", config=(ConfigSpec(keys=tuple(_WRITERS)),))
    defaults = read_config_defaults(project, op)
    assert not defaults.warnings
    flags = sorted(defaults)
    chosen = data.draw(st.lists(st.sampled_from(flags), unique=True, max_size=len(flags)))
    given_values = {flag: data.draw(_value_like(defaults[flag])) for flag in chosen}
    run = root / "run"
    shutil.copytree(project, run)
    apply_config(run, op, {**defaults, **given_values})

    for rel in _WRITERS:
        before = (project / rel).read_bytes()
        after = (run / rel).read_bytes()
        expected = {}
        for flag, sources in defaults.sources.items():
            for src_rel, key in sources:
                if src_rel == rel:
                    expected[key] = given_values.get(flag, defaults[flag])
        changed = any(not _eq(expected[key], defaults[flag])
                      for flag, sources in defaults.sources.items()
                      for src_rel, key in sources if src_rel == rel and flag in given_values)
        if not changed:
            assert after == before, rel
            continue
        got = _read_back(rel, after.decode("utf-8"))
        for key, value in expected.items():
            assert _eq(got[key], value), (rel, key, got[key], value)
