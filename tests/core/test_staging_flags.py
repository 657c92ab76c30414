"""Flag assignment parsing and typing (gage_core.staging.flags)."""

from __future__ import annotations

import pytest

from gage_core.errors import FlagError
from gage_core.staging.flags import (
    FlagList,
    check_flags,
    coerce_flag_value,
    format_flag_value,
    is_flag_assign,
    parse_flag_assigns,
    parse_flag_value,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1", 1),
        ("+1", 1),
        ("-3", -3),
        ("1.5", 1.5),
        ("1e-3", 0.001),
        ("1e0", 1.0),
        (".5", 0.5),
        ("1.", 1.0),
        ("true", True),
        ("false", False),
        ("null", None),
        ("", ""),
        ("False", "False"),
        ("TRUE", "TRUE"),
        ("1a", "1a"),
        ("'a b'", "a b"),
        ('"12"', "12"),
        ("hello", "hello"),
        ("1_000", "1_000"),
        ("inf", "inf"),
    ],
)
def test_parse_value_table(text, expected):
    value = parse_flag_value(text)
    assert value == expected
    assert type(value) is type(expected)


def test_list_values_are_typed_and_keep_raw_text():
    v = parse_flag_value("[0.01,0.1, 'a b', 3]")
    assert isinstance(v, FlagList)
    assert v == [0.01, 0.1, "a b", 3]
    assert v.raw == "[0.01,0.1, 'a b', 3]"
    assert format_flag_value(v) == v.raw
    assert parse_flag_value("[]") == []
    # malformed lists stay strings, as in Gage
    assert parse_flag_value("[1,,2]") == "[1,,2]"


def test_parse_assigns():
    assert parse_flag_assigns(["lr=0.1", "x = 2", "name='a=b'", "'my key'=1", "e=", "lr=0.2"]) == {
        "lr": 0.2, "x": 2, "name": "a=b", "my key": 1, "e": ""}
    assert parse_flag_assigns(["lr=1e-3", "s='x'"], raw=True) == {"lr": "1e-3", "s": "'x'"}
    with pytest.raises(FlagError):
        parse_flag_assigns(["=1"])
    with pytest.raises(FlagError):
        parse_flag_assigns(["noequals"])


@pytest.mark.parametrize(
    "arg, expected",
    [("lr=0.1", True), ("a.b=1", True), ("'x y'=1", True), ("--lr=0.1", False),
     ("train", False), ("=1", False), ("a b=1", False), ("x=", True)],
)
def test_is_flag_assign(arg, expected):
    assert is_flag_assign(arg) is expected


@pytest.mark.parametrize(
    "value, default, expected",
    [
        ("3", 1, 3),
        (3, 1, 3),
        ("1", 0.5, 1.0),
        (2, 0.5, 2.0),
        ("1e-3", 0.5, 0.001),
        ("yes", False, True),
        ("No", True, False),
        ("1", False, True),
        (0, True, False),
        ("true", False, True),
        ("3", "x", "3"),
        ("1e-3", "x", "1e-3"),
        (3, "x", "3"),
        ("'q'", "x", "q"),
        ("null", 1, None),
        ("abc", None, "abc"),
        ("3", None, 3),
    ],
)
def test_coerce_table(value, default, expected):
    got = coerce_flag_value(value, default)
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize(
    "value, default, needle",
    [("abc", 1, "integer"), ("3.5", 1, "integer"), ("true", 1, "integer"),
     ("abc", 0.1, "number"), ("maybe", True, "boolean"), (2, True, "boolean")],
)
def test_coerce_errors(value, default, needle):
    with pytest.raises(FlagError) as e:
        coerce_flag_value(value, default, "lr")
    assert needle in e.value.message and "'lr'" in e.value.message


def test_coerce_list_item_by_item():
    got = coerce_flag_value(parse_flag_value("[1,2]"), 0.5, "lr")
    assert isinstance(got, FlagList) and got == [1.0, 2.0] and all(type(x) is float for x in got)


def test_check_flags_unknown_did_you_mean():
    with pytest.raises(FlagError) as e:
        check_flags({"epoch": 3}, {"epochs": 1, "lr": 0.1}, "train")
    assert "unknown flag 'epoch'" in e.value.message
    assert "epochs" in e.value.hint
    with pytest.raises(FlagError) as e:
        check_flags({"zzz": 3}, {}, "train")
    assert "no flags" in e.value.hint
    assert check_flags({"epochs": "3", "lr": 1}, {"epochs": 1, "lr": 0.1}) == {"epochs": 3, "lr": 1.0}
