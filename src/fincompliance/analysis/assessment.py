"""Component assessment after GB/T 42927-2023: each attribute of the model (YAML, changeable
by the institution) scored from the data that supports it, or from the institution's own
assessments, weighted into a score and a grade. Every score names its inputs; what no data
supports is "not assessed" and left out, and the coverage says how much was assessed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fincompliance.analysis.vulnerabilities import NOT_COVERED, UNVERSIONED, coverage_of
from fincompliance.clock import days_since
from fincompliance.errors import InputError
from fincompliance.licensing.compatibility import Assessment as LicenceAssessment
from fincompliance.licensing.normalise import UNKNOWN
from fincompliance.model import Component, Graph, purl_type
from fincompliance.policy.loader import read_checked, rules_directory

DEFAULT_MODEL = "assessment-model.yaml"
DEFAULT_ASSESSMENTS = Path(".fincomp") / "assessments.yaml"


@dataclass(frozen=True)
class Attribute:
    id: str
    names: dict[str, str]
    weight: float
    source: str
    settings: dict[str, Any]


@dataclass(frozen=True)
class Model:
    name: str
    attributes: tuple[Attribute, ...]
    grades: tuple[tuple[str, float], ...]
    file: str
    grade_min_coverage: float = 0.0   # below this share of the weight assessed: no grade


@dataclass(frozen=True)
class InstitutionAssessment:
    component: str
    assessor: str
    on: str
    note: str
    scores: dict[str, int]
    defined_at: str

    def applies_to(self, component: Component) -> bool:
        base, _, version = self.component.partition("@")
        return component.package == base and (not version or version == component.version)


@dataclass(frozen=True)
class Score:
    attribute: str
    score: float | None          # None: not assessed
    inputs: tuple[str, ...]      # what the score rests on


@dataclass(frozen=True)
class ComponentAssessment:
    ref: str
    scores: tuple[Score, ...]
    total: float | None
    grade: str | None            # None: not assessed, or withheld (too little assessed)
    coverage: float              # share of the model's weight that was assessed


def load_model(path: Path | None = None) -> Model:
    path = path or rules_directory() / DEFAULT_MODEL
    data, _ = read_checked(path, str(path), "assessment-model.schema.json", "assessment model")
    attributes = tuple(Attribute(a["id"], a["name"], float(a["weight"]), a["source"],
                                 {k: v for k, v in a.items()
                                  if k not in ("id", "name", "weight", "source")})
                       for a in data["attributes"])
    grades = tuple(sorted(((g["grade"], float(g["min"])) for g in data["grades"]),
                          key=lambda g: -g[1]))
    return Model(data["model"], attributes, grades, str(path),
                 float(data.get("grade_min_coverage", 0)))


def load_assessments(path: Path, model: Model) -> list[InstitutionAssessment]:
    data, lines = read_checked(path, str(path), "assessments.schema.json", "assessments file")
    known = {a.id for a in model.attributes if a.source == "institution"}
    found = []
    for index, entry in enumerate(data["assessments"]):
        unknown = sorted(set(entry["scores"]) - known)
        if unknown:
            raise InputError(str(path), f"assessments[{index}].scores: {', '.join(unknown)} "
                             f"is not an institution attribute of model {model.name} "
                             f"({', '.join(sorted(known))})",
                             lines.get(("assessments", index, "scores")))
        found.append(InstitutionAssessment(
            entry["component"], entry["assessor"], entry["date"], entry.get("note", ""),
            dict(entry["scores"]), f"{path}:{lines.get(('assessments', index), '?')}"))
    return found


def institution_assessments(root: Path, model: Model, path: Path | None = None
                            ) -> list[InstitutionAssessment]:
    """The given assessments file, else `.fincomp/assessments.yaml` in ROOT when there."""
    chosen = path or root / DEFAULT_ASSESSMENTS
    return load_assessments(chosen, model) if path or chosen.is_file() else []


def assess_for_the_ledger(graph: Graph, root: Path, licence: dict[str, LicenceAssessment],
                          on: date, advisory_ecosystems: frozenset[str] | None
                          ) -> tuple[str, dict[str, ComponentAssessment]]:
    """What `scan --record` keeps: grades from the shipped model and the project's own
    assessments file, with the model's name."""
    model = load_model()
    return model.name, assess_graph(graph, licence, model,
                                    institution_assessments(root, model), on,
                                    advisory_ecosystems)


@dataclass(frozen=True)
class _Inputs:
    component: Component
    licence: LicenceAssessment | None
    institution: list[InstitutionAssessment]
    on: date
    # the ecosystems the advisory database covers (None: no database was consulted)
    advisory_ecosystems: frozenset[str] | None


