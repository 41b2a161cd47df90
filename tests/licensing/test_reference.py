"""Licence texts recognised without ScanCode's index: only where ScanCode says the same.

The texts are real: the corpus's licence files, the licence files of the environment the
tests run in (an installed tree of some two hundred distributions), and ScanCode's own
reference texts of licences a clause apart.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fincompliance.licensing.detect import detect_file
from fincompliance.licensing.reference import recognise, reference_text

from conftest import CORPUS

_NAMES = ("licen", "copying", "notice")


def _licence_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.name.lower().startswith(_NAMES))


CORPUS_FILES = _licence_files(CORPUS)
INSTALLED_FILES = [p for p in _licence_files(Path(sys.prefix) / "lib")
                   if ".dist-info" in str(p)]


def test_the_fast_path_agrees_with_scancode_or_defers():
    """Every file recognised is what ScanCode's full detection says (the same single
    licence); a disagreement is listed. Files not recognised are ScanCode's alone."""
    files = CORPUS_FILES + INSTALLED_FILES
    recognised = {path: found for path in files
                  if (found := recognise(path.read_text(encoding="utf-8", errors="replace")))}
    disagreements = []
    for path, found in recognised.items():
        scancode = detect_file(str(path))
        if scancode is None or scancode.expression != found.expression:
            disagreements.append(f"{path}: {found.expression}, ScanCode "
                                 f"{scancode.expression if scancode else 'nothing'}")
    assert disagreements == []
    corpus_share = sum(1 for p in CORPUS_FILES if p in recognised) / len(CORPUS_FILES)
    assert len(CORPUS_FILES) >= 80 and corpus_share >= 0.6, (len(CORPUS_FILES), corpus_share)


def _text(scancode_key: str) -> str:
    text = reference_text(scancode_key)
    assert text, scancode_key
    return text


def test_a_text_under_a_title_and_a_copyright_is_recognised():
    text = "The MIT License (MIT)\n\nCopyright (c) 2026 Example Bank Ltd.\n\n" + _text("mit")
    found = recognise(text)
    assert found.expression == "MIT"
    assert 0.9 < found.coverage < 1.0   # the title and copyright are not licence text


def test_placeholders_filled_in_are_recognised():
    text = _text("bsd-new").replace("ORGANIZATION", "Example Bank Ltd.") \
        .replace("COPYRIGHT HOLDERS AND CONTRIBUTORS", "REGENTS AND CONTRIBUTORS")
    found = recognise("Copyright 2026 Example Bank Ltd. All rights reserved.\n" + text)
    assert found.expression == "BSD-3-Clause"


def test_numbered_clauses_are_the_same_text():
    text = _text("bsd-simplified").replace("Redistributions of source", "1. Redistributions "
                                           "of source").replace("Redistributions in binary",
                                                                "2. Redistributions in binary")
    assert recognise(text).expression == "BSD-2-Clause"


def test_apache_without_its_appendix_is_apache():
    text = _text("apache-2.0")
    found = recognise(text.split("APPENDIX")[0])
    assert found.expression == "Apache-2.0" and 0.95 <= found.coverage <= 1.0


