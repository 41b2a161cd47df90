"""Licence knowledge, loaded from the data in `licenses/` (never written in code).

`catalog.json` is generated from the ScanCode LicenseDB and the SPDX License List;
`reviewed.yaml` is our reviewed layer on top (obligations, network copyleft, non-open and
Chinese licences); `aliases.yaml` says how packages write licences.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from fincompliance.errors import InputError
from fincompliance.model import package_of


class Category(StrEnum):
    PUBLIC_DOMAIN = "public-domain"
    PERMISSIVE = "permissive"
    WEAK_COPYLEFT = "weak-copyleft"
    STRONG_COPYLEFT = "strong-copyleft"
    NETWORK_COPYLEFT = "network-copyleft"
    SOURCE_AVAILABLE = "source-available"
    PROPRIETARY = "proprietary"
    UNKNOWN = "unknown"

    @property
    def is_open(self) -> bool:
        return self not in (Category.SOURCE_AVAILABLE, Category.PROPRIETARY, Category.UNKNOWN)


@dataclass(frozen=True)
class Licence:
    id: str
    name: str
    category: Category
    obligations: tuple[str, ...]
    osi_approved: bool
    fsf_libre: bool
    is_exception: bool
    deprecated: bool
    notes: str | None
    source: tuple[str, ...]
    scancode_key: str | None = None
    copyleft_scope: str | None = None     # "file": binds only its own files (MPL, EPL, CDDL)


@dataclass(frozen=True)
class Curation:
    purl: str                  # without version
    versions: tuple[str, ...]  # "*" for every version
    concluded: str
    reason: str
    reviewed: str

    def applies_to(self, purl: str, version: str | None) -> bool:
        return package_of(purl) == self.purl and (
            "*" in self.versions or version in self.versions)


def read_curations(path: Path) -> tuple[Curation, ...]:
    document = read_yaml(path) or {}
    return tuple(Curation(purl=c["purl"], versions=tuple(str(v) for v in c["versions"]),
                          concluded=c["concluded"], reason=" ".join(c["reason"].split()),
                          reviewed=str(c["reviewed"]))
                 for c in document.get("curations", []))


@dataclass(frozen=True, eq=False)  # compared by identity: one loaded knowledge base
class Knowledge:
    licences: dict[str, Licence]
    ids_by_key: dict[str, str]            # folded id or deprecated id -> canonical id
    obligation_text: dict[str, dict[str, str]]
    aliases: dict[str, str]               # folded text -> SPDX expression
    vague: dict[str, str]                 # folded text -> family description
    classifiers: dict[str, str]           # classifier -> SPDX id or "vague"
    urls: dict[str, str]                  # folded URL (no scheme) -> SPDX id
    equivalents: dict[str, tuple[str, ...]]   # lower id -> ids whose terms include it
    curations: tuple[Curation, ...]

    def get(self, licence_id: str) -> Licence | None:
        canonical = self.ids_by_key.get(licence_id.lower())
        return self.licences.get(canonical) if canonical else None

    def category_of(self, expression: str) -> Category:
        """The category a component's licence puts it in: for a choice (OR) the most open
        option, for a combination (AND) the most restrictive part."""
        from license_expression import ExpressionError

        from fincompliance.licensing.expressions import evaluate

        def judge(term) -> Category:
            licence = self.get(term.licence)
            return licence.category if licence else Category.UNKNOWN

        try:
            return evaluate(expression, judge, _OPENNESS.index)[0]
        except ExpressionError:  # stored before normalising, or by another tool
            return Category.UNKNOWN


# Least open first: the rank `category_of` combines by.
_OPENNESS = [Category.UNKNOWN, Category.PROPRIETARY, Category.SOURCE_AVAILABLE,
             Category.NETWORK_COPYLEFT, Category.STRONG_COPYLEFT, Category.WEAK_COPYLEFT,
             Category.PERMISSIVE, Category.PUBLIC_DOMAIN]


_FOLD = re.compile(r"[\s,;:()\"']+")


def fold(text: str) -> str:
    """The key aliases are matched on: case, whitespace and ",;:()" quotes folded."""
    return _FOLD.sub(" ", text.lower()).strip()


def fold_url(text: str) -> str:
    return re.sub(r"^https?://", "", text.strip().lower()).rstrip("/")


def data_directory() -> Path:
    """`FINCOMP_LICENSES_DIR`, else the `licenses/` folder shipped with fincomp."""
    configured = os.environ.get("FINCOMP_LICENSES_DIR")
    if configured:
        return Path(configured)
    packaged = Path(__file__).resolve().parent.parent / "data" / "licenses"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "licenses"


@lru_cache(maxsize=4)
def load(directory: Path | None = None) -> Knowledge:
    directory = directory or data_directory()
    try:
        return _load(directory)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        # an institution's own copy (FINCOMP_LICENSES_DIR) may be malformed: one line
        raise InputError(str(directory), "not fincomp's licence data "
                         f"({type(error).__name__}: {error})") from None


def _load(directory: Path) -> Knowledge:
    catalog = json.loads((directory / "catalog.json").read_text(encoding="utf-8"))
    reviewed = read_yaml(directory / "reviewed.yaml")
    aliases = read_yaml(directory / "aliases.yaml")
    defaults = {Category(k): tuple(v) for k, v in reviewed["category_defaults"].items()}
    records: dict[str, dict[str, Any]] = {r["id"]: dict(r) for r in catalog["licenses"]}
    for entry in reviewed["licenses"]:
        base = records.setdefault(entry["id"], {
            "id": entry["id"], "name": entry.get("name", entry["id"]), "category": "unknown",
            "is_exception": False, "deprecated": False, "deprecated_ids": [],
            "osi_approved": False, "fsf_libre": False, "source": []})
        base.update({k: v for k, v in entry.items() if k not in ("source",)})
        base["source"] = [*base.get("source", []), f"fincomp review: {entry['source']}"]
    licences, ids_by_key = {}, {}
    for record in records.values():
        category = Category(record["category"])
        obligations = record.get("obligations")
        licence = Licence(
            id=record["id"], name=record["name"], category=category,
            obligations=tuple(obligations) if obligations is not None else defaults[category],
            osi_approved=record["osi_approved"], fsf_libre=record["fsf_libre"],
            is_exception=record["is_exception"], deprecated=record["deprecated"],
            notes=record.get("notes"), source=tuple(record["source"]),
            scancode_key=record.get("scancode_key"),
            copyleft_scope=record.get("copyleft_scope"))
        licences[licence.id] = licence
        for key in (licence.id, *record.get("deprecated_ids", [])):
            ids_by_key.setdefault(key.lower(), licence.id)
    return Knowledge(
        licences=licences, ids_by_key=ids_by_key, obligation_text=reviewed["obligations"],
        aliases={fold(k): v for k, v in aliases["aliases"].items()},
        vague={fold(k): v for k, v in aliases["vague"].items()},
        classifiers={k.strip(): v for k, v in aliases["classifiers"].items()},
        urls={fold_url(k): v for k, v in aliases["urls"].items()},
        equivalents={member.lower(): tuple(group) for group in reviewed["equivalents"]
                     for member in group},
        curations=read_curations(directory / "curations.yaml"))


def read_yaml(path: Path) -> Any:
    """A YAML file of licence data; YAML that does not parse is one line naming its line."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"),
                         Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        raise InputError(str(path), f"not valid YAML: {error.problem}", line) from None
    except yaml.YAMLError as error:
        raise InputError(str(path), f"not valid YAML: {error}") from None
