"""The report's language: its message catalogue (gettext PO files in catalogues/), and
dates, numbers and sorting as readers of that language expect them (CLDR data through
Babel; Chinese names in pinyin order, as a Chinese register or phone book sorts them).

Every word a report shows is a catalogue message named by a key; the catalogues of all
languages hold the same keys (tests/audit checks), so no language is built by hand."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale as CldrLocale
from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from fincompliance.errors import UsageError

CATALOGUES = Path(__file__).resolve().parent / "catalogues"
LANGUAGES = {"zh-CN": "zh_CN", "en": "en"}


@dataclass(frozen=True)
class Text:
    """A catalogue message, with values to fill in (which may be messages themselves)."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()


def text(key: str, **params: Any) -> Text:
    return Text(key, tuple(sorted(params.items())))


@dataclass(frozen=True)
class Article:
    """An article of 银办发〔2021〕146号, cited as its readers cite it: 第十条, Art. 10."""

    number: int

    @staticmethod
    def cited(value: str) -> Article | str:
        """A rule's `article` ("art. 10") as an Article; anything else as written."""
        found = _CITED.fullmatch(value.strip())
        return Article(int(found[1])) if found else value


_CITED = re.compile(r"(?:art(?:icle)?\.?\s*)?(\d{1,2})", re.IGNORECASE)


def article_said(value: str, language: str) -> str:
    """A rule's `article` as a reader of `language` cites it: 第十条 in Chinese, as the rule
    writes it otherwise."""
    cited = Article.cited(value)
    if language == "zh-CN" and isinstance(cited, Article):
        return f"第{chinese_number(cited.number)}条"
    return value
_DIGITS = "零一二三四五六七八九"


def chinese_number(number: int) -> str:
    """1 to 99 in Chinese numerals, as articles are numbered (十, 十二, 二十)."""
    tens, units = divmod(number, 10)
    if tens == 0:
        return _DIGITS[units]
    return (_DIGITS[tens] if tens > 1 else "") + "十" + (_DIGITS[units] if units else "")


@dataclass(frozen=True)
class Share:
    """A fraction shown as a percentage (a number in a workbook)."""

    value: float


@dataclass(frozen=True)
class Abridged:
    """Quoted text shown on a page cut to its first `limit` characters at a word (so that a
    table row stays a line or two); a workbook has it whole."""

    full: str
    limit: int = 110

    @property
    def short(self) -> str:
        if len(self.full) <= self.limit:
            return self.full
        cut = self.full[:self.limit].rsplit(" ", 1)[0] if " " in self.full[:self.limit] \
            else self.full[:self.limit]
        return cut.rstrip(" ,;:.") + "…"


def display_width(text: str) -> int:
    """Columns a text takes on a page or in a spreadsheet: Chinese characters two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def N_(key: str) -> str:  # noqa: N802 - the gettext convention for "translated later"
    """Marks a message key used as data, so that extraction (and the catalogue test)
    finds it."""
    return key


@cache
def catalogue(language: str) -> dict[str, str]:
    with (CATALOGUES / f"{LANGUAGES[language]}.po").open("rb") as handle:
        parsed = read_po(handle, locale=LANGUAGES[language])
    return {message.id: message.string for message in parsed if message.id and message.string}


@dataclass
class Locale:
    language: str
    missing: set[str] = field(default_factory=set)   # keys asked for but not catalogued

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise UsageError(f"--lang {self.language}: one of {', '.join(LANGUAGES)}")
        self._messages = catalogue(self.language)
        self._cldr = CldrLocale.parse(LANGUAGES[self.language])

    def text(self, key: str, **params: Any) -> str:
        message = self._messages.get(key)
        if message is None:
            self.missing.add(key)
            message = catalogue("en").get(key, key)
        if not params:
            return message
        return message.format(**{name: self.value(value) for name, value in params.items()})

    def message(self, message: Text) -> str:
        return self.text(message.key, **{name: self.message(value) if isinstance(
            value, Text) else value for name, value in message.params})

    def value(self, value: Any) -> str:
        if isinstance(value, Text):
            return self.message(value)
        if isinstance(value, Article):
            number = (chinese_number(value.number) if self.language == "zh-CN"
                      else str(value.number))
            return self.text(N_("article.cited"), number=number)
        if isinstance(value, Share):
            return format_percent(value.value, locale=self._cldr)
        if isinstance(value, Abridged):
            return value.short
        if isinstance(value, bool):
            return self.text(N_("value.yes") if value else N_("value.no"))
        if isinstance(value, int):
            return format_decimal(value, locale=self._cldr)
        if isinstance(value, float):
            return format_decimal(value, format="#,##0.0", locale=self._cldr)
        if isinstance(value, datetime):
            return format_datetime(value, "long", tzinfo=value.tzinfo, locale=self._cldr)
        if isinstance(value, date):
            return format_date(value, "long", locale=self._cldr)
        return "" if value is None else str(value)

    @property
    def separator(self) -> str:
        """What joins the items of a list in this language (、 or , )."""
        return self.text(N_("list.separator"))

    def join(self, items: list[str]) -> str:
        return self.separator.join(items)

    def sort_key(self, text: str | None) -> tuple[str, str]:
        text = text or ""
        if self.language == "zh-CN":
            return (_pinyin(text), text)
        return (unicodedata.normalize("NFKD", text).casefold(), text)


def _pinyin(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(text, style=Style.TONE3)).casefold()
