"""Maven with --online and --fetch-archives, against a Maven-layout repository served on
loopback from the real poms and jars Debian's packages install (/usr/share/maven-repo):
each dependency's pom and its parents are asked for `<licenses>`, and each jar, checked
against the .sha1 the repository publishes, gives its licence files and OSGi
`Bundle-License`.

Debian's poms carry no `<licenses>` (its packaging removes them), so here every licence
comes from the jars; that the pom and its parent chain were asked is checked on the
requests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import run_cli

REPOSITORY = Path("/usr/share/maven-repo")
# Checked by hand against each jar: META-INF/LICENSE(.txt) is the Apache License 2.0 text
# (guice, commons-io, commons-lang3, plexus-utils), and the manifest's Bundle-License names
# the Apache licence by its URL (guava, guice and its extensions, cdi-api).
JARS = {
    ("com.google.guava", "guava", "31.1-jre"): ("Apache-2.0", "declared"),
    ("com.google.inject", "guice", "4.2.3"): ("Apache-2.0", "declared-confirmed"),
    ("com.google.inject.extensions", "guice-assistedinject", "4.2.3"): ("Apache-2.0",
                                                                         "declared"),
    ("com.google.inject.extensions", "guice-servlet", "4.2.3"): ("Apache-2.0", "declared"),
    ("commons-io", "commons-io", "2.11.0"): ("Apache-2.0", "detected"),
    ("org.apache.commons", "commons-lang3", "3.12.0"): ("Apache-2.0", "detected"),
    ("org.codehaus.plexus", "plexus-utils", "3.4.2"): ("Apache-2.0", "detected"),
    ("javax.enterprise", "cdi-api", "1.2"): ("Apache-2.0", "declared"),
}


def _answer(tamper: set[str]):
    """The repository's answer for a path: a file of Debian's Maven repository, or the
    .sha1 a repository publishes beside each file; `tamper`: paths whose last byte is
    changed."""
    def answer(request: str) -> bytes | None:
        relative = request.removeprefix("/maven/")
        path = (REPOSITORY / relative.removesuffix(".sha1")).resolve()
        if ".." in relative or not path.is_file():
            return None
        body = path.read_bytes()
        if relative.endswith(".sha1"):
            return f"{hashlib.sha1(body).hexdigest()}  {path.name}\n".encode()
        return body[:-1] + bytes([body[-1] ^ 1]) if relative in tamper else body
    return answer


@pytest.fixture
def repository(serve, tmp_path):
    assert REPOSITORY.is_dir(), f"{REPOSITORY} is missing: Debian's maven-repo packages"
    tamper: set[str] = set()
    server, base = serve(answer=_answer(tamper))
    server.tamper = tamper
    project = tmp_path / "service"
    project.mkdir()
    dependencies = "".join(
        f"<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>"
        f"<version>{v}</version></dependency>" for g, a, v in JARS)
    (project / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>example.internal</groupId><artifactId>service</artifactId>"
        f"<version>1.0</version><dependencies>{dependencies}</dependencies></project>")
    home = tmp_path / "home"
    (home / ".m2").mkdir(parents=True)
    (home / ".m2/settings.xml").write_text(
        '<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0"><mirrors><mirror>'
        "<id>bank</id><mirrorOf>central</mirrorOf>"
        f"<url>{base}/maven</url></mirror></mirrors></settings>")
    env = {"HOME": str(home), "FINCOMP_CACHE_DIR": str(tmp_path / "cache"),
           "FINCOMP_MAVEN_REPOSITORY": str(tmp_path / "no-local-repository")}
    return server, project, env


def _scan(project, env, *extra):
    result = run_cli("scan", str(project), "--format", "json", "--online", *extra, env=env)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_poms_and_their_parents_are_asked_of_the_settings_xml_mirror(repository):
    server, project, env = repository
    document = _scan(project, env)
    assert any("Maven repository from" in s and "settings.xml" in s
               for s in document["analysis"]["registries"])
    enrichment = document["analysis"]["enrichment"]
    assert enrichment["asked"] == enrichment["enriched"] == len(JARS)
    # commons-io's pom names commons-parent, whose pom names org.apache:apache: all asked
    assert {"/maven/commons-io/commons-io/2.11.0/commons-io-2.11.0.pom",
            "/maven/org/apache/commons/commons-parent/debian/commons-parent-debian.pom",
            "/maven/org/apache/apache/debian/apache-debian.pom"} <= set(server.requests)
    # Debian's poms name no licence, so each jar is read, and only after every pom
    first_jar = next(i for i, r in enumerate(server.requests) if r.endswith(".jar"))
    assert not any(r.endswith(".pom") for r in server.requests[first_jar:])


def test_every_jar_concludes_its_licence_checked_against_the_published_sha1(repository):
    server, project, env = repository
    document = _scan(project, env)
    archives = document["analysis"]["archives"]
    assert archives["asked"] == archives["read"] == len(JARS) and archives["refused"] == {}
    for component in document["components"]:
        group, artifact = component["name"].split(":")
        concluded = component["concluded_license"]
        assert (concluded["expression"], concluded["method"]) == \
            JARS[(group, artifact, component["version"])], component["name"]


def test_a_jar_that_is_not_the_one_the_repository_vouches_for_is_refused(repository):
    server, project, env = repository
    server.tamper.add("commons-io/commons-io/2.11.0/commons-io-2.11.0.jar")
    document = _scan(project, env)
    refused = document["analysis"]["archives"]["refused"]
    assert list(refused) == ["commons-io:commons-io@2.11.0"]
    assert refused["commons-io:commons-io@2.11.0"].startswith("commons-io-2.11.0.jar has sha1 ")
