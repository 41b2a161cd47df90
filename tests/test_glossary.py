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

from conftest import SHARED

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


def test_every_article_is_quoted_in_its_own_words():
    """Each article row of the audit report quotes the Chinese text of 银办发〔2021〕146号:
    every fragment between the quotation marks (fragments joined by ……) is in that article,
    in its order, and the report covers exactly the articles addressed to institutions."""
    from fincompliance.report.audit.locale import catalogue, chinese_number
    from fincompliance.report.audit.sections import INSTITUTION_ARTICLES, NOT_EVIDENCED

    text = (SHARED / "regulation" / "yinbanfa-2021-146.zh.md").read_text(encoding="utf-8")
    articles = {}
    for line in text.splitlines():
        found = re.match(r"^([一二三四五六七八九十]+)、(.*)$", line)
        if found:   # spaces are the extraction's, not the text's (方面 的评估体系)
            articles[found[1]] = re.sub(r"\s+", "", found[2])
    messages = catalogue("zh-CN")
    for number in INSTITUTION_ARTICLES:
        article = articles[chinese_number(number)]
        quoted = messages[f"article.{number}"]
        assert quoted.startswith("“") and quoted.endswith("”"), number
        position = 0
        for fragment in quoted[1:-1].split("……"):
            found_at = article.find(fragment, position)
            assert found_at >= 0, (number, fragment)
            position = found_at + len(fragment)
    assert set(NOT_EVIDENCED) < set(INSTITUTION_ARTICLES)
    for number in NOT_EVIDENCED:   # each says why the ledger holds no evidence of it
        assert messages[f"not-evidenced.{number}"]
