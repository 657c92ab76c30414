"""Config defaults and application per file format (gage_core.staging.config)."""

from __future__ import annotations

import json
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gage_core.errors import FlagError
from gage_core.gagefile.model import ConfigSpec, OpDef
from gage_core.staging.config import apply_config, parse_key_spec, read_config_defaults
from gage_core.staging.config_formats import apply_leaves, read_leaves

PY = '''"""Train."""
import os

lr = 0.1  # learning rate
epochs: int = 20
name = "héllo"
tag = 'x'
neg = -3
debug = False
opt = None
d = {"s": 'x', "n": {"k": 1.5}}
l = [1, 2, 3]
cwd = os.getcwd()


def f():
    inner = 1
'''

YAML = """# model settings
model:
  layers: 3   # depth
  name: 'resnet'
  act: relu
lr: 0.01  # step size
aug: [flip, crop]
"""

TOML = """# top comment
lr = 0.1  # learning rate

[model]
layers = [1, 2,  3] # widths
name = "x"   # model name
"""

JSON_TEXT = """{
    "lr": 0.1,
    "model": {"layers": 3, "name": "x"},
    "flags": [true, null]
}
"""


def _op(*keys: str) -> OpDef:
    return OpDef(name="train", config=(ConfigSpec(keys=keys),))


def _project(tmp_path, files: dict[str, str]):
    for rel, text in files.items():
        p = tmp_path / "p" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return tmp_path / "p"


def _stage(tmp_path, project):
    run = tmp_path / "run"
    shutil.copytree(project, run)
    return run


def test_key_spec_grammar():
    s = parse_key_spec("-conf/**/*.yaml#**.lr")
    assert not s.include and s.file_glob == "conf/**/*.yaml" and s.key_pattern == "**.lr"
    assert s.key_re.match("a.b.lr") and s.key_re.match("lr") and not s.key_re.match("a.lrx")
    s = parse_key_spec("train.py")
    assert s.include and s.key_pattern == "*" and s.key_re.match("lr") and not s.key_re.match("d.s")
    s = parse_key_spec("#msg?")
    assert s.file_glob == "" and s.key_re.match("msg2") and not s.key_re.match("msg")


def test_python_defaults_and_apply(tmp_path):
    project = _project(tmp_path, {"train.py": PY})
    op = _op("train.py", "train.py#d.**.*", "train.py#l.*", "-train.py#tag")
    defaults = read_config_defaults(project, op)
    assert dict(defaults) == {
        "lr": 0.1, "epochs": 20, "name": "héllo", "neg": -3, "debug": False, "opt": None,
        "d.s": "x", "d.n.k": 1.5, "l.0": 1, "l.1": 2, "l.2": 3,
    }
    assert defaults.source_of("lr") == "train.py#lr"
    run = _stage(tmp_path, project)
    diff = apply_config(run, op, {**defaults, "lr": "0.5", "epochs": "3", "name": "bye", "neg": 4,
                                  "debug": "yes", "opt": 2, "d.n.k": 2, "l.1": 9, "nofile": 1})
    text = (run / "train.py").read_text(encoding="utf-8")
    assert "lr = 0.5  # learning rate" in text
    assert "epochs: int = 3" in text
    assert 'name = "bye"' in text and "tag = 'x'" in text
    assert "neg = 4" in text and "debug = True" in text and "opt = 2" in text
    assert 'd = {"s": \'x\', "n": {"k": 2.0}}' in text and "l = [1, 9, 3]" in text
    assert "    inner = 1" in text and "cwd = os.getcwd()" in text
    assert diff.startswith("--- a/train.py\n+++ b/train.py\n")
    assert "\n-lr = 0.1  # learning rate\n" in diff and "\n+lr = 0.5  # learning rate\n" in diff
    assert "-tag" not in diff
    # project copy untouched
    assert (project / "train.py").read_text(encoding="utf-8") == PY


def test_wrong_type_is_flag_error(tmp_path):
    project = _project(tmp_path, {"train.py": PY})
    run = _stage(tmp_path, project)
    with pytest.raises(FlagError) as e:
        apply_config(run, _op("train.py"), {"epochs": "many"})
    assert "epochs" in e.value.message and "integer" in e.value.message


def test_unknown_literal_key_did_you_mean(tmp_path):
    project = _project(tmp_path, {"train.py": PY})
    with pytest.raises(FlagError) as e:
        read_config_defaults(project, _op("train.py#epoch"))
    assert "epoch" in e.value.message and "epochs" in e.value.hint


def test_no_changes_no_diff(tmp_path):
    project = _project(tmp_path, {"train.py": PY})
    run = _stage(tmp_path, project)
    op = _op("train.py")
    assert apply_config(run, op, dict(read_config_defaults(project, op))) == ""
    assert (run / "train.py").read_text(encoding="utf-8") == PY


def test_yaml_comments_kept(tmp_path):
    project = _project(tmp_path, {"conf/model.yaml": YAML})
    op = _op("conf/*.yaml#**.*", "conf/*.yaml#*")
    defaults = read_config_defaults(project, op)
    assert defaults["model.layers"] == 3 and defaults["lr"] == 0.01 and defaults["aug.1"] == "crop"
    run = _stage(tmp_path, project)
    diff = apply_config(run, op, {"model.layers": "5", "model.name": "vit", "model.act": "a: b",
                                  "lr": 0.1, "aug.1": "rot"})
    text = (run / "conf/model.yaml").read_text()
    assert text == (
        "# model settings\nmodel:\n  layers: 5   # depth\n  name: 'vit'\n  act: 'a: b'\n"
        "lr: 0.1  # step size\naug: [flip, rot]\n"
    )
    assert "+++ b/conf/model.yaml" in diff


