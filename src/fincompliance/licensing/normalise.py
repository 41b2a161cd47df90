"""Turn what a package declares into an SPDX expression, saying how sure we are and why.

Order of evidence: an SPDX expression as written (ids in any case, deprecated ids mapped),
then the alias, classifier and URL tables of `licenses/aliases.yaml`, then ScanCode's
detection for licence prose. A family without a version ("BSD", "GPL") is *vague*: it is
not turned into a guess; the licence files decide (see `conclude`). What cannot be
identified is `LicenseRef-fincomp-unknown`, with the raw text kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from boolean.boolean import ParseError
from license_expression import ExpressionError, LicenseSymbol, Licensing

from fincompliance.licensing.knowledge import Knowledge, fold, fold_url, load

UNKNOWN = "LicenseRef-fincomp-unknown"
_SEE_LICENSE = re.compile(r"^see licen[cs]e in (.+)$", re.IGNORECASE)
_CLASSIFIER_PREFIX = "License ::"
_PROSE_LENGTH = 200  # longer declared text is licence prose: ScanCode reads it


@dataclass(frozen=True)
class Normalised:
    expression: str        # an SPDX expression (LicenseRef-s included); UNKNOWN if not known
    raw: str
    field: str             # where the package wrote it (License, Classifier, license, ...)
    method: str            # spdx, spdx-deprecated, alias, classifier, url, npm, scancode-text,
    #                        vague, file-reference, unknown
    confidence: float      # 1.0 as written in SPDX; lower for tables and detection; 0 unknown
    family: str | None = None      # for vague text: the family named
    file_hint: str | None = None   # npm "SEE LICENSE IN <file>"

    @property
    def identified(self) -> bool:
        return self.expression != UNKNOWN


@lru_cache(maxsize=2)
def licensing(knowledge: Knowledge | None = None) -> Licensing:
    """A license-expression parser that knows every id in our catalogue."""
    knowledge = knowledge or load()
    aliases: dict[str, list[str]] = {}
    for key, target in knowledge.ids_by_key.items():
        if key != target.lower() and " " not in key:
            aliases.setdefault(target, []).append(key)
    return Licensing([LicenseSymbol(licence.id, aliases=tuple(aliases.get(licence.id, ())),
                                    is_exception=licence.is_exception)
                      for licence in knowledge.licences.values()])


@lru_cache(maxsize=8192)   # a graph repeats a few dozen licence strings thousands of times
def parse_spdx(text: str, knowledge: Knowledge | None = None) -> str | None:
    """`text` as a canonical SPDX expression if every id in it is known, else None."""
    parser = licensing(knowledge)
    try:
        parsed = parser.parse(text, strict=True, validate=True)
    except (ExpressionError, ParseError, AttributeError, TypeError):
        return None
    return str(parsed) if parsed is not None else None


def normalise(text: str, field: str = "declared", knowledge: Knowledge | None = None
              ) -> Normalised:
    return _normalise(text, field, knowledge or load())


@lru_cache(maxsize=8192)   # as parse_spdx: the same strings again and again
def _normalise(text: str, field: str, knowledge: Knowledge) -> Normalised:
    raw = text.strip()

    def result(expression: str, method: str, confidence: float, **extra) -> Normalised:
        return Normalised(expression, raw, field, method, confidence, **extra)

    if not raw:
        return result(UNKNOWN, "unknown", 0.0)
    if raw.upper() == "UNLICENSED":
        return result("LicenseRef-fincomp-unlicensed", "npm", 1.0)
    see = _SEE_LICENSE.match(raw)
    if see:
        return result(UNKNOWN, "file-reference", 0.0, file_hint=see.group(1).strip())
    if raw.startswith(_CLASSIFIER_PREFIX):
        target = knowledge.classifiers.get(raw)
        if target == "vague" or target is None:
            return result(UNKNOWN, "vague" if target else "unknown", 0.0,
                          family=raw.rsplit("::", 1)[-1].strip())
        return result(target, "classifier", 0.9)

    folded = fold(raw)
    expression = parse_spdx(raw, knowledge)
    if expression:
        as_written = re.sub(r"[\s()]", "", expression.lower()) == re.sub(r"[\s()]", "",
                                                                          raw.lower())
        if as_written:
            return result(expression, "spdx", 1.0)
        if folded not in knowledge.vague:  # a bare family is vague, deprecated id or not
            return result(expression, "spdx-deprecated", 0.95)
    choice = _slash_choice(raw, knowledge)
    if choice:
        return result(choice, "spdx", 0.95)

    if folded in knowledge.aliases:
        return result(knowledge.aliases[folded], "alias", 0.9)
    combined = _alias_combination(folded, knowledge)
    if combined:
        return result(combined, "alias", 0.85)
    url = fold_url(raw)
    if url in knowledge.urls:
        return result(knowledge.urls[url], "url", 0.85)
    if folded in knowledge.vague:
        return result(UNKNOWN, "vague", 0.0, family=knowledge.vague[folded])
    if len(raw) >= _PROSE_LENGTH or "\n" in raw:
        from fincompliance.licensing.detect import detect_text

        detected = detect_text(raw)
        if detected is not None:
            return result(detected.expression, "scancode-text", round(detected.score * 0.9, 2))
    return result(UNKNOWN, "unknown", 0.0)


def _slash_choice(raw: str, knowledge: Knowledge) -> str | None:
    """`MIT/Apache-2.0`, `Apache-2.0 / MIT` (Cargo's old style): a choice between known
    ids."""
    if "/" not in raw or "://" in raw:
        return None
    parts = [part.strip() for part in raw.split("/")]
    if any(not part or " " in part for part in parts):
        return None
    parts = [parse_spdx(part, knowledge) for part in parts]
    return " OR ".join(parts) if all(parts) and len(parts) > 1 else None


def _alias_combination(folded: str, knowledge: Knowledge) -> str | None:
    """`Apache 2.0 or MIT`, `GPLv2 and BSD`: each side an alias or an SPDX id."""
    for word, operator in ((" or ", " OR "), (" and ", " AND ")):
        if word in folded:
            sides = [knowledge.aliases.get(side.strip()) or parse_spdx(side.strip(), knowledge)
                     for side in folded.split(word)]
            if all(sides):
                return operator.join(f"({s})" if " " in s else s for s in sides)
    return None
