"""The licence stage over a whole graph: conclusions, then for the product's outbound licence
and distribution model a verdict per component, conflicts, and the obligations to meet."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fincompliance.licensing.compatibility import Assessment, Conflict, assess, conflicts
from fincompliance.licensing.conclude import conclude_graph
from fincompliance.licensing.knowledge import Knowledge, load
from fincompliance.model import Graph, Scope
from fincompliance.product import PROPRIETARY, Distribution


@dataclass
class LicenceReview:
    outbound: str
    distribution: Distribution
    assessments: dict[str, Assessment] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    obligations: dict[str, list[str]] = field(default_factory=dict)  # obligation -> refs


def review(graph: Graph, root: Path, outbound: str = PROPRIETARY,
           distribution: Distribution = Distribution.DISTRIBUTED_BINARY,
           knowledge: Knowledge | None = None) -> LicenceReview:
    """Conclude every component's licence (if not yet done) and assess it.

    Dev-scope components are not shipped, so they are assessed as internal use.
    """
    knowledge = knowledge or load()
    if any(c.concluded is None for c in graph.components.values()):
        conclude_graph(graph, root, knowledge)
    result = LicenceReview(outbound, distribution)
    shipped = []
    # An assessment depends only on the expression and the distribution model: thousands of
    # components share a few dozen (and share the frozen Assessment, which the policy stage
    # uses to judge them once).
    assessed: dict[tuple[str, Distribution], Assessment] = {}
    for component in graph.sorted_components():
        model = distribution if component.scope is not Scope.DEV else Distribution.INTERNAL_USE
        key = (component.concluded.expression, model)
        assessment = assessed.get(key)
        if assessment is None:
            assessment = assessed[key] = assess(key[0], outbound, model, knowledge)
        result.assessments[component.ref] = assessment
        if component.scope is not Scope.DEV:
            shipped.append(assessment.chosen)
        for obligation in assessment.obligations:
            result.obligations.setdefault(obligation, []).append(component.ref)
    result.conflicts = conflicts(shipped, distribution, knowledge)
    return result