def test_apache_with_its_notice_filled_in_but_not_the_instructions_is_apache():
    """How many projects ship it (a Rust crate's LICENSE-APACHE, pandas's fast_float): the
    terms, then the appendix's notice with their own copyright, without the appendix's
    instructions for filling it in."""
    terms, appendix = _text("apache-2.0").split("APPENDIX")
    notice = appendix[appendix.index("Licensed under"):]
    found = recognise(f"{terms}\n   Copyright 2021 The fast_float authors\n\n   {notice}")
    assert found.expression == "Apache-2.0" and 0.95 <= found.coverage <= 1.0
    half_notice = notice[:len(notice) // 2]
    assert recognise(f"{terms}\n   Copyright 2021 The fast_float authors\n\n   {half_notice}"
                     ) is None   # a notice cut short is not one left out


@pytest.mark.parametrize("scancode_key, listed", [
    ("mit-0", "MIT-0"), ("mit", "MIT"), ("bsd-zero", "0BSD"), ("isc", "ISC"),
    ("bsd-simplified", "BSD-2-Clause"), ("x11", None), ("bsd-original", None),
    ("apache-1.1", None), ("gpl-2.0-plus", None)])
def test_a_licence_a_clause_apart_is_never_taken_for_a_listed_one(scancode_key, listed):
    """MIT-0 is MIT without a condition, 0BSD is ISC without one, BSD-4-Clause is BSD-3
    with one more: each is recognised as itself or not at all, never as its neighbour (a
    text like two references would be neither)."""
    found = recognise(_text(scancode_key))
    assert (found.expression if found else None) == listed


def test_two_licences_in_one_file_go_to_scancode():
    assert recognise(_text("mit") + "\n\n" + _text("apache-2.0")) is None


def test_a_clause_removed_goes_to_scancode():
    text = _text("mit")
    shortened = text.replace("The above copyright notice and this permission notice shall "
                             "be\nincluded in all copies or substantial portions of the "
                             "Software.", "")
    assert shortened != text
    assert recognise(shortened) is None


def test_years_added_inside_the_terms_are_a_copyright_not_a_clause():
    """The PSF licence names its copyright inside a clause; copies add their years."""
    text = _text("psf-2.0")
    assert "2006 Python Software Foundation" in text
    with_years = text.replace("2006 Python Software Foundation",
                              "2006 2007 2008 2009 2010 2011 Python Software Foundation")
    assert recognise(with_years).expression == "PSF-2.0"
    with_words = text.replace("2006 Python Software Foundation",
                              "2006 and its affiliates or agents Python Software Foundation")
    assert recognise(with_words) is None


@pytest.mark.parametrize("title, scancode", [
    ("Dual licensed under MIT and GPL-2.0:", "GPL-2.0-only AND MIT"),
    ("Licensed under GPL-3.0 or MIT:", "GPL-3.0-only AND MIT"),
    ("This software is licensed under the GPL v2", "GPL-2.0-only AND MIT"),
    ("Apache License 2.0 applies to src/; the rest:", "Apache-2.0 AND MIT")])
def test_a_title_naming_another_licence_goes_to_scancode(title, scancode):
    """A title above the MIT text that names another licence is a second licence, which
    ScanCode finds (its own answer, asked here): recognising the text as MIT would hide it."""
    from fincompliance.licensing.detect import detect_text

    text = f"{title}\n\n{_text('mit')}"
    assert recognise(text) is None
    assert detect_text(text).expression == scancode


@pytest.mark.parametrize("title, expected", [
    ("New BSD License", "BSD-3-Clause"),                      # an alias of its own licence
    ("This software is released under the BSD 3-Clause License", "BSD-3-Clause"),
    ("Public domain where that is possible, else:", None),
    ("GPL-compatible BSD License", None)])
def test_a_title_may_name_only_its_own_licence(title, expected):
    text = _text("bsd-new").replace("ORGANIZATION", "Example Bank Ltd.")
    found = recognise(f"{title}\n\nCopyright (c) 2026 Example Bank Ltd.\n\n{text}")
    assert (found.expression if found else None) == expected


def test_a_copyright_continued_on_the_next_line_is_still_the_copyright():
    text = ("MIT License\n\nCopyright (c) 2014 Petka Antonov\n              2015 Sindre Sorhus\n"
            "              2016-2026 Example Bank Ltd. <oss@example.com>\n\n" + _text("mit"))
    assert recognise(text).expression == "MIT"


def test_apaches_notice_alone_is_apache_as_scancode_says(tmp_path):
    """Many projects' licence file is the appendix's notice, filled in, and nothing else;
    ScanCode, asked directly, says the same. The notice with a sentence more is not it."""
    appendix = _text("apache-2.0").split("APPENDIX")[1]
    notice = "Copyright 2013 Example Bank Ltd.\n\n" + appendix[appendix.index("Licensed under"):]
    assert recognise(notice).expression == "Apache-2.0"
    licence = tmp_path / "LICENSE"
    licence.write_text(notice)
    assert detect_file(str(licence)).expression == "Apache-2.0"
    assert recognise(notice + "\nExcept the fonts, which are under the OFL.") is None


@pytest.mark.parametrize("holder", ["Foo Inc., dual licensed under the GPL", "Foo (or GPL-2.0)"])
def test_a_placeholder_filled_in_with_another_licence_goes_to_scancode(holder):
    text = _text("bsd-new")
    assert recognise(text.replace("ORGANIZATION", "Example Bank Ltd.")).expression == \
        "BSD-3-Clause"
    assert recognise(text.replace("ORGANIZATION", holder)) is None


@pytest.mark.parametrize("copyright_line", [
    "Copyright (c) 2020 Foo. Licensed under the GPL-2.0 as well.",
    "Copyright 2020 Foo, dual-licensed GPL/MIT",
    "(c) 2020 Foo; SPDX-License-Identifier: GPL-2.0-only OR MIT"])
def test_a_copyright_line_that_names_a_licence_is_not_set_aside(copyright_line):
    """Copyright lines are set aside as the holder's, unless they say more: a licence."""
    assert recognise(f"Copyright (c) 2020 Foo\n\n{_text('mit')}").expression == "MIT"
    assert recognise(f"{copyright_line}\n\n{_text('mit')}") is None