def test_toml_comments_kept(tmp_path):
    project = _project(tmp_path, {"params.toml": TOML})
    op = _op("params.toml#**.*", "params.toml")
    defaults = read_config_defaults(project, op)
    assert defaults["lr"] == 0.1 and defaults["model.layers.1"] == 2 and defaults["model.name"] == "x"
    run = _stage(tmp_path, project)
    apply_config(run, op, {"lr": 1, "model.layers.1": "7", "model.name": "y"})
    assert (run / "params.toml").read_text() == (
        "# top comment\nlr = 1.0  # learning rate\n\n[model]\nlayers = [1, 7,  3] # widths\n"
        'name = "y"   # model name\n'
    )


def test_json_layout_kept(tmp_path):
    project = _project(tmp_path, {"config.json": JSON_TEXT})
    op = _op("config.json#**.*", "config.json")
    defaults = read_config_defaults(project, op)
    assert defaults["model.layers"] == 3 and defaults["flags.0"] is True and defaults["flags.1"] is None
    run = _stage(tmp_path, project)
    apply_config(run, op, {"lr": "0.2", "model.name": 'q"uote', "flags.0": "false", "flags.1": 5})
    text = (run / "config.json").read_text()
    assert text == JSON_TEXT.replace("0.1", "0.2").replace('"name": "x"', '"name": "q\\"uote"').replace(
        "[true, null]", "[false, 5]")
    assert json.loads(text)["model"]["name"] == 'q"uote'


def test_notebook_code_cells(tmp_path):
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["x = 1\n"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
             "source": ["%matplotlib inline\n", "lr = 0.1\n", "steps = 10"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
             "source": ["%%bash\n", "x=1\n"]},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    project = _project(tmp_path, {"nb.ipynb": json.dumps(nb, indent=1) + "\n"})
    op = _op("nb.ipynb")
    assert dict(read_config_defaults(project, op)) == {"lr": 0.1, "steps": 10}
    run = _stage(tmp_path, project)
    apply_config(run, op, {"lr": 0.5})
    out = json.loads((run / "nb.ipynb").read_text())
    assert out["cells"][1]["source"] == ["%matplotlib inline\n", "lr = 0.5\n", "steps = 10"]
    assert out["cells"][0]["source"] == ["x = 1\n"]


def test_exclude_file_and_unsupported(tmp_path):
    project = _project(tmp_path, {"a.py": "x = 1\n", "b.py": "y = 2\n", "c.cfg": "z=1\n"})
    defaults = read_config_defaults(project, _op("*.py", "-b.py", "c.cfg"))
    assert dict(defaults) == {"x": 1}
    assert any("c.cfg" in w for w in defaults.warnings)


def test_shared_key_gets_a_flag_per_file(tmp_path):
    project = _project(tmp_path, {"z.py": "seed = 1\n", "a.py": "seed = 2\n", "b.py": "other = 3\n"})
    op = _op("z.py", "a.py", "b.py")
    defaults = read_config_defaults(project, op)
    assert dict(defaults) == {"z.py#seed": 1, "a.py#seed": 2, "other": 3}
    assert defaults.sources["a.py#seed"] == [("a.py", "seed")]
    run = _stage(tmp_path, project)
    assert apply_config(run, op, dict(defaults)) == ""
    apply_config(run, op, {**defaults, "z.py#seed": 5})
    assert (run / "z.py").read_text() == "seed = 5\n" and (run / "a.py").read_text() == "seed = 2\n"


def test_crlf_preserved(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "t.py").write_bytes(b"a = 1\r\nb = 2\r\n")
    run = _stage(tmp_path, tmp_path / "p")
    apply_config(run, _op("t.py"), {"b": 3})
    assert (run / "t.py").read_bytes() == b"a = 1\r\nb = 3\r\n"


def test_yaml_alias_not_rewritten_twice(tmp_path):
    text = "base: &b 1\nother: *b\n"
    project = _project(tmp_path, {"c.yaml": text})
    op = _op("c.yaml")
    assert dict(read_config_defaults(project, op)) == {"base": 1}
    run = _stage(tmp_path, project)
    apply_config(run, op, {"base": 2})
    assert (run / "c.yaml").read_text() == "base: &b 2\nother: *b\n"



_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                     st.floats(allow_nan=False, allow_infinity=False, width=32),
                     st.text(max_size=8))
_docs = st.dictionaries(st.text("abcxyz_", min_size=1, max_size=4),
                        st.recursive(_scalars, lambda c: st.lists(c, max_size=3)
                                     | st.dictionaries(st.text("abc", min_size=1, max_size=3), c, max_size=3),
                                     max_leaves=8), max_size=5)


def _flat(obj, key="", out=None):
    out = {} if out is None else out
    if isinstance(obj, dict):
        for k, v in obj.items():
            _flat(v, f"{key}.{k}" if key else k, out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _flat(v, f"{key}.{i}" if key else str(i), out)
    else:
        out[key] = obj
    return out


@settings(max_examples=60, deadline=None)
@given(doc=_docs, indent=st.sampled_from([None, 2, 4]), data=st.data())
def test_json_and_yaml_rewrite_property(doc, indent, data):
    import yaml

    for suffix, text, load in ((".json", json.dumps(doc, indent=indent, ensure_ascii=False), json.loads),
                               (".yaml", yaml.safe_dump(doc, allow_unicode=True), yaml.safe_load)):
        leaves = read_leaves(text, suffix)
        assert leaves == _flat(load(text))
        if not leaves:
            continue
        keys = data.draw(st.lists(st.sampled_from(sorted(leaves)), unique=True, max_size=3))
        changes = {k: data.draw(_scalars) for k in keys}
        new = apply_leaves(text, suffix, changes)
        assert read_leaves(new, suffix) == {**leaves, **changes}
