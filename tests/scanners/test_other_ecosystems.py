"""Scanners beyond Python and npm, on the corpus's real lockfiles."""

from __future__ import annotations

import shutil

from fincompliance.model import Scope
from fincompliance.scan import scan

from conftest import CORPUS

RIPGREP = CORPUS / "cargo/ripgrep/Cargo.lock"


def test_cargo_workspace_members_are_projects_and_their_dependencies_direct():
    graph = scan(RIPGREP).graph
    assert len(graph.components) == 52
    assert {p.name for p in graph.projects.values()} >= {"ripgrep", "grep-searcher",
                                                         "globset", "ignore"}
    regex = graph.components["pkg:cargo/regex@1.13.1"]
    assert regex.hashes[0].algorithm == "SHA-256" and regex.locations[0].path == "Cargo.lock"
    assert regex.ref in graph.direct_refs()
    assert graph.paths_to(regex.ref)[0][0].startswith("project:Cargo.lock#")


def test_cargo_dev_dependencies_from_the_manifest(tmp_path):
    shutil.copy(RIPGREP, tmp_path / "Cargo.lock")
    (tmp_path / "Cargo.toml").write_text(
        '[package]\nname = "ripgrep"\nversion = "15.1.0"\n\n'
        '[dependencies]\nanyhow = "1"\nlog = "0.4"\n\n'
        '[dev-dependencies]\ntextwrap = "0.16"\nwalkdir = "2"\n')
    graph = scan(tmp_path).graph
    by_name = {c.name: c for c in graph.components.values()}
    assert by_name["textwrap"].scope is Scope.DEV
    assert by_name["anyhow"].scope is Scope.REQUIRED
    assert by_name["walkdir"].scope is Scope.REQUIRED  # also needed by `ignore` at run time


def test_composer_lock_with_its_manifest():
    graph = scan(CORPUS / "php/bookstack/composer.lock").graph
    components = {c.name: c for c in graph.components.values()}
    assert len(components) == 147
    direct = {graph.components[r].name for r in graph.direct_refs()}
    assert {"laravel/framework", "guzzlehttp/guzzle", "phpunit/phpunit"} <= direct
    assert len(direct) == 32  # composer.json require + require-dev, platform ones left out
    assert components["phpunit/phpunit"].scope is Scope.DEV
    assert components["laravel/framework"].scope is Scope.REQUIRED
    framework = components["laravel/framework"]
    assert framework.purl.startswith("pkg:composer/laravel/framework@v10.")
    assert [d.text for d in framework.declared_licenses] == ["MIT"]
    # ["BSD-3-Clause", "GPL-2.0-only", "GPL-3.0-only"] is a choice in Composer
    dual = [c for c in components.values() if len(c.declared_licenses) == 1
            and " OR " in c.declared_licenses[0].text]
    assert dual


def test_gemfile_lock_with_the_gemfile_groups():
    graph = scan(CORPUS / "ruby/rubygems-org/Gemfile.lock").graph
    gems = {c.name: c for c in graph.components.values()}
    assert len(gems) == 298
    nokogiri = gems["nokogiri"]  # one component for all its platform builds
    assert nokogiri.purl == f"pkg:gem/nokogiri@{nokogiri.version}" and "-" not in nokogiri.version
    assert gems["rubocop"].scope is Scope.DEV          # group :development, :test
    assert gems["capybara"].scope is Scope.DEV         # group :test
    assert gems["avo-advanced"].scope is Scope.OPTIONAL  # group :avo, optional: true
    assert gems["rails"].scope is Scope.REQUIRED
    assert gems["actionpack"].scope is Scope.REQUIRED   # needed by rails at run time
    assert gems["rails"].ref in graph.direct_refs()
