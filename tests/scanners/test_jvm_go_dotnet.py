"""Maven, Gradle, Go and .NET: real files where the tools could make them here (Debian's
Maven and Gradle, Debian's Go toolchain), the corpus's real manifests, and small fixtures
written in each format for what cannot be produced on this machine (see the fixtures'
READMEs)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fincompliance.errors import InputError
from fincompliance.model import Scope
from fincompliance.scan import scan

from conftest import CORPUS, FIXTURES, run_cli

JVM = FIXTURES / "jvm"


def _by_name(graph):
    return {c.name: c for c in graph.components.values()}


def _edges_by_name(graph):
    """Edges with nodes named `group:artifact` (projects by name), to compare forms."""
    def name(ref):
        return graph.projects[ref].name if ref in graph.projects else graph.components[ref].name
    return {(name(s), name(t)) for s, targets in graph.edges.items() for t in targets}


# -- Maven poms -------------------------------------------------------------------------

def test_reactor_modules_are_projects_and_depend_on_each_other_by_edges():
    graph = scan(JVM / "maven-reactor").graph
    names = {p.name: ref for ref, p in graph.projects.items()}
    assert set(names) == {"com.example.bank:payments-parent", "com.example.bank:payments-core",
                          "com.example.bank:payments-web"}
    web, core = names["com.example.bank:payments-web"], names["com.example.bank:payments-core"]
    assert core in graph.edges[web]
    assert not any("payments" in c.name for c in graph.components.values())
    assert {p.version for p in graph.projects.values()} == {"1.4.0"}  # ${revision}


def test_pom_versions_scopes_and_lines_follow_the_effective_model():
    graph = scan(JVM / "maven-reactor").graph
    found = _by_name(graph)
    assert set(found) == {"commons-io:commons-io", "org.apache.commons:commons-lang3",
                          "junit:junit", "com.google.guava:guava", "org.slf4j:slf4j-api"}
    assert found["commons-io:commons-io"].version == "2.11.0"      # from the parent's management
    assert found["com.google.guava:guava"].version == "31.1-jre"   # a property of the parent
    assert found["org.apache.commons:commons-lang3"].scope is Scope.OPTIONAL   # <optional>
    assert found["org.slf4j:slf4j-api"].scope is Scope.OPTIONAL                # provided
    assert found["junit:junit"].scope is Scope.DEV
    # junit is inherited from the parent: it points at the parent pom's line
    assert {str(location) for location in found["junit:junit"].locations} == {"pom.xml:39"}
    assert ("fincomp:maven:exclusions", "com.google.code.findbugs:jsr305") in \
        found["com.google.guava:guava"].properties
    # the commented-out dependency before it does not shift the line
    assert str(found["org.apache.commons:commons-lang3"].locations[0]) == "core/pom.xml:16"
    assert found["commons-io:commons-io"].purl == "pkg:maven/commons-io/commons-io@2.11.0"


def test_parent_bom_and_licences_come_from_the_local_repository(monkeypatch):
    monkeypatch.setenv("FINCOMP_MAVEN_REPOSITORY", str(JVM / "m2"))
    found = _by_name(scan(JVM / "maven-bom-app").graph)
    assert found["commons-io:commons-io"].version == "2.11.0"           # imported BOM
    assert found["com.google.guava:guava"].version == "31.1-jre"        # BOM's own property
    assert found["org.slf4j:slf4j-api"].version == "1.7.32"             # parent in ~/.m2
    assert found["org.slf4j:slf4j-api"].scope is Scope.OPTIONAL         # provided, managed
    assert [d.text for d in found["commons-io:commons-io"].declared_licenses] == [
        "Apache License, Version 2.0"]                                   # from its parent pom
    unresolved = found["org.example.missing:not-managed"]
    assert unresolved.version is None
    assert any(key == "fincomp:maven:unresolved" for key, _ in unresolved.properties)


def test_without_the_local_repository_managed_versions_stay_unresolved(monkeypatch, tmp_path):
    monkeypatch.setenv("FINCOMP_MAVEN_REPOSITORY", str(tmp_path))
    found = _by_name(scan(JVM / "maven-bom-app").graph)
    assert found["commons-io:commons-io"].version is None


def test_nacos_reactor_reports_no_module_as_third_party():
    graph = scan(CORPUS / "maven/nacos").graph
    published = {p.package for p in graph.projects.values()}
    assert len(graph.projects) == 40 and None not in published
    assert not {c.package for c in graph.components.values()} & published
    naming = next(r for r, p in graph.projects.items() if p.name.endswith(":nacos-naming"))
    linked = {graph.projects[t].name for t in graph.edges[naming] if t in graph.projects}
    assert "com.alibaba.nacos:nacos-core" in linked


def test_petclinic_interpolates_properties_and_reads_scopes():
    found = _by_name(scan(CORPUS / "maven/spring-petclinic").graph)
    assert found["org.webjars.npm:bootstrap"].version == "5.3.8"
    assert found["org.springframework.boot:spring-boot-devtools"].scope is Scope.OPTIONAL
    assert found["org.testcontainers:testcontainers-mysql"].scope is Scope.DEV
    # the Spring Boot parent is neither in the tree nor in a local repository here
    assert found["org.springframework.boot:spring-boot-starter-actuator"].version is None


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<project><artifactId>&lol3;</artifactId></project>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE project [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<project><groupId>x</groupId><artifactId>&secret;</artifactId></project>
"""


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_xml_attacks_in_a_pom_are_refused_with_one_line(tmp_path, text):
    (tmp_path / "pom.xml").write_text(text)
    with pytest.raises(InputError, match="entities and DTDs are not allowed"):
        scan(tmp_path)
    result = run_cli("scan", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "pom.xml" in result.stderr
    assert "root:" not in result.stdout + result.stderr


def test_a_parent_loop_is_named_not_followed_forever(tmp_path):
    for folder, parent in (("a", "b"), ("b", "a")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "pom.xml").write_text(
            f"<project><groupId>g</groupId><artifactId>{folder}</artifactId><version>1</version>"
            f"<parent><groupId>g</groupId><artifactId>{parent}</artifactId><version>1</version>"
            f"<relativePath>../{parent}/pom.xml</relativePath></parent></project>")
    with pytest.raises(InputError, match="parent poms"):
        scan(tmp_path)


# -- Maven resolved output --------------------------------------------------------------

def test_the_three_forms_of_dependency_tree_give_the_same_graph():
    forms = ["dependency-tree.txt", "dependency-tree-console.txt", "dependency-tree.dot"]
    graphs = [scan(JVM / "maven-resolved" / name).graph for name in forms]
    shapes = [(_edges_by_name(g), {(c.name, c.version, c.scope) for c in
                                   g.components.values()}) for g in graphs]
    assert shapes[0] == shapes[1] == shapes[2]
    edges, components = shapes[0]
    assert ("com.example.bank:payments-web", "com.example.bank:payments-core") in edges
    assert ("com.google.guava:guava", "org.jsr-305:jsr305") in edges
    assert ("org.slf4j:slf4j-api", "1.7.32", Scope.OPTIONAL) in components
    assert ("org.hamcrest:hamcrest", "debian", Scope.DEV) in components
    assert len(components) == 8


def test_json_tree_matches_the_text_tree_of_its_module():
    text = scan(JVM / "maven-resolved/dependency-tree.txt").graph
    json_graph = scan(JVM / "maven-resolved/dependency-tree.json").graph
    web = {e for e in _edges_by_name(text)
           if e[0] != "com.example.bank:payments-parent"
           and e[0] != "com.example.bank:payments-core"}
    assert {e for e in _edges_by_name(json_graph) if e[0] != "com.example.bank:payments-core"} \
        == web


def test_dependency_list_is_flat_with_scopes():
    graph = scan(JVM / "maven-resolved/dependency-list.txt").graph
    found = _by_name(graph)
    assert set(found) == {"commons-io:commons-io", "org.apache.commons:commons-lang3",
                          "junit:junit", "org.hamcrest:hamcrest"}
    assert found["org.apache.commons:commons-lang3"].scope is Scope.OPTIONAL  # (optional)
    assert found["junit:junit"].scope is Scope.DEV
    assert not any(graph.edges.values())


def test_a_resolved_tree_covers_the_poms_of_its_reactor(tmp_path):
    shutil.copytree(JVM / "maven-reactor", tmp_path, dirs_exist_ok=True)
    shutil.copy(JVM / "maven-resolved/dependency-tree.txt", tmp_path)
    graph = scan(tmp_path).graph
    assert {p.scanner for p in graph.projects.values()} == {"maven-dependency-tree"}
    assert len(graph.components) == 8


# -- Gradle -----------------------------------------------------------------------------

def test_gradle_dependencies_output_gives_trees_and_configuration_scopes():
    graph = scan(JVM / "gradle-resolved").graph
    found = _by_name(graph)
    assert len(found) == 8
    assert found["org.slf4j:slf4j-api"].scope is Scope.OPTIONAL          # compileOnly
    assert found["org.apache.commons:commons-lang3"].scope is Scope.REQUIRED
    assert found["junit:junit"].scope is Scope.DEV
    assert found["org.hamcrest:hamcrest"].scope is Scope.DEV
    assert ("com.google.guava:guava", "com.google.errorprone:error_prone_annotations") in \
        _edges_by_name(graph)
    assert found["com.google.guava:guava"].locations[0].line == 27


def test_gradle_lockfile_with_build_script_declarations_as_direct():
    graph = scan(JVM / "gradle-app").graph
    found = _by_name(graph)
    assert len(found) == 8
    lock = next(r for r, p in graph.projects.items() if p.manifest.path == "gradle.lockfile")
    assert {graph.components[t].name for t in graph.edges[lock]} == {
        "com.google.guava:guava", "commons-io:commons-io", "org.slf4j:slf4j-api",
        "org.apache.commons:commons-lang3", "junit:junit"}
    assert found["org.jsr-305:jsr305"].scope is Scope.REQUIRED
    assert found["org.slf4j:slf4j-api"].scope is Scope.OPTIONAL
    assert found["org.hamcrest:hamcrest"].scope is Scope.DEV


def test_build_gradle_alone_gives_literal_declarations(tmp_path):
    shutil.copy(JVM / "gradle-app/build.gradle", tmp_path)
    found = _by_name(scan(tmp_path).graph)
    assert {(n, c.version) for n, c in found.items()} == {
        ("com.google.guava:guava", "31.1-jre"), ("commons-io:commons-io", "2.11.0"),
        ("org.slf4j:slf4j-api", "1.7.32"), ("org.apache.commons:commons-lang3", "3.12.0"),
        ("junit:junit", "4.13.2")}


# -- Go ---------------------------------------------------------------------------------

def test_go_mod_direct_requirements_are_the_lines_without_indirect():
    text = (CORPUS / "go/prometheus/go.mod").read_text()
    blocks = "".join(re.findall(r"^require \((.*?)^\)", text, re.MULTILINE | re.DOTALL))
    block = re.findall(r"^\t(\S+) (\S+)(.*)$", blocks, re.MULTILINE)
    direct = {(path, version) for path, version, rest in block if "indirect" not in rest}
    graph = scan(CORPUS / "go/prometheus").graph
    (project,) = graph.projects
    assert {(graph.components[r].name, graph.components[r].version)
            for r in graph.edges[project]} == direct
    sums = [c for c in graph.components.values()
            if any(k == "fincomp:go:sum" for k, _ in c.properties)]
    assert len(sums) > 200


def _go_workspace(tmp_path):
    (tmp_path / "util").mkdir()
    (tmp_path / "util/go.mod").write_text("module example.internal/util\n\ngo 1.19\n")
    (tmp_path / "util/util.go").write_text('package util\n\nfunc Word() string { return "hi" }\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app/go.mod").write_text(
        "module example.internal/app\n\ngo 1.19\n\nrequire (\n"
        "\texample.internal/util v1.2.0\n\tgolang.org/x/text v0.3.0 // indirect\n)\n\n"
        "replace example.internal/util v1.2.0 => ../util\n"
        "replace golang.org/x/text => example.internal/text-fork v0.3.1\n"
        "exclude golang.org/x/text v0.2.0\n")
    (tmp_path / "app/main.go").write_text(
        'package main\n\nimport (\n\t"fmt"\n\t"example.internal/util"\n)\n\n'
        'func main() { fmt.Println(util.Word()) }\n')
    (tmp_path / "go.work").write_text("go 1.19\n\nuse (\n\t./app\n\t./util\n)\n")


def test_go_workspace_modules_and_replacements(tmp_path):
    _go_workspace(tmp_path)
    graph = scan(tmp_path).graph
    assert set(graph.projects) == {"project:go.work", "project:app/go.mod",
                                   "project:util/go.mod"}
    assert graph.edges["project:app/go.mod"] == {"project:util/go.mod"}
    (fork,) = graph.components.values()     # the indirect requirement, replaced by a fork
    assert fork.purl == "pkg:golang/example.internal/text-fork@v0.3.1"
    assert ("fincomp:go:replaces", "golang.org/x/text@v0.3.0") in fork.properties


def _go_version_m(binary: Path) -> set[tuple[str, str]]:
    """What `go version -m` lists: each dep, or its replacement where one is given."""
    printed = subprocess.run(["go", "version", "-m", str(binary)], capture_output=True,
                             text=True, check=True).stdout
    modules = {}
    for line in printed.splitlines():
        fields = line.strip().split("\t")
        if fields[0] == "dep":
            modules[fields[1]] = fields[2]
        elif fields[0] == "=>" and modules:
            last = next(reversed(modules))
            if not fields[1].startswith("."):
                del modules[last]
                modules[fields[1]] = fields[2]
    return set(modules.items())


@pytest.mark.skipif(shutil.which("go") is None and os.environ.get("CI") != "true",
                    reason="Debian's Go toolchain is installed by .ci/run")
def test_go_binary_scans_to_the_modules_go_version_lists(tmp_path):
    _go_workspace(tmp_path)
    (tmp_path / "go.work").unlink()
    (tmp_path / "app/go.mod").write_text(
        "module example.internal/app\n\ngo 1.19\n\nrequire example.internal/util v1.2.0\n\n"
        "replace example.internal/util v1.2.0 => ../util\n")
    environment = {**os.environ, "GOPROXY": "off", "GOFLAGS": "-mod=mod",
                   "GOCACHE": str(tmp_path / "cache"), "GOPATH": str(tmp_path / "gopath")}
    subprocess.run(["go", "build", "-o", str(tmp_path / "payments"), "."],
                   cwd=tmp_path / "app", env=environment, check=True)
    graph = scan(tmp_path / "payments").graph
    assert {(c.name, c.version) for c in graph.components.values()} == \
        _go_version_m(tmp_path / "payments")
    (project,) = graph.projects.values()
    assert project.name == "example.internal/app"
    # found in a tree too: executables are looked into, other files are not
    (tmp_path / "bin").mkdir()
    shutil.move(tmp_path / "payments", tmp_path / "bin/payments")
    shutil.rmtree(tmp_path / "app"), shutil.rmtree(tmp_path / "util")
    assert {c.name for c in scan(tmp_path).graph.components.values()} == {
        "example.internal/util"}


def test_an_executable_that_go_did_not_build_is_no_component(tmp_path):
    shutil.copy(shutil.which("ls") or "/bin/ls", tmp_path / "tool")
    graph = scan(tmp_path).graph
    assert not graph.components


# -- .NET -------------------------------------------------------------------------------

def test_nuget_lock_and_project_files():
    graph = scan(FIXTURES / "dotnet").graph
    lock = "project:Bank.Payments/packages.lock.json"
    assert "project:Bank.Payments/Bank.Payments.csproj" not in graph.projects  # lock covers it
    direct = {graph.components[t].name for t in graph.edges[lock] if t in graph.components}
    assert direct == {"Newtonsoft.Json", "Serilog.Sinks.Console"}
    found = {c.purl: c for c in graph.components.values()}
    assert found["pkg:nuget/Serilog.Sinks.Console@5.0.1"].hashes[0].algorithm == "SHA-512"
    # the project reference is first-party, its packages hang below it
    ledger = f"{lock}#bank.ledger"
    assert ledger in graph.edges[lock]
    assert "pkg:nuget/Npgsql@8.0.3" in graph.edges[ledger]
    reports = "project:Bank.Reports/Bank.Reports.csproj"
    assert "project:Bank.Ledger/Bank.Ledger.csproj" in graph.edges[reports]
    assert "pkg:nuget/Serilog@3.1.1" in graph.edges[reports]       # Directory.Packages.props
    assert found["pkg:nuget/StyleCop.Analyzers@1.1.118"].scope is Scope.DEV
    assert ("fincomp:nuget:requested", "[8.0.0, 9.0.0)") in found["pkg:nuget/Polly"].properties
