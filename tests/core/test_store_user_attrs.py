"""The user attribute log (<id>.user/)."""

from __future__ import annotations

import json
import os
import stat

from gage_core.store.attribute_log import (
    append_user_attrs,
    comments,
    new_comment_id,
    read_user_attrs,
    user_attr_entries,
)


def test_append_and_read(tmp_path):
    user = tmp_path / "r.user"
    assert read_user_attrs(user) == {}
    p1 = append_user_attrs(user, set={"label": "first", "tags": ["a", "b"]}, author="me")
    p2 = append_user_attrs(user, set={"label": "second"})
    append_user_attrs(user, delete=["tags"])
    assert p1.name < p2.name  # time-sortable names
    assert read_user_attrs(user) == {"label": "second"}
    entry = json.loads(p1.read_text())
    assert entry == {"author": "me", "set": {"label": "first", "tags": ["a", "b"]}, "delete": []}
    assert stat.S_IMODE(os.stat(p1).st_mode) == 0o444
    assert not [n for n in os.listdir(user) if n.startswith(".tmp")]


def test_gage_format_entries_are_read(tmp_path):
    user = tmp_path / "r.user"
    user.mkdir()
    (user / "01a20a6c-b880-4afd-9b5e-413495f8df0e.json").write_text(
        '{"author": "root", "set": {"label": "my label"}, "delete": []}'
    )
    (user / "01a20a6c-c000-4afd-9b5e-413495f8df0e.json").write_text(
        '{"author": "root", "set": {"comment:01a20a6c-f61d": {"msg": "hi", "timestamp": 1795471227000}}}'
    )
    attrs = read_user_attrs(user)
    assert attrs["label"] == "my label"
    assert comments(attrs) == [{"id": "01a20a6c-f61d", "msg": "hi", "timestamp": 1795471227000}]


def test_malformed_entries_are_skipped_and_reported(tmp_path):
    user = tmp_path / "r.user"
    append_user_attrs(user, set={"label": "ok"})
    (user / "00000000-0000-0000-0000-000000000001.json").write_text("{not json")
    (user / "00000000-0000-0000-0000-000000000002.json").write_text('["a list"]')
    (user / "00000000-0000-0000-0000-000000000003.json").write_text('{"set": "wrong"}')
    (user / "ignored.txt").write_text("not an entry")
    errors: list[str] = []
    assert read_user_attrs(user, errors) == {"label": "ok"}
    assert len(errors) == 3
    assert len(user_attr_entries(user)) == 1


def test_comment_ids_sort_by_time():
    a, b = new_comment_id(), new_comment_id()
    assert len(a) == 13 and a <= b
