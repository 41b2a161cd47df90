"""Every corpus entry of an ecosystem fincomp reads scans to exactly the packages its lockfile
records."""

from __future__ import annotations

import json
import shutil
import sysconfig
from importlib.metadata import PathDistribution
from pathlib import Path

import pytest

from fincompliance.scan import scan

from conftest import CORPUS, corpus_entries

SCANNED_ECOSYSTEMS = {"python", "npm", "cargo", "php", "ruby", "go", "maven"}
COUNTED = [e for e in corpus_entries()
           if e.ecosystem in SCANNED_ECOSYSTEMS and e.expected_components is not None]


def test_every_row_of_a_read_ecosystem_is_covered():
    assert len(COUNTED) == 16
    assert {e.ecosystem for e in corpus_entries()} <= SCANNED_ECOSYSTEMS


@pytest.mark.parametrize("entry", COUNTED, ids=[e.path for e in COUNTED])
def test_component_count_matches_the_package_manager(entry):
    graph = scan(entry.location).graph
    assert len(graph.components) == entry.expected_components, entry.how_counted
    # every component is tied to the line of the lockfile that records it
    assert all(c.locations and c.locations[0].path for c in graph.components.values())


# Pipfile.lock is flat: it says which packages, never which needs which; go.mod says which
# modules are indirect but not who needs them.
RECORDS_EDGES = [e for e in COUNTED if not e.path.endswith(("Pipfile.lock", "go.mod"))]


@pytest.mark.parametrize("entry", RECORDS_EDGES, ids=[e.path for e in RECORDS_EDGES])
def test_every_component_is_reachable_from_a_project(entry):
    graph = scan(entry.location).graph
    reached = set().union(*(graph.reachable_from(p) for p in graph.projects))
    assert set(graph.components) == reached


def test_flat_pipfile_lock_invents_no_edges():
    graph = scan(CORPUS / "python/pipenv").graph
    assert all(source in graph.projects for source in graph.edges)


def _metadata_licences(dist_info):
    metadata = PathDistribution(dist_info).metadata
    found = list(metadata.get_all("License-Expression") or [])
    if (metadata.get("License") or "").strip() not in ("", "UNKNOWN"):
        found.append(metadata["License"].strip())
    found += [c for c in metadata.get_all("Classifier") or [] if c.startswith("License ::")]
    return found


def test_installed_environment_reports_each_distribution_with_its_declared_licence():
    folder = CORPUS / "python/site-packages-fin"
    graph = scan(folder).graph
    by_name = {(c.name, c.version): c for c in graph.components.values()}
    dist_infos = sorted(folder.glob("*.dist-info"))
    assert len(dist_infos) == 63
    for dist_info in dist_infos:
        metadata = PathDistribution(dist_info).metadata
        from packaging.utils import canonicalize_name
        component = by_name[(canonicalize_name(metadata["Name"]), metadata["Version"])]
        expected = [text.strip() for text in _metadata_licences(dist_info)]
        assert [d.text for d in component.declared_licenses] == expected, dist_info.name
        licence_dir = dist_info / "licenses"
        if licence_dir.is_dir():
            assert component.license_files, f"{dist_info.name} has licence files"


def test_installed_environment_direct_dependencies_are_the_requested_ones():
    folder = CORPUS / "python/site-packages-fin"
    graph = scan(folder).graph
    requested = {p.parent.name for p in folder.glob("*.dist-info/REQUESTED")}
    direct = {c.locations[0].path.split("/")[0] for c in graph.components.values()
              if c.ref in graph.direct_refs()}
    assert direct == requested


def _installed_copy(target: Path, *names: str, requested: str | None = None) -> Path:
    """The real dist-info folders of distributions installed here (their metadata, no code),
    as a site-packages of their own."""
    for name in names:
        (dist_info,) = Path(sysconfig.get_paths()["purelib"]).glob(f"{name}-*.dist-info")
        copy = target / dist_info.name
        copy.mkdir(parents=True)
        shutil.copy(dist_info / "METADATA", copy)
        if name == requested:
            (copy / "REQUESTED").touch()
    return target


def test_an_extra_one_distribution_asks_of_another_brings_its_dependencies(tmp_path):
    """weasyprint requires `fonttools[woff]`, and fonttools requires brotli and zopfli only
    for that extra: asked for, they are on a dependency path; not asked, they are not
    fonttools' dependencies."""
    names = ("weasyprint", "fonttools", "brotli", "zopfli")
    graph = scan(_installed_copy(tmp_path / "asked", *names, requested="weasyprint")).graph
    for name in ("brotli", "zopfli"):
        ref = next(ref for ref, c in graph.components.items() if c.name == name)
        assert [[graph.components[r].name for r in path[1:]]
                for path in graph.paths_to(ref)] == [["weasyprint", "fonttools", name]]
    graph = scan(_installed_copy(tmp_path / "not-asked", *names[1:])).graph
    fonttools = next(ref for ref, c in graph.components.items() if c.name == "fonttools")
    assert graph.edges.get(fonttools, set()) == set()


def test_express_transitive_path_follows_what_the_lockfile_records():
    lockfile = CORPUS / "npm/express-app/package-lock.json"
    packages = json.loads(lockfile.read_text())["packages"]
    graph = scan(lockfile.parent).graph
    target = "pkg:npm/mime-db@" + packages["node_modules/mime-db"]["version"]
    paths = graph.paths_to(target)
    assert paths, "mime-db is reachable"
    for path in paths:
        project, first, *rest = path
        assert project == "project:package-lock.json"
        names = [graph.components[ref].name for ref in [first, *rest]]
        assert names[0] in packages[""]["dependencies"]
        for parent, child in zip(names, names[1:], strict=False):
            recorded = packages[f"node_modules/{parent}"]
            assert child in {**recorded.get("dependencies", {}),
                             **recorded.get("optionalDependencies", {})}, (parent, child)
        assert names[-1] == "mime-db"
    # shortest: no recorded chain from a direct dependency to mime-db is shorter
    assert len(paths[0]) == min(len(p) for p in paths)
    assert len(paths[0]) == 1 + _shortest_chain(packages, "mime-db")


def _shortest_chain(packages, name):
    """Breadth-first over the lockfile's own records, independent of fincomp's graph."""
    frontier = [(d, 1) for d in packages[""]["dependencies"]]
    seen = set()
    while frontier:
        current, depth = frontier.pop(0)
        if current == name:
            return depth
        if current in seen:
            continue
        seen.add(current)
        record = packages.get(f"node_modules/{current}", {})
        frontier += [(d, depth + 1) for d in record.get("dependencies", {})]
    raise AssertionError(f"{name} not reachable in the lockfile")
