"""The one sanitiser for the terminal and JSON: every unsafe character shown, nothing lost."""

from __future__ import annotations

import json
import os

import pytest

from hnbxl.core.terminal import json_text, printable, visible

UNSAFE = ["\x1b", "\r", "\n", "\x07", "\x00", "\x7f", "\x9b", "\x85", "\u202e", "\u2066",
          "\u200f", "\u061c", "\u2028", "\ufeff", "\udcff", "\ud800", "\ufffe"]


@pytest.mark.parametrize("char", UNSAFE)
def test_visible_shows_every_unsafe_character(char: str) -> None:
    shown = visible(f"a{char}b")
    assert shown.startswith("a\\") and shown.endswith("b")
    assert all(c not in shown for c in UNSAFE)


def test_visible_keeps_ordinary_text_and_emoji() -> None:
    text = "Café £17,287 👨\u200d👩\u200d👧 Key Measures!F7"
    assert visible(text) == text


def test_a_non_utf8_byte_is_shown_as_that_byte() -> None:
    name = os.fsdecode(b"send\xff.xlsx")
    assert visible(name) == "send\\xff.xlsx"


def test_visible_is_idempotent() -> None:
    once = visible("x\x1b]0;title\x07\r\u009b")
    assert visible(once) == once


def test_printable_keeps_own_colours_and_line_breaks_only() -> None:
    line = "\x1b[31mred\x1b[0m\nnext\x1b]0;evil\x07\x1b[2J\r\u009b"
    out = printable(line)
    assert out.startswith("\x1b[31mred\x1b[0m\nnext")
    assert "\x1b]" not in out and "\x1b[2J" not in out and "\r" not in out
    assert "\u009b" not in out


def test_json_text_is_valid_utf8_json_and_round_trips() -> None:
    data = {"file": os.fsdecode(b"r\xe9turn.xlsx"), "cell": "a\x1b\u009b\u202eb é"}
    text = json_text(data)
    text.encode("utf-8")  # strict: no lone surrogate left raw
    assert all(c not in text for c in "\x1b\u009b\u202e")
    back = json.loads(text)
    assert back == data
    assert os.fsencode(back["file"]) == b"r\xe9turn.xlsx"
    assert "é" in text  # readable text stays readable