def assess_graph(graph: Graph, licence: dict[str, LicenceAssessment], model: Model,
                 institution: list[InstitutionAssessment], on: date,
                 advisory_ecosystems: frozenset[str] | None
                 ) -> dict[str, ComponentAssessment]:
    return {component.ref: assess(_Inputs(
        component, licence.get(component.ref),
        [a for a in institution if a.applies_to(component)], on, advisory_ecosystems),
        model) for component in graph.sorted_components()}


def assess(inputs: _Inputs, model: Model) -> ComponentAssessment:
    component = inputs.component
    scores = [_SCORERS[a.source](a, inputs) for a in model.attributes]
    assessed = [(a.weight, s.score) for a, s in zip(model.attributes, scores, strict=True)
                if s.score is not None]
    weight = sum(w for w, _ in assessed)
    total_weight = sum(a.weight for a in model.attributes)
    total = round(sum(w * s for w, s in assessed) / weight, 1) if weight else None
    coverage = round(weight / total_weight, 2)
    # A grade from a small part of the model would read as a verdict on the whole of it.
    grade = None if total is None or coverage < model.grade_min_coverage else next(
        g for g, low in model.grades if total >= low)
    return ComponentAssessment(component.ref, tuple(scores), total, grade, coverage)


def _licence(attribute: Attribute, inputs: _Inputs) -> Score:
    component, licence = inputs.component, inputs.licence
    expression = component.concluded.expression if component.concluded else UNKNOWN
    if licence is None:
        return Score(attribute.id, None, ("no licence review",))
    key = "unknown" if expression == UNKNOWN else licence.verdict.value
    score = float(attribute.settings["scores"].get(key, 0))
    return Score(attribute.id, score, (f"licence {expression}: {key}",))


def _security(attribute: Attribute, inputs: _Inputs) -> Score:
    component = inputs.component
    if inputs.advisory_ecosystems is None:
        return Score(attribute.id, None, ("no vulnerability database (fincomp db update)",))
    coverage = coverage_of(component.purl, component.version, inputs.advisory_ecosystems)
    if coverage == NOT_COVERED:
        return Score(attribute.id, None, (f"no {purl_type(component.purl)} advisories in the "
                                          "vulnerability database",))
    if coverage == UNVERSIONED:
        return Score(attribute.id, None, ("no exact version to match advisories against",))
    settings = attribute.settings
    score = float(settings.get("start", 100))
    inputs = []
    for vulnerability in component.vulnerabilities:
        cost = float(settings["penalty"].get(vulnerability.severity, 0))
        if vulnerability.fix_available:
            cost *= float(settings.get("fix_available_discount", 1))
        score -= cost
        inputs.append(f"{vulnerability.id} {vulnerability.severity}, "
                      + (f"fixed in {vulnerability.fixed}" if vulnerability.fixed else "no fix")
                      + f": -{cost:g}")
    return Score(attribute.id, max(score, 0.0), tuple(inputs) or ("no known vulnerability",))


def _vitality(attribute: Attribute, inputs: _Inputs) -> Score:
    release = inputs.component.release
    days = days_since(release.last_release, inputs.on) if release else None
    if days is None:
        return Score(attribute.id, None, ("no registry facts (scan with --online)",))
    settings = attribute.settings
    score = next((float(points) for limit, points in settings["last_release_days"]
                  if days <= limit), float(settings.get("older", 0)))
    inputs = [f"newest release {release.latest_version} {days} days ago: {score:g}"]
    few = settings.get("few_releases")
    if few and release.release_count is not None and release.release_count < few["below"]:
        score -= few["minus"]
        inputs.append(f"{release.release_count} releases: -{few['minus']}")
    single = settings.get("single_maintainer")
    if single and len(release.maintainers) == 1:
        score -= single["minus"]
        inputs.append(f"one maintainer ({release.maintainers[0]}): -{single['minus']}")
    return Score(attribute.id, max(score, 0.0), tuple(inputs))


def _institution(attribute: Attribute, inputs: _Inputs) -> Score:
    for entry in inputs.institution:
        if attribute.id in entry.scores:
            return Score(attribute.id, float(entry.scores[attribute.id]), (
                f"assessed by {entry.assessor} on {entry.on}"
                + (f": {entry.note}" if entry.note else "") + f" ({entry.defined_at})",))
    return Score(attribute.id, None, ("not in the institution's assessments",))


_SCORERS = {"licence": _licence, "security": _security, "vitality": _vitality,
            "institution": _institution}
