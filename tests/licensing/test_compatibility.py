"""Classic compatibility cases: each verdict with the reason it rests on."""

from __future__ import annotations

from collections import Counter

import pytest

from fincompliance.licensing.compatibility import Verdict, assess, conflicts, load_compatibility
from fincompliance.product import PROPRIETARY, Distribution

from conftest import CORPUS

BINARY = Distribution.DISTRIBUTED_BINARY
SOURCE = Distribution.DISTRIBUTED_SOURCE


def test_apache_into_gpl2_only_is_incompatible():
    result = assess("Apache-2.0", "GPL-2.0-only", BINARY)
    assert result.verdict is Verdict.INCOMPATIBLE
    assert "OSADL matrix says 'No'" in result.reasons[0]


def test_apache_into_gpl3_or_later_is_compatible():
    result = assess("Apache-2.0", "GPL-3.0-or-later", BINARY)
    assert result.verdict is Verdict.COMPATIBLE
    assert "OSADL matrix says 'Yes'" in result.reasons[0]
    assert "carry-notice-file" in result.obligations


def test_lgpl_in_a_proprietary_binary_needs_review_with_obligations():
    result = assess("LGPL-2.1-only", PROPRIETARY, BINARY)
    assert result.verdict is Verdict.NEEDS_REVIEW
    assert "dynamic linking" in result.reasons[0]
    assert {"allow-relinking", "disclose-source", "include-license-text"} <= set(
        result.obligations)


def test_agpl_in_a_proprietary_network_service_is_incompatible():
    result = assess("AGPL-3.0-only", PROPRIETARY, Distribution.NETWORK_SERVICE)
    assert result.verdict is Verdict.INCOMPATIBLE
    assert "network" in result.reasons[0]


def test_gpl_in_a_proprietary_network_service_is_compatible_because_nothing_is_distributed():
    result = assess("GPL-3.0-only", PROPRIETARY, Distribution.NETWORK_SERVICE)
    assert result.verdict is Verdict.COMPATIBLE
    assert "not distribution" in result.reasons[0]


@pytest.mark.parametrize("licence", ["SSPL-1.0", "BUSL-1.1", "Elastic-2.0"])
@pytest.mark.parametrize("distribution", list(Distribution))
def test_non_open_licences_are_flagged_everywhere(licence, distribution):
    result = assess(licence, PROPRIETARY, distribution)
    assert result.verdict is Verdict.NEEDS_REVIEW and result.non_open
    assert "not an open-source licence" in result.reasons[0]
    assert "review-terms" in result.obligations


def test_an_or_takes_the_most_favourable_choice():
    result = assess("MIT OR GPL-3.0-only", PROPRIETARY, BINARY)
    assert (result.verdict, result.chosen) == (Verdict.COMPATIBLE, "MIT")


def test_an_and_needs_every_term():
    result = assess("MIT AND GPL-3.0-only", PROPRIETARY, BINARY)
    assert result.verdict is Verdict.INCOMPATIBLE
    assert result.chosen == "MIT AND GPL-3.0-only"


def test_classpath_exception_permits_linking_from_a_proprietary_binary():
    result = assess("GPL-2.0-only WITH Classpath-exception-2.0", PROPRIETARY, BINARY)
    assert result.verdict is Verdict.COMPATIBLE
    assert "independent modules" in result.reasons[0]
    plain = assess("GPL-2.0-only", PROPRIETARY, BINARY)
    assert plain.verdict is Verdict.INCOMPATIBLE


def test_foss_exception_does_not_help_a_proprietary_product():
    result = assess("GPL-2.0-only WITH Universal-FOSS-exception-1.0", PROPRIETARY, BINARY)
    assert result.verdict is Verdict.INCOMPATIBLE


def test_mulan_psl_uses_reviewed_pairs_missing_from_osadl():
    result = assess("MulanPSL-2.0", "GPL-3.0-or-later", BINARY)
    assert result.verdict is Verdict.COMPATIBLE and "reviewed" in result.reasons[0]
    assert assess("MulanPSL-2.0", "GPL-2.0-only", BINARY).verdict is Verdict.NEEDS_REVIEW
    assert assess("MulanPSL-2.0", PROPRIETARY, BINARY).verdict is Verdict.COMPATIBLE


