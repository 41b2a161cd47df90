"""Conclude each component's licence from what it declares and what its licence files say.

Declared statements are ranked by authority (PEP 639 `License-Expression` and npm's
`license` first, Trove classifiers last). Licence files are read with ScanCode whenever the
component has any: they decide when the metadata is missing or vague, and a file that names
other licences than a confident declaration is reported as a mismatch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from fincompliance.licensing.detect import Detection, Progress, combine, detect_files
from fincompliance.licensing.knowledge import Curation, Knowledge, load
from fincompliance.licensing.normalise import UNKNOWN, Normalised, licensing, normalise
from fincompliance.model import Component, Graph, LicenceConclusion

# Lower ranks first: the field most likely to state the licence precisely.
_AUTHORITY = {"License-Expression": 0, "license": 1, "spdx": 1, "cyclonedx": 1, "composer": 1,
              "maven": 1, "cargo": 1, "nuspec": 1, "License": 2, "licenses": 3, "Classifier": 4}
# Lists of several licences in these fields conventionally mean a choice.
_CHOICE_FIELDS = {"Classifier", "licenses"}
_TRUSTED_DETECTION = 0.8


def conclude_graph(graph: Graph, root: Path, knowledge: Knowledge | None = None,
                   curations: tuple[Curation, ...] = (),
                   on_progress: Progress | None = None,
                   archive_files: Mapping[str, list[tuple[str, str]]] | None = None) -> None:
    """Set `concluded` on every component; licence files are read relative to `root`, and
    those read out of package archives (`archive_files`: by component ref, the name shown
    and the cached file) beside them.

    `curations` (an institution's own) take precedence over the ones fincomp ships. A
    component read from an SBOM keeps the conclusion the document states, unless an
    institution curation covers it.
    """
    knowledge = knowledge or load()
    archive_files = archive_files or {}
    todo = [c for c in graph.components.values() if c.concluded is None or any(
        curation.applies_to(c.purl, c.version) for curation in curations)]
    files = {str(root / f) for c in todo for f in c.license_files if _readable(root, f)}
    files |= {path for c in todo for _, path in archive_files.get(c.ref, ())}
    detections = detect_files(files, on_progress) if files else {}
    for component in todo:
        found = [(f, detections.get(str(root / f))) for f in component.license_files]
        found += [(shown, detections.get(path))
                  for shown, path in archive_files.get(component.ref, ())]
        component.concluded = conclude(component, found, knowledge,
                                       curations + knowledge.curations)


def _readable(root: Path, relative: str) -> bool:
    """A licence file that is there and inside the scanned tree (never follow a name out)."""
    try:
        target = (root / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return target.is_file() and target.is_relative_to(root.resolve())


def conclude(component: Component, detections: Iterable[tuple[str, Detection | None]],
             knowledge: Knowledge | None = None,
             curations: tuple[Curation, ...] | None = None) -> LicenceConclusion:
    knowledge = knowledge or load()
    curations = knowledge.curations if curations is None else curations
    detections = list(detections)
    statements = sorted(
        (normalise(d.text, d.field, knowledge) for d in component.declared_licenses),
        key=lambda n: (_AUTHORITY.get(n.field, 2), -n.confidence))
    declared, declared_evidence = _declared(statements)
    detected_files = [(path, d) for path, d in detections if d is not None]
    evidence = declared_evidence + tuple(
        f"{path}: {expression} ({d.how}, score {score:.2f})"
        for path, d in detected_files for expression, score in d.parts)
    detected, score = _detected(detected_files, [s.family for s in statements if s.family])
    curation = next((c for c in curations if c.applies_to(component.purl, component.version)),
                    None)
    if curation is not None:
        return LicenceConclusion(
            expression=curation.concluded, confidence=1.0, method="curated",
            evidence=evidence + (f"curation reviewed {curation.reviewed}: {curation.reason}",),
            declared=declared.expression if declared else None, detected=detected,
            reason=curation.reason)

    if declared is not None:
        mismatch = bool(score >= _TRUSTED_DETECTION
                        and not _share_a_licence(declared.expression, detected, knowledge))
        return LicenceConclusion(
            expression=declared.expression, confidence=declared.confidence,
            method=("declared-confirmed" if detected and score >= _TRUSTED_DETECTION
                    and not mismatch else "declared"),
            evidence=evidence, declared=declared.expression, detected=detected,
            mismatch=mismatch,
            reason=(f"declared {declared.expression} but the licence files say {detected}"
                    if mismatch else None))
    if detected is not None and score >= _TRUSTED_DETECTION:
        vague = ", ".join(f"{s.raw!r} ({s.family or s.method})" for s in statements)
        return LicenceConclusion(
            expression=detected, confidence=round(score * 0.9, 2), method="detected",
            evidence=evidence, detected=detected,
            reason=f"metadata {'is vague: ' + vague if vague else 'declares no licence'}; "
                   "concluded from the licence files")
    if not statements:
        why = "no licence declared"
    else:
        why = "declared " + ", ".join(
            f"{s.raw!r} ({s.expression if s.identified else s.family or 'not identified'})"
            for s in statements)
        if any(s.identified for s in statements):
            why += ": only part of the declaration is identified"
    why += (" and no licence file found" if not detections else
            " and the licence files name no licence with confidence")
    return LicenceConclusion(expression=UNKNOWN, confidence=0.0, method="unconcluded",
                             evidence=evidence, detected=detected, reason=why)


def _detected(files: list[tuple[str, Detection]], families: list[str]) -> tuple[str | None, float]:
    """What the licence files say, from their strong detections.

    When the metadata named a family ("BSD"), detections of that family are the answer and
    the rest of the file (bundled notices, documentation licences) is evidence only.
    """
    strong = [(e, s) for _, d in files for e, s in d.parts if s >= _TRUSTED_DETECTION]
    if not strong:
        weak = [(e, s) for _, d in files for e, s in d.parts]
        return (_combined([e for e, _ in weak]), min(s for _, s in weak)) if weak else (None, 0.0)
    choice = _covering_choice(strong)
    if choice is not None:
        return choice, min(s for _, s in strong)
    prefixes = tuple(p for family in families for p in _family_prefixes(family))
    if prefixes:
        parser = licensing()
        in_family = [(e, s) for e, s in strong
                     if all(k.startswith(prefixes) for k in parser.license_keys(parser.parse(e)))]
        strong = in_family or strong
    return _combined([e for e, _ in strong]), min(s for _, s in strong)


def _covering_choice(strong: list[tuple[str, float]]) -> str | None:
    """A detection that offers a choice ("made available under either LICENSE.APACHE or
    LICENSE.BSD") and names every licence the other files hold: those files are the texts
    it chooses between, so it is the answer (ANDing them would turn a choice into a
    combination)."""
    parser = licensing()
    keyed = [(e, {k.lower() for k in parser.license_keys(parser.parse(e))}) for e, _ in strong]
    for expression, keys in keyed:
        if " OR " in expression and all(other <= keys for _, other in keyed):
            return expression
    return None


def _family_prefixes(family: str) -> tuple[str, ...]:
    """The SPDX id prefixes of a vague family description ("BSD (2-, 3- or 4-clause)")."""
    first = family.split()[0].strip("(),").upper()
    known = {"BSD": ("BSD-",), "GPL": ("GPL-",), "LGPL": ("LGPL-",), "AGPL": ("AGPL-",),
             "APACHE": ("Apache-",), "ARTISTIC": ("Artistic-",), "MPL": ("MPL-",)}
    return known.get(first, ())


def _declared(statements: list[Normalised]) -> tuple[Normalised | None, tuple[str, ...]]:
    evidence = tuple(f"{s.field}: {s.raw!r} -> {s.expression} ({s.method})" for s in statements)
    identified = [s for s in statements if s.identified]
    if not identified:
        return None, evidence
    best = identified[0]
    rank = _AUTHORITY.get(best.field, 2)
    if any(not s.identified for s in statements if _AUTHORITY.get(s.field, 2) <= rank):
        # "GPLv2+" beside a bare "Artistic License" classifier: only part of the picture is
        # named, so the declaration as a whole is vague and the files decide.
        return None, evidence
    same_rank = [s for s in identified if _AUTHORITY.get(s.field, 2) == rank]
    choices = list(dict.fromkeys(s.expression for s in same_rank))
    if len(choices) > 1 and best.field in _CHOICE_FIELDS:
        # several classifiers (or npm `licenses` entries): dual licensing, read as a choice
        expression = _combined(choices, operator="OR")
        return Normalised(expression, best.raw, best.field, "choice",
                          min(s.confidence for s in same_rank) * 0.8), evidence
    return best, evidence


def _combined(expressions: list[str], operator: str = "AND") -> str:
    if operator == "AND":
        return combine(expressions)
    joined = f" {operator} ".join(f"({e})" for e in dict.fromkeys(expressions))
    return str(licensing().parse(joined).simplify())


def _share_a_licence(declared: str, detected: str | None, knowledge: Knowledge) -> bool:
    parser = licensing()

    def keys(expression: str) -> set[str]:
        found = {k.lower() for k in parser.license_keys(parser.parse(expression))}
        return found | {e.lower() for k in found for e in knowledge.equivalents.get(k, ())}

    return bool(detected and keys(declared) & keys(detected))
