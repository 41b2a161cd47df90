"""May a component be used the way the product is shipped? A verdict with its reasons.

Inputs: the component's concluded expression, the product's outbound licence, and how the
product reaches people (internal use, a network service, a distributed binary or source, a
mobile app). Copyleft obligations trigger on distribution (network copyleft also on network
use), so the distribution model decides first; between two open licences the OSADL matrix
decides, then our reviewed pairs, then the categories. An OR takes its most favourable
choice, an AND needs every term, `WITH` exceptions change the verdict by their reviewed effect.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import yaml

from fincompliance.licensing.expressions import Term, evaluate, terms
from fincompliance.licensing.knowledge import Category, Knowledge, data_directory, load
from fincompliance.product import PROPRIETARY, Distribution


class Verdict(StrEnum):
    COMPATIBLE = "compatible"
    NEEDS_REVIEW = "needs-review"
    INCOMPATIBLE = "incompatible"

    def said(self, language: str = "en") -> str:
        """The verdict as a reader of `language` says it."""
        return _VERDICT_WORDS.get(language, {}).get(self.value, self.value)

    @property
    def rank(self) -> int:
        return {"compatible": 2, "needs-review": 1, "incompatible": 0}[self.value]


_VERDICT_WORDS = {"zh-CN": {"compatible": "兼容", "needs-review": "需审查",
                            "incompatible": "不兼容"}}


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reasons: tuple[str, ...]
    obligations: tuple[str, ...] = ()
    non_open: bool = False
    chinese: tuple[str, ...] = ()    # the reasons in Chinese


@dataclass(frozen=True)
class Assessment:
    expression: str
    verdict: Verdict
    chosen: str                      # the terms the verdict rests on (an OR's chosen option)
    reasons: tuple[str, ...]         # the decisive reasons first, then the other terms'
    decisive: tuple[str, ...]        # the reasons of the terms that set the verdict
    obligations: tuple[str, ...]
    non_open: bool
    non_open_reasons: tuple[str, ...] = ()   # why, for the terms that are not open source
    decisive_chinese: tuple[str, ...] = ()   # `decisive` in Chinese
    reasons_chinese: tuple[str, ...] = ()    # `reasons` in Chinese

    def why(self, language: str = "en") -> tuple[str, ...]:
        """The decisive reasons in `language` (Chinese where fincomp has them)."""
        return self.decisive_chinese if language == "zh-CN" and self.decisive_chinese \
            else self.decisive


@dataclass(frozen=True)
class Conflict:
    licence: str
    other: str
    reason: str


@dataclass(frozen=True)
class ReviewedPair:
    verdict: Verdict
    source: str                                  # the reasoning, in English
    translations: dict[str, str]                 # the reasoning by language tag (zh-CN)

    def reason(self, language: str = "en") -> str:
        return self.translations.get(language, self.source)


@dataclass(frozen=True)
class Compatibility:
    matrix: dict[str, dict[str, str]]
    pairs: dict[tuple[str, str], ReviewedPair]   # (outbound, component) -> reviewed verdict
    exceptions: dict[str, tuple[str, str]]   # exception id -> (effect, source)

    def reviewed_for(self, outbound: str) -> dict[str, ReviewedPair]:
        """The reviewed pairs of a product under `outbound`, by component licence."""
        return {component: pair for (leading, component), pair in self.pairs.items()
                if leading == outbound}


def _words(text: str) -> str:
    return " ".join(text.split())


@lru_cache(maxsize=2)
def load_compatibility(directory: Path | None = None) -> Compatibility:
    folder = (directory or data_directory()) / "compatibility"
    matrix = json.loads((folder / "osadl-matrix.json").read_text(encoding="utf-8"))
    reviewed = yaml.load((folder / "reviewed.yaml").read_text(encoding="utf-8"),
                         Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    pairs: dict[tuple[str, str], ReviewedPair] = {}
    for entry in reviewed["pairs"]:
        pair = ReviewedPair(Verdict(entry["verdict"]), _words(entry["source"]),
                            {"zh-CN": _words(entry["zh-CN"])}
                            if "zh-CN" in entry else {})
        for component in entry.get("components", [entry.get("component")]):
            key = (entry["outbound"], component)
            if key in pairs:
                raise ValueError(f"reviewed.yaml: {key[1]} under {key[0]} is reviewed twice")
            pairs[key] = pair
    exceptions = {k: (v["effect"], _words(v["source"]))
                  for k, v in reviewed["exceptions"].items()}
    return Compatibility(matrix, pairs, exceptions)


def assess(expression: str, outbound: str, distribution: Distribution,
           knowledge: Knowledge | None = None) -> Assessment:
    knowledge = knowledge or load()
    data = load_compatibility()

    def judge(term: Term) -> Judgement:
        return _judge(term, outbound, distribution, knowledge, data)

    judgement, chosen = evaluate(expression, judge, lambda j: j.verdict.rank)
    # An AND's verdict is its worst term's; its reasons and obligations are all terms'.
    parts = sorted((judge(t) for t in chosen), key=lambda p: p.verdict.rank)
    decisive = tuple(dict.fromkeys(r for p in parts if p.verdict is judgement.verdict
                                   for r in p.reasons))
    decisive_chinese = tuple(dict.fromkeys(r for p in parts if p.verdict is judgement.verdict
                                           for r in p.chinese))
    return Assessment(
        expression=expression, verdict=judgement.verdict,
        chosen=" AND ".join(str(t) for t in chosen),
        reasons=tuple(dict.fromkeys(r for p in parts for r in p.reasons)), decisive=decisive,
        obligations=tuple(dict.fromkeys(o for p in parts for o in p.obligations)),
        non_open=any(p.non_open for p in parts),
        non_open_reasons=tuple(dict.fromkeys(r for p in parts if p.non_open
                                             for r in p.reasons)),
        decisive_chinese=decisive_chinese,
        reasons_chinese=tuple(dict.fromkeys(r for p in parts for r in p.chinese)))


# Each reason in English and Chinese: findings speak the reader's language (art. 10, 13).
_REASONS = {
    "non-open": ("{name} is {category}: not an open-source licence, its own terms decide",
                 "{name} 属于{category_zh}：不是开源许可证，以其自身条款为准"),
    "network-proprietary": (
        "{name}: users of a network service must be offered the source of the whole work "
        "(network copyleft), which a proprietary service cannot do",
        "{name}：网络服务的用户有权获得整个作品的源代码（网络 Copyleft），专有服务无法做到"),
    "not-distributed": ("{name}: {why}; its {category} terms are not triggered{kept}",
                        "{name}：{why_zh}，其{category_zh}条款不被触发{kept_zh}"),
    "proprietary-permissive": (
        "{name} is {category}: it may be included in a proprietary product that meets its "
        "obligations",
        "{name} 属于{category_zh}：履行其义务后可纳入专有产品"),
    "linking-permitted": (
        "{name}: the exception lets independent modules link under any terms ({source}); the "
        "component itself stays under its licence",
        "{name}：该例外允许独立模块以任何条款与之链接（{source}）；组件本身仍适用其许可证"),
    "file-level": (
        "{name} is file-level copyleft: a larger proprietary work may include it; its own "
        "files stay under its licence, and changes to them must be offered as source",
        "{name} 属于文件级 Copyleft：更大的专有作品可以包含它；其自身文件仍适用原许可证，"
        "对这些文件的修改须提供源代码"),
    "weak-copyleft": (
        "{name} is weak copyleft: usable in a proprietary product only as a separate, "
        "unmodified library (dynamic linking, or separate files for MPL), with its obligations "
        "met; changes to it must be released.{mobile}",
        "{name} 属于弱 Copyleft：只能作为独立、未修改的库（动态链接，MPL 为独立文件）用于专有产品，"
        "并须履行其义务；对它的修改须公开。{mobile_zh}"),
    "proprietary-copyleft": (
        "{name} is {category}: a distributed work that includes it must be licensed under its "
        "terms as a whole, which a proprietary outbound licence cannot be",
        "{name} 属于{category_zh}：包含它的作品分发时必须整体采用其许可证，专有许可证无法做到"),
    "matrix": ("{name} in a work under {outbound}: OSADL matrix says {value!r}",
               "{name} 纳入以 {outbound} 发布的作品：OSADL 兼容性矩阵的结论为 {value!r}"),
    "reviewed": ("{name} in a work under {outbound}: reviewed: {source}",
                 "{name} 纳入以 {outbound} 发布的作品：经审查：{source_zh}"),
    "permissive-unlisted": (
        "{name} is {category}: it may be included in a work under {outbound} with its notices "
        "kept (pair not in the OSADL matrix)",
        "{name} 属于{category_zh}：保留其声明即可纳入以 {outbound} 发布的作品"
        "（OSADL 矩阵未收录该组合）"),
    "uncovered": (
        "{name} in a work under {outbound}: neither the OSADL matrix nor fincomp's reviewed "
        "pairs cover it",
        "{name} 纳入以 {outbound} 发布的作品：OSADL 矩阵和 fincomp 经审查的许可证对均未涵盖"),
}
CATEGORIES_ZH = {
    "public-domain": "公有领域", "permissive": "宽松型许可证",
    "weak-copyleft": "弱 Copyleft 许可证", "strong-copyleft": "强 Copyleft 许可证",
    "network-copyleft": "网络 Copyleft 许可证",
    "source-available": "源码可见许可证", "proprietary": "专有许可证", "unknown": "未知许可证"}


def _judgement(verdict: Verdict, key: str, obligations: tuple[str, ...],
               non_open: bool = False, **values: object) -> Judgement:
    english, chinese = _REASONS[key]
    category = values.get("category")
    values = {"category_zh": CATEGORIES_ZH.get(str(category), category), **values}
    values.setdefault("source_zh", values.get("source"))
    return Judgement(verdict, (english.format(**values),), obligations, non_open,
                     (chinese.format(**values),))


def _judge(term: Term, outbound: str, distribution: Distribution, knowledge: Knowledge,
           data: Compatibility) -> Judgement:
    licence = knowledge.get(term.licence)
    category = licence.category if licence else Category.UNKNOWN
    name = f"{term} ({licence.name})" if licence else str(term)
    obligations = licence.obligations if licence else ("review-terms",)
    if not category.is_open:
        return _judgement(Verdict.NEEDS_REVIEW, "non-open", obligations,
                          category is not Category.UNKNOWN, name=name, category=category.value)
    effect, effect_source = data.exceptions.get(term.exception, (None, None)) \
        if term.exception else (None, None)
    proprietary = outbound == PROPRIETARY or (
        (found := knowledge.get(outbound)) is not None and not found.category.is_open)

    if not distribution.distributes:
        if category is Category.NETWORK_COPYLEFT and distribution is Distribution.NETWORK_SERVICE:
            if proprietary:
                return _judgement(Verdict.INCOMPATIBLE, "network-proprietary", obligations,
                                  name=name)
            return _between_open(term, name, outbound, knowledge, data, obligations)
        internal = distribution is Distribution.INTERNAL_USE
        kept = tuple(o for o in obligations if o == "network-use-is-distribution")
        return _judgement(
            Verdict.COMPATIBLE, "not-distributed", kept, name=name, category=category.value,
            why="internal use is not distribution" if internal
            else "running a network service is not distribution",
            why_zh="内部使用不构成分发" if internal else "运行网络服务不构成分发",
            kept=" (modified versions used over a network must offer their source)"
            if kept else "", kept_zh="（通过网络使用修改版本时须提供其源代码）" if kept else "")

    if proprietary:
        if category in (Category.PUBLIC_DOMAIN, Category.PERMISSIVE) or effect == "permissive":
            return _judgement(Verdict.COMPATIBLE, "proprietary-permissive", obligations,
                              name=name, category=category.value)
        if effect == "linking-permitted":
            return _judgement(Verdict.COMPATIBLE, "linking-permitted", obligations, name=name,
                              source=effect_source)
        if category is Category.WEAK_COPYLEFT and licence and licence.copyleft_scope == "file":
            return _judgement(Verdict.COMPATIBLE, "file-level", obligations, name=name)
        if category is Category.WEAK_COPYLEFT:
            mobile = distribution is Distribution.MOBILE_APP
            return _judgement(
                Verdict.NEEDS_REVIEW, "weak-copyleft", obligations, name=name,
                mobile=" On mobile app stores and with static linking, relinking is hard to "
                "offer." if mobile else "",
                mobile_zh="在移动应用商店分发或静态链接时，难以提供重新链接的条件。"
                if mobile else "")
        return _judgement(Verdict.INCOMPATIBLE, "proprietary-copyleft", obligations, name=name,
                          category=category.value)
    return _between_open(term, name, outbound, knowledge, data, obligations)


def _between_open(term: Term, name: str, outbound: str, knowledge: Knowledge,
                  data: Compatibility, obligations: tuple[str, ...]) -> Judgement:
    row = data.matrix.get(outbound, {})
    for key in (str(term), term.licence):
        value = row.get(key)
        if value is None:
            continue
        verdict = {"Yes": Verdict.COMPATIBLE, "Same": Verdict.COMPATIBLE,
                   "No": Verdict.INCOMPATIBLE}.get(value, Verdict.NEEDS_REVIEW)
        return _judgement(verdict, "matrix", obligations, name=name, outbound=outbound,
                          value=value)
    reviewed = data.pairs.get((outbound, str(term))) or data.pairs.get((outbound, term.licence))
    if reviewed:
        return _judgement(reviewed.verdict, "reviewed", obligations, name=name,
                          outbound=outbound, source=reviewed.source,
                          source_zh=reviewed.reason("zh-CN"))
    licence = knowledge.get(term.licence)
    if licence and licence.category in (Category.PUBLIC_DOMAIN, Category.PERMISSIVE):
        return _judgement(Verdict.COMPATIBLE, "permissive-unlisted", obligations, name=name,
                          category=licence.category.value, outbound=outbound)
    return _judgement(Verdict.NEEDS_REVIEW, "uncovered", obligations, name=name,
                      outbound=outbound)


def conflicts(expressions: list[str], distribution: Distribution,
              knowledge: Knowledge | None = None) -> list[Conflict]:
    """Copyleft licences that cannot take another licence present in the same product.

    `expressions` are what each component is used under: an assessment's `chosen` terms.
    """
    if not distribution.distributes:
        return []
    knowledge = knowledge or load()
    matrix = load_compatibility().matrix
    present = sorted({str(t) for e in expressions for t in terms(e)})
    found = []
    for licence, other in itertools.permutations(present, 2):
        known = knowledge.get(licence.split(" WITH ")[0])
        if not known or known.category not in (Category.STRONG_COPYLEFT,
                                               Category.NETWORK_COPYLEFT):
            continue
        if matrix.get(licence, {}).get(other) == "No":
            found.append(Conflict(licence, other, (
                f"{licence} requires the distributed work to be under its terms as a whole, "
                f"and OSADL says {other} cannot be included in such a work")))
    return found
