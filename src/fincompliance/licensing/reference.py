"""Licence texts recognised by their reference text, without ScanCode's index.

Most licence files (seven in ten of the corpus's and of a Python environment's) are a common
licence's text, word for word, under a copyright line of their own. Loading ScanCode's index
for them costs seconds and over a gigabyte; comparing their words with the reference texts
ScanCode ships costs milliseconds. A file is recognised when, copyright lines, case,
punctuation and whitespace aside, it is one reference text with at most a title before it,
placeholder-sized substitutions inside it ("the ORGANIZATION" → "Google LLC") and without
the parts copies often leave out (Apache-2.0's appendix). Anything else — two licences in a
file, a clause more or less, a reworded sentence — is left to ScanCode. Which licences are
recognised is data: `licenses/recognised.yaml`; tests hold every recognition to ScanCode's
own answer.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fincompliance.errors import InputError
from fincompliance.licensing.knowledge import data_directory, load, read_yaml

# A line that states a copyright (or its reservation) rather than licence terms; not one of
# the terms' own lines that wrap to begin with "copyright holders" or "copyright notice".
_COPYRIGHT_LINE = re.compile(
    r"^\W*(?:copyright\b(?!\s+(?:holders?|notices?|owners?|and|law|laws|statements?|"
    r"licen[cs]e)\b)|\(c\)|©|all rights reserved)", re.IGNORECASE)
# A copyright's next holder on a line of its own: "Copyright (c) 2014 Petka Antonov" over
# "              2015 Sindre Sorhus"
_CONTINUED_COPYRIGHT = re.compile(r"^\s*(?:19|20)\d\d\b")
# A list item's number or letter ("1.", "(a)", "ii)"), which some copies of a text add
_LIST_MARK = re.compile(r"^\s*\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]\s+", re.IGNORECASE | re.MULTILINE)
_WORD = re.compile(r"\w+")
_TITLE_WORDS = 12       # words a file may carry before the text ("The MIT License (MIT)")
_SUBSTITUTED = 6        # reference words a placeholder substitution may replace (an address) ...
_SUBSTITUTE = 10        # ... and the words it may put in their place
_SLIP = 2               # words a copy may drop or add ("and/or" for "and"), never a clause
_ANCHOR = 3             # words that must agree for two texts to be in step again
_SHARED_WORDS = 0.95    # share of a reference's distinct words a file must have to be compared


@dataclass(frozen=True)
class Recognised:
    expression: str      # the SPDX id
    coverage: float      # share of the file's words that are the licence text
    # No score: a recognised file is the licence's text, its variable parts (holder,
    # title, numbering) aside, which ScanCode too scores as a full match.


@dataclass(frozen=True)
class _Reference:
    expression: str
    words: tuple[str, ...]
    vocabulary: frozenset[str]
    may_end: frozenset[int] = frozenset()   # where copies may stop (before an appendix)
    # where a part copies may leave out begins: the reference word its copy resumes at
    may_leave_out: dict[int, int] = field(default_factory=dict)
    # What a title above the text may say (its licence's names, some phrasing), and what no
    # substitution may put in: another licence named there is one ScanCode finds.
    title_words: frozenset[str] = frozenset()
    never_put: frozenset[str] = frozenset()


def words(text: str) -> list[str]:
    """The words of a licence text: lower case, without punctuation or copyright lines (a
    copyright's own continuation lines, which begin with a year, with it). A copyright line
    that names a licence ("Copyright 2020 Foo, dual-licensed GPL/MIT") is kept: it says
    more than who holds the copyright."""
    kept, in_copyright = [], False
    for line in text.splitlines():
        in_copyright = bool(_COPYRIGHT_LINE.match(line)) or (
            in_copyright and bool(_CONTINUED_COPYRIGHT.match(line)))
        if in_copyright and _licence_words().isdisjoint(_WORD.findall(line.lower())):
            continue
        kept.append(line)
    return _WORD.findall(_LIST_MARK.sub(" ", "\n".join(kept)).lower())


def recognise(text: str) -> Recognised | None:
    """The one reference text `text` is, or None: ask ScanCode."""
    found = words(text)
    if not found:
        return None
    vocabulary = set(found)
    matches = [(reference, held) for reference in _references()
               if _comparable(reference, found, vocabulary)
               and (held := _held(reference, found)) is not None]
    if len(matches) != 1:
        return None   # none, or two references alike enough to need ScanCode's judgement
    (reference, held), = matches
    every_word = len(_WORD.findall(text.lower()))
    return Recognised(reference.expression, round(held / every_word, 2) if every_word else 0.0)


def _comparable(reference: _Reference, found: list[str], vocabulary: set[str]) -> bool:
    """Cheap tests first: a file of another length or other words cannot be the text."""
    length = len(reference.words)
    shortest = min(reference.may_end, default=length)
    most_changed = _most_changed(reference)
    if not shortest - most_changed <= len(found) <= length + _TITLE_WORDS + most_changed * (
            _SUBSTITUTE - 1):
        return False
    return len(reference.vocabulary & vocabulary) >= _SHARED_WORDS * len(reference.vocabulary)


def _most_changed(reference: _Reference) -> int:
    """Reference words that substitutions may replace in all: a few placeholders (a BSD
    text names its holder in three places)."""
    return max(2 * _SUBSTITUTED, len(reference.words) // 25)


def _held(reference: _Reference, found: list[str]) -> int | None:
    """How many of the reference's words `found` holds if it is the reference text, else
    None.

    One walk along both: where the words part, they must meet again within a placeholder's
    length (a substitution, or a word or two dropped or added); more words added or missing,
    or too many substituted, mean another text. A copy may stop where the reference's
    optional part begins (Apache-2.0's appendix).
    """
    text = reference.words
    j = next((offset for offset in range(min(_TITLE_WORDS, len(found)) + 1)
              if tuple(found[offset:offset + _ANCHOR]) == text[:_ANCHOR]), None)
    if j is None or not all(word in reference.title_words or word.isdigit()
                            for word in found[:j]):
        return None
    i, changed, left_out = 0, 0, 0
    while i < len(text) and j < len(found):
        if text[i] == found[j]:
            i, j = i + 1, j + 1
            continue
        resumed = reference.may_leave_out.get(i)
        if resumed is not None and text[resumed:resumed + _ANCHOR] == tuple(
                found[j:j + _ANCHOR]):
            left_out += resumed - i
            i = resumed
            continue
        met = _meet(text, found, i, j, reference.never_put)
        if met is None:
            return None
        changed += max(met[0] - i, 1)
        i, j = met
    complete = i == len(text) or (i in reference.may_end and j == len(found))
    if complete and j == len(found) and changed <= _most_changed(reference):
        return i - left_out
    return None


def _meet(text: tuple[str, ...], found: list[str], i: int, j: int,
          never_put: frozenset[str]) -> tuple[int, int] | None:
    """Where `text` from `i` and `found` from `j` agree again after a substitution: the
    nearest (i', j'), each a few words on, from which the next words are the same.

    Words the two sides end alike are not substituted: "the" put back as "subject to the
    following conditions the" is five words added, which only a slip may be, unless they are
    numbers (years added to a copyright inside the terms). Nothing put in may name a licence
    ("the ORGANIZATION" → "Foo, dual licensed under GPL")."""
    for distance in range(1, _SUBSTITUTED + _SUBSTITUTE + 1):
        for skipped in range(0, min(distance, _SUBSTITUTED) + 1):
            put = distance - skipped
            if put > _SUBSTITUTE:
                continue
            ahead, there = i + skipped, j + put
            if text[ahead:ahead + _ANCHOR] != tuple(found[there:there + _ANCHOR]) or \
                    not never_put.isdisjoint(found[j:there]):
                continue
            alike = 0
            while alike < min(skipped, put) and text[ahead - alike - 1] == found[there - alike - 1]:
                alike += 1
            changed = text[i:ahead - alike] + tuple(found[j:there - alike])
            if min(skipped, put) == alike and len(changed) > _SLIP and not all(
                    word.isdigit() for word in changed):
                continue   # words only added or only dropped: more than a slip
            return ahead, there
    return None


_LISTS = ("licences", "title_phrasing", "never_substituted")


def _recognised_file() -> Path:
    return data_directory() / "recognised.yaml"


@lru_cache(maxsize=1)
def _listed() -> dict:
    """recognised.yaml, its licences each a mapping with an id."""
    path = _recognised_file()
    listed = read_yaml(path)
    missing = [key for key in _LISTS
               if not isinstance(listed, dict) or not isinstance(listed.get(key), list)]
    if missing:   # an institution's copy of licenses/ older than this fincomp
        raise InputError(str(path), f"no {' or '.join(missing)} list: a copy of fincomp's "
                         "licenses/recognised.yaml made for another version?")
    listed["licences"] = [entry if isinstance(entry, dict) else {"id": entry}
                          for entry in listed["licences"]]
    unnamed = next((entry for entry in listed["licences"]
                    if not isinstance(entry.get("id"), str)), None)
    if unnamed is not None:
        raise InputError(str(path), f"a licence listed without its id: {unnamed}")
    return listed


@lru_cache(maxsize=1)
def _licence_words() -> frozenset[str]:
    """Words that name or bring in a licence (`never_substituted` in recognised.yaml)."""
    return frozenset(word.lower() for word in _listed()["never_substituted"])


@lru_cache(maxsize=1)
def _references() -> tuple[_Reference, ...]:
    listed = _listed()
    knowledge = load()
    phrasing = frozenset(word.lower() for word in listed["title_phrasing"])
    never_put = _licence_words()
    found = []
    for entry in listed["licences"]:
        licence = knowledge.get(entry["id"])
        text = reference_text(licence.scancode_key) if licence and licence.scancode_key else ""
        if not text:
            continue
        reference_words = _part(tuple(words(text)), entry.get("part_from"))
        ends = _ends(reference_words, entry.get("may_end_at", []))
        required = reference_words[:min(ends, default=len(reference_words))]
        names = [licence.id, licence.name, *(alias for alias, expression
                                             in knowledge.aliases.items()
                                             if expression == licence.id)]
        found.append(_Reference(
            licence.id, reference_words, frozenset(required), ends,
            _left_out(reference_words, entry.get("may_leave_out", [])),
            phrasing | set(_WORD.findall(" ".join(names).lower())), never_put))
    return tuple(found)


def _part(text: tuple[str, ...], phrase: str | None) -> tuple[str, ...]:
    """The reference from `phrase` on (a notice the licence's text ends with, which files
    carry alone), or all of it."""
    if phrase is None:
        return text
    wanted = tuple(words(phrase))
    start = next((start for start in range(len(text))
                  if text[start:start + len(wanted)] == wanted), None)
    if start is None:   # an institution's copy of recognised.yaml with a phrase of its own
        raise InputError(str(_recognised_file()),
                         f"part_from {phrase!r} is not in its licence's reference text")
    return text[start:]


def _ends(text: tuple[str, ...], phrases: list[str]) -> frozenset[int]:
    """Where in `text` a copy may stop: before or after each phrase."""
    ends = set()
    for phrase in phrases:
        wanted = tuple(words(phrase))
        for start in range(len(text)):
            if text[start:start + len(wanted)] == wanted:
                ends |= {start, start + len(wanted)}
    return frozenset(ends)


def _left_out(text: tuple[str, ...], phrases: list[str]) -> dict[int, int]:
    """Where in `text` each phrase a copy may leave out begins, and where the copy goes on."""
    spans = {}
    for phrase in phrases:
        wanted = tuple(words(phrase))
        spans.update({start: start + len(wanted) for start in range(len(text))
                      if wanted and text[start:start + len(wanted)] == wanted})
    return spans


@lru_cache(maxsize=64)
def reference_text(scancode_key: str) -> str:
    """A licence's reference text as ScanCode ships it (its data files; no index), or ""."""
    spec = importlib.util.find_spec("licensedcode")
    if spec is None or not spec.submodule_search_locations:
        return ""
    path = Path(spec.submodule_search_locations[0]) / "data" / "licenses" / \
        f"{scancode_key}.LICENSE"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    if text.startswith("---"):   # YAML front matter, then the text
        text = text.split("\n---", 1)[-1]
    return text


def holds_reference_text(text: str, scancode_key: str) -> bool:
    """Whether `text` carries a licence's reference text, case, whitespace, punctuation and
    copyright lines aside, with anything around it (an appendix, other notices). False
    means only "ask ScanCode"."""
    reference = " ".join(words(reference_text(scancode_key)))
    return bool(reference) and reference in " ".join(words(text))
