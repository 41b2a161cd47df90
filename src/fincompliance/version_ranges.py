"""Version ranges as policies, waivers and Python manifests write them: PEP 440 specifiers
(`<5,>=4.2`, `==2.17.*`; empty for any version). One test for all three."""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version


def satisfies(version: str | None, specifier: str) -> bool:
    """Whether `version` is in the range; a missing or unparseable version (or range) is
    not, so a range never matches what it cannot judge. Pre-releases count."""
    if version is None:
        return False
    try:
        return SpecifierSet(specifier).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False
