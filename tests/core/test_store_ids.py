"""Run ids, names, oprefs and timestamps."""

from __future__ import annotations

import re
import threading

import pytest

from gage_core.store.ids import (
    id_time_ms,
    is_run_id,
    new_run_id,
    proquint,
    run_name,
    uuid_version,
)
from gage_core.store.layout import (
    meta_dir,
    meta_zip,
    move_dir,
    now_us,
    project_file,
    run_dir,
    user_dir,
)
from gage_core.store.opref import OpRef, OpRefError

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_new_run_id_is_uuid7_time_ordered_and_monotonic():
    ids = [new_run_id() for _ in range(20000)]
    assert all(UUID7.match(i) for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert uuid_version(ids[0]) == 7
    assert abs(id_time_ms(ids[-1]) - now_us() // 1000) < 60_000


def test_ids_from_threads_are_unique():
    out: list[str] = []

    def make():
        out.extend(new_run_id() for _ in range(2000))

    threads = [threading.Thread(target=make) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(out)) == 8000


def test_names_differ_for_ids_made_in_the_same_millisecond():
    ids = [new_run_id() for _ in range(2000)]
    by_ms: dict[int, list[str]] = {}
    for i in ids:
        by_ms.setdefault(id_time_ms(i), []).append(run_name(i))
    same_ms = [names for names in by_ms.values() if len(names) > 1]
    assert same_ms, "expected several ids per millisecond"
    for names in same_ms:
        assert len(set(names)) == len(names)
    assert all(re.match(r"^[a-z]{5}-[a-z]{5}$", run_name(i)) for i in ids)


def test_gage_012_names_use_first_8_hex_chars():
    # Reference: id 60a825b1-... -> kafom-fikud.
    assert run_name("60a825b1-6a5e-4b1b-9d43-0c7e5a0f7d11") == "kafom-fikud"
    assert run_name("60a825b1-0000-4000-8000-000000000000") == "kafom-fikud"


def test_proquint_known_values():
    # From the proquint spec: 127.0.0.1 -> lusab-babad.
    assert proquint(0x7F000001) == "lusab-babad"
    assert proquint(0) == "babab-babab"


def test_is_run_id():
    assert is_run_id(new_run_id())
    assert not is_run_id("not-an-id")
    assert not is_run_id("60a825b1-6a5e-4b1b-9d43-0c7e5a0f7d1z")
    assert uuid_version("nope") is None


def test_now_us_strictly_increasing():
    values = [now_us() for _ in range(10000)]
    assert all(b > a for a, b in zip(values, values[1:]))


def test_layout_paths(tmp_path):
    rid = new_run_id()
    assert run_dir(tmp_path, rid) == tmp_path / rid
    assert meta_dir(tmp_path, rid) == tmp_path / f"{rid}.meta"
    assert meta_zip(tmp_path, rid) == tmp_path / f"{rid}.meta.zip"
    assert user_dir(tmp_path, rid) == tmp_path / f"{rid}.user"
    assert project_file(tmp_path, rid) == tmp_path / f"{rid}.project"
    assert move_dir(tmp_path, rid) == tmp_path / f"{rid}.move"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2 proj py", OpRef("proj", "py")),
        ("2 proj train 3", OpRef("proj", "train", "3")),
        ("1 proj train", OpRef("proj", "train")),
        (b"2 ns op\n", OpRef("ns", "op")),
    ],
)
def test_opref_decode(text, expected):
    assert OpRef.decode(text) == expected


@pytest.mark.parametrize("text", ["", "3 a b", "2 a", "2 a b c d", "1 a b c", b"\xff\xfe"])
def test_opref_decode_errors(text):
    with pytest.raises(OpRefError):
        OpRef.decode(text)


def test_opref_encode_round_trip():
    for ref in (OpRef("proj", "py"), OpRef("ns", "train", "2")):
        assert OpRef.decode(ref.encode()) == ref
    assert OpRef("proj", "py").encode() == "1 proj py"  # what Gage 0.1.2 (PyPI) decodes
    assert OpRef("ns", "train", "2").encode() == "2 ns train 2"
    with pytest.raises(OpRefError):
        OpRef("my proj", "py").encode()


def test_opref_display_name():
    ref = OpRef("proj", "train", "2")
    assert ref.display_name("proj") == "train v2"
    assert ref.display_name("other") == "proj:train v2"
