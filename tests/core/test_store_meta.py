"""MetaReader over meta dirs and Gage 0.1.2 .meta.zip files."""

from __future__ import annotations

import pytest

from gage_core.store.meta import MetaError, MetaReader
from helpers.gage012 import make_finished_run

PHASES = ["10_sourcecode", "20_runtime", "30_dependencies", "40_run", "50_finalize"]


def _add_phase_outputs(meta_dir):
    for name in PHASES:
        (meta_dir / "output" / name).write_bytes(f"{name} line\n".encode())
        (meta_dir / "output" / f"{name}.index").write_bytes(b"\0" * 9)


@pytest.mark.parametrize("zipped", [True, False])
def test_reads_files_dir_and_zip_alike(tmp_path, zipped):
    rid = make_finished_run(tmp_path, zipped=zipped, output_lines=["a", "b"])
    with MetaReader.for_run(tmp_path, rid) as meta:
        assert meta.is_zip is zipped
        assert meta.read_text("opref") == "2 proj train"
        assert meta.read_int("proc/exit") == 0
        assert meta.read_json("summary.json") == {"metrics": {"loss": 0.5}}
        assert meta.read_bytes("output/40_run") == b"a\nb\n"
        assert meta.read_bytes("nope") is None
        assert meta.has("staged") and not meta.has("proc/lock")
        assert "sys/platform.json" in meta.list_files()
        assert meta.list_files("output/") == ["output/40_run", "output/40_run.index"]
        assert meta.output_names() == ["40_run"]
        assert (meta.output_path("40_run") is None) is zipped


def test_output_names_lists_every_phase_of_a_dir_meta(tmp_path):
    # Gage 0.1.2's name[:6] bug showed only 40_run for unzipped metas.
    rid = make_finished_run(tmp_path, zipped=False)
    meta_dir = tmp_path / f"{rid}.meta"
    _add_phase_outputs(meta_dir)
    assert MetaReader(meta_dir).output_names() == PHASES
    assert MetaReader(meta_dir, snapshot=True).output_names() == PHASES


def test_corrupt_files_raise_meta_error(tmp_path):
    rid = make_finished_run(tmp_path, zipped=False)
    meta_dir = tmp_path / f"{rid}.meta"
    (meta_dir / "proc" / "exit").write_text("zero")
    (meta_dir / "summary.json").write_text('{"metrics": ')
    meta = MetaReader(meta_dir)
    with pytest.raises(MetaError):
        meta.read_int("proc/exit")
    with pytest.raises(MetaError):
        meta.read_json("summary.json")


def test_corrupt_zip_raises_meta_error(tmp_path):
    rid = make_finished_run(tmp_path)
    zpath = tmp_path / f"{rid}.meta.zip"
    zpath.write_bytes(zpath.read_bytes()[:100])
    meta = MetaReader(zpath)
    assert meta.is_zip
    with pytest.raises(MetaError):
        meta.read_bytes("opref")
    assert meta.list_files() == []
    assert not meta.has("opref")
