"""The languages fincomp writes for people, spelled one way on every command: `zh-CN` and
`en` (`zh` is accepted for `zh-CN`)."""

from __future__ import annotations

import os

LANGUAGES = ("zh-CN", "en")
_SPELLINGS = {"zh-cn": "zh-CN", "zh": "zh-CN", "zh_cn": "zh-CN", "en": "en"}


def parse_language(value: str) -> str | None:
    """The language a user's spelling names, or None when it is not one fincomp writes."""
    return _SPELLINGS.get(value.strip().lower())


def default_language() -> str:
    """zh-CN where the user's locale is Chinese, else English."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(variable, "")
        if value:
            return "zh-CN" if value.lower().startswith("zh") else "en"
    return "en"
