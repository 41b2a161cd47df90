"""Every Chinese text fincomp ships uses the reviewed glossary (`licenses/glossary.zh.yaml`):
where the English says a term, the Chinese says the glossary's rendering of it, and no
Chinese text uses a rendering the glossary rejects."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from fincompliance.licensing.compatibility import _REASONS, CATEGORIES_ZH
from fincompliance.release.texts import _TEXTS

REPO = Path(__file__).resolve().parent.parent
CATALOGUES = REPO / "src/fincompliance/report/audit/catalogues"
GLOSSARY = yaml.safe_load((REPO / "licenses/glossary.zh.yaml").read_text(encoding="utf-8"))


def _texts() -> Iterator[tuple[str, str, str, str]]:
    """(kind, where, English, Chinese) of every text that exists in both languages."""
    def catalogue(name: str) -> dict[str, str]:
        entries = read_po(io.StringIO((CATALOGUES / name).read_text(encoding="utf-8")))
        return {m.id: m.string for m in entries if m.id and isinstance(m.string, str)}

    english = catalogue("en.po")
    for key, chinese in catalogue("zh_CN.po").items():
        if not key.startswith("article."):   # the Opinions quoted in their own words
            yield "catalogue", key, english.get(key, ""), chinese
    for path in sorted((REPO / "rules").glob("*.yaml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules") or []:
            chinese = (rule.get("translations") or {}).get("zh-CN") or {}
            for field in ("message", "remediation"):
                if chinese.get(field):
                    yield "rules", f"{path.name} {rule['id']} {field}", rule[field], \
                        chinese[field]
    reviewed = yaml.safe_load((REPO / "licenses/reviewed.yaml").read_text(encoding="utf-8"))
    for key, text in reviewed["obligations"].items():
        yield "obligations", key, text["en"], text["zh"]
    pairs = yaml.safe_load((REPO / "licenses/compatibility/reviewed.yaml").read_text(
        encoding="utf-8"))
    for entry in pairs["pairs"]:
        if "zh-CN" in entry:
            yield "compatibility", f"{entry['outbound']} {entry.get('components')}", \
                entry["source"], entry["zh-CN"]
    for key, (english_text, chinese) in _REASONS.items():
        yield "compatibility", key, english_text, chinese
    for key, chinese in CATEGORIES_ZH.items():
        yield "compatibility", key, key, chinese
    for key, text in _TEXTS.items():
        yield "release", key, text["en"], text["zh-CN"]


TEXTS = list(_texts())


def _words(english: str) -> str:
    """The English a reader sees: not commands in backticks, not {placeholders}."""
    return re.sub(r"`[^`]*`|\{[^}]*\}", " ", english)


@pytest.mark.parametrize("term", GLOSSARY["terms"], ids=[t["zh"] for t in GLOSSARY["terms"]])
def test_every_chinese_text_follows_the_glossary(term):
    kinds = term.get("in")
    english_term = re.compile(rf"\b(?:{term['en']})\b", re.IGNORECASE)
    astray = [f"{kind} {where}: {chinese}" for kind, where, english, chinese in TEXTS
              if (not kinds or kind in kinds) and english_term.search(_words(english))
              and term["zh"] not in chinese]
    astray += [f"{kind} {where}: {chinese} (uses {avoided})"
               for kind, where, _, chinese in TEXTS for avoided in term.get("avoid", ())
               if avoided in chinese]
    assert astray == []


def test_the_texts_are_all_there():
    kinds = {kind for kind, *_ in TEXTS}
    assert kinds == {"catalogue", "rules", "obligations", "compatibility", "release"}
    assert len(TEXTS) > 350
