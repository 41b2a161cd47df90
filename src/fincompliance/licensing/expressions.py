"""Evaluating SPDX expressions: an OR is as good as its best choice, an AND as its worst
term, and `X WITH exception` is one unit (the licence with the permission added)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol

from fincompliance.licensing.normalise import licensing

T = TypeVar("T")


@dataclass(frozen=True)
class Term:
    """One licence of an expression, with its exception if it has one."""

    licence: str
    exception: str | None = None

    def __str__(self) -> str:
        return f"{self.licence} WITH {self.exception}" if self.exception else self.licence


def evaluate(expression: str, judge: Callable[[Term], T], rank: Callable[[T], int]
             ) -> tuple[T, list[Term]]:
    """Judge every term; combine OR by the best rank and AND by the worst.

    Returns the verdict and the terms it rests on (for an OR, the chosen option's terms).
    """
    return _walk(_parsed(expression), judge, rank)


@lru_cache(maxsize=8192)
def _parsed(expression: str):
    # A large graph holds a few hundred distinct expressions judged by thousands of
    # components and rules; parsing is what costs.
    return licensing().parse(expression)


def _walk(node, judge, rank):
    if isinstance(node, LicenseWithExceptionSymbol):
        term = Term(node.license_symbol.key, node.exception_symbol.key)
        return judge(term), [term]
    if isinstance(node, LicenseSymbol):
        term = Term(node.key)
        return judge(term), [term]
    results = [_walk(arg, judge, rank) for arg in node.args]
    if isinstance(node, OR):
        return max(results, key=lambda r: rank(r[0]))
    if isinstance(node, AND):
        verdict = min((r[0] for r in results), key=rank)
        return verdict, [t for r in results for t in r[1]]
    raise ValueError(f"unexpected node {node!r}")


@lru_cache(maxsize=8192)
def terms(expression: str) -> tuple[Term, ...]:
    """Every term of an expression, choices included."""
    found: list[Term] = []

    def collect(term: Term) -> bool:
        found.append(term)
        return True

    _walk(_parsed(expression), collect, lambda _: 0)
    return tuple(found)


def allowed(expression: str, allow_list: Iterable[str]) -> tuple[bool, list[Term]]:
    """Whether an allow-list admits an expression; exact ids only (MIT does not admit MIT-0).

    A licence WITH an exception is admitted when the combination is listed, or the licence
    itself is (an exception only adds permissions).
    """
    listed = _listed(tuple(allow_list))

    def judge(term: Term) -> bool:
        return str(term).lower() in listed or term.licence.lower() in listed

    return evaluate(expression, judge, int)


@lru_cache(maxsize=256)
def _listed(allow_list: tuple[str, ...]) -> frozenset[str]:
    return frozenset(str(_parsed(item)).lower() for item in allow_list)