def test_mulan_publ_is_copyleft():
    result = assess("LicenseRef-scancode-mulanpubl-2.0", PROPRIETARY, BINARY)
    assert result.verdict is Verdict.INCOMPATIBLE


def test_internal_use_triggers_no_copyleft():
    assert assess("GPL-3.0-only", PROPRIETARY, Distribution.INTERNAL_USE).verdict \
        is Verdict.COMPATIBLE


def test_gpl2_beside_apache_is_a_conflict_in_a_binary_only():
    found = conflicts(["GPL-2.0-only", "Apache-2.0", "MIT"], BINARY)
    assert [(c.licence, c.other) for c in found] == [("GPL-2.0-only", "Apache-2.0")]
    assert conflicts(["GPL-2.0-only", "Apache-2.0"], Distribution.NETWORK_SERVICE) == []


def test_file_level_copyleft_may_join_a_proprietary_work_with_its_obligations():
    result = assess("MPL-2.0", PROPRIETARY, BINARY)
    assert result.verdict is Verdict.COMPATIBLE and "file-level" in result.reasons[0]
    assert {"disclose-source", "same-license"} <= set(result.obligations)


# A release under Mulan PSL v2 (art. 13): the reviewed pairs must answer for the licences
# real projects depend on, not "needs review" for want of data.
def _corpus_licence_counts() -> Counter[str]:
    from fincompliance.licensing.conclude import conclude_graph
    from fincompliance.licensing.expressions import terms
    from fincompliance.licensing.normalise import UNKNOWN
    from fincompliance.scan import ScanOptions, scan

    result = scan(CORPUS, ScanOptions(include_installed=True, keep_going=True))
    conclude_graph(result.graph, result.root)
    counts: Counter[str] = Counter()
    for component in result.graph.components.values():
        expression = component.concluded.expression if component.concluded else UNKNOWN
        if expression != UNKNOWN:
            counts.update({str(term) for term in terms(expression)})
    return counts


@pytest.mark.parametrize("outbound", ["MulanPSL-2.0", "LicenseRef-scancode-mulanpubl-2.0"])
def test_the_mulan_licences_have_a_reviewed_answer_for_the_licences_common_in_the_corpus(
        outbound):
    common = [licence for licence, _ in _corpus_licence_counts().most_common(30)]
    assert {"MIT", "BSD-3-Clause", "Apache-2.0", "MPL-2.0", "GPL-2.0-only"} <= set(common)
    reviewed = load_compatibility().reviewed_for(outbound)
    assert [licence for licence in common if licence not in reviewed] == []
    for licence in common:
        assert assess(licence, outbound, SOURCE).verdict is reviewed[licence].verdict
        assert "zh-CN" in reviewed[licence].translations   # explained in Chinese too


@pytest.mark.parametrize(("component", "verdict", "cited"), [
    ("MPL-2.0", Verdict.COMPATIBLE, "MPL-2.0 s.3.3"),
    ("LGPL-2.1-only", Verdict.COMPATIBLE, "LGPL-2.1 s.5-6"),
    ("GPL-2.0-only WITH Universal-FOSS-exception-1.0", Verdict.COMPATIBLE, "OSI-approved"),
    ("AGPL-3.0-only", Verdict.INCOMPATIBLE, "AGPL-3.0 s.5(c)"),
    ("LicenseRef-scancode-mulanpubl-2.0", Verdict.INCOMPATIBLE, "Mulan PubL v2 s.4"),
])
def test_a_release_under_mulan_psl_judges_what_it_includes_with_the_reviewed_reason(
        component, verdict, cited):
    result = assess(component, "MulanPSL-2.0", SOURCE)
    assert result.verdict is verdict
    assert cited in result.reasons[0] and "reviewed" in result.reasons[0]


def test_mulan_publ_lets_an_agpl_combination_go_out_under_the_agpl_only_after_review():
    result = assess("AGPL-3.0-only", "LicenseRef-scancode-mulanpubl-2.0", SOURCE)
    assert result.verdict is Verdict.NEEDS_REVIEW
    assert "s.6" in result.reasons[0]
