"""Advisory ranges follow each ecosystem's own version order, on the cases where a naive
comparison goes wrong: pre- and post-releases, epochs, Maven qualifiers, semver build
metadata, Go pseudo-versions, Debian epochs and tildes."""

from __future__ import annotations

import pytest

from fincompliance.analysis.osv import AffectedPackage, Range, affects, lowest_fix


def _package(ecosystem, *events, kind="ECOSYSTEM"):
    return AffectedPackage(ecosystem, "pkg", (Range(kind, tuple(events)),), frozenset())


CASES = [
    # PyPI (PEP 440)
    ("PyPI", [("introduced", "0"), ("fixed", "2.0")], "2.0rc1", True),
    ("PyPI", [("introduced", "0"), ("fixed", "2.0")], "2.0.dev3", True),
    ("PyPI", [("introduced", "0"), ("fixed", "2.0")], "2.0.post1", False),
    ("PyPI", [("introduced", "0"), ("fixed", "1.0.post1")], "1.0", True),
    ("PyPI", [("introduced", "0"), ("fixed", "1.0.post1")], "1.0.post2", False),
    ("PyPI", [("introduced", "0"), ("fixed", "1!1.0")], "2.5", True),     # epoch 0 < epoch 1
    ("PyPI", [("introduced", "0"), ("fixed", "1!1.0")], "1!1.0", False),
    ("PyPI", [("introduced", "1.2"), ("last_affected", "1.4")], "1.4", True),
    ("PyPI", [("introduced", "1.2"), ("last_affected", "1.4")], "1.4.1", False),
    ("PyPI", [("introduced", "1.2"), ("last_affected", "1.4")], "1.10", False),  # not 1.1
    # npm (semver)
    ("npm", [("introduced", "0"), ("fixed", "1.0.0")], "1.0.0-beta.11", True),
    ("npm", [("introduced", "1.0.0-beta.2"), ("fixed", "1.0.0")], "1.0.0-beta.11", True),
    ("npm", [("introduced", "1.0.0-beta.2"), ("fixed", "1.0.0")], "1.0.0-beta.10", True),
    ("npm", [("introduced", "1.0.0-beta.12"), ("fixed", "1.0.0")], "1.0.0-beta.2", False),
    ("npm", [("introduced", "0"), ("fixed", "1.0.0")], "1.0.0+build.5", False),  # metadata
    ("npm", [("introduced", "0"), ("fixed", "1.10.0")], "1.9.9", True),
    # Maven: qualifiers alpha < beta < milestone < rc < snapshot < release < sp
    ("Maven", [("introduced", "2.0-beta9"), ("fixed", "2.15.0")], "2.0-rc1", True),
    ("Maven", [("introduced", "2.0-beta9"), ("fixed", "2.15.0")], "2.0-alpha1", False),
    ("Maven", [("introduced", "2.0-beta9"), ("fixed", "2.15.0")], "2.14.1", True),
    ("Maven", [("introduced", "2.0-beta9"), ("fixed", "2.15.0")], "2.15.0", False),
    ("Maven", [("introduced", "0"), ("fixed", "1.0")], "1.0-SNAPSHOT", True),
    ("Maven", [("introduced", "0"), ("fixed", "1.0")], "1.0-sp1", False),
    ("Maven", [("introduced", "0"), ("fixed", "5.3.18")], "5.3.9", True),
    # Go modules (a leading v; pseudo-versions sort before the release they precede)
    ("Go", [("introduced", "0"), ("fixed", "0.1.0")], "v0.0.0-20210101000000-abcdef123456",
     True),
    ("Go", [("introduced", "0"), ("fixed", "1.2.3")], "v1.2.3", False),
    # crates.io (semver)
    ("crates.io", [("introduced", "0"), ("fixed", "0.10.0")], "0.10.0-alpha.1", True),
    # RubyGems: a letter makes a pre-release
    ("RubyGems", [("introduced", "0"), ("fixed", "6.1.0")], "6.1.0.rc1", True),
    ("RubyGems", [("introduced", "0"), ("fixed", "6.1.0")], "6.1.0.1", False),
    # Packagist (Composer stabilities)
    ("Packagist", [("introduced", "0"), ("fixed", "2.0.0")], "2.0.0-RC1", True),
    ("Packagist", [("introduced", "0"), ("fixed", "2.0.0")], "2.0.1", False),
    # NuGet (pre-release labels, case-insensitive)
    ("NuGet", [("introduced", "0"), ("fixed", "4.0.0")], "4.0.0-Beta", True),
    ("NuGet", [("introduced", "0"), ("fixed", "4.0.0")], "4.0.0.0", False),
    # Debian: epochs and ~
    ("Debian", [("introduced", "0"), ("fixed", "1:1.0-1")], "2.0-1", True),
    ("Debian", [("introduced", "0"), ("fixed", "1.0-1")], "1.0~rc1-1", True),
    ("Debian", [("introduced", "0"), ("fixed", "1.0-1")], "1.0-1+deb12u1", False),
]


@pytest.mark.parametrize("ecosystem, events, version, affected", CASES,
                         ids=[f"{c[0]}-{c[2]}-{c[1][-1][1]}" for c in CASES])
def test_version_order(ecosystem, events, version, affected):
    assert affects(_package(ecosystem, *events), version) is affected


def test_semver_ranges_in_any_ecosystem():
    package = _package("npm", ("introduced", "0"), ("fixed", "4.17.12"), kind="SEMVER")
    assert affects(package, "4.17.11") and not affects(package, "4.17.12")


def test_the_lowest_fix_skips_a_fix_that_a_later_range_reopens():
    package = AffectedPackage("PyPI", "pkg", (
        Range("ECOSYSTEM", (("introduced", "0"), ("fixed", "1.1"))),
        Range("ECOSYSTEM", (("introduced", "1.1"), ("fixed", "1.3")))), frozenset())
    assert lowest_fix(package, "1.0") == "1.3"


def test_an_unorderable_bound_never_matches_by_guess():
    package = _package("PyPI", ("introduced", "0"), ("fixed", "not a version"))
    assert affects(package, "1.0") is False
