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
import http.server
import json
import threading
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


class _Repository(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.server.requests.append(self.path)
        relative = self.path.removeprefix("/maven/")
        checksum = relative.endswith(".sha1")
        path = (REPOSITORY / relative.removesuffix(".sha1")).resolve()
        if ".." in relative or not path.is_file():
            self.send_response(404)
            self.end_headers()
            return
        body = path.read_bytes()
        if relative in self.server.tamper:
            body = body[:-1] + bytes([body[-1] ^ 1])
        if checksum:   # what a repository publishes beside each file
            body = f"{hashlib.sha1(path.read_bytes()).hexdigest()}  {path.name}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def repository(tmp_path):
    assert REPOSITORY.is_dir(), f"{REPOSITORY} is missing: Debian's maven-repo packages"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Repository)
    server.requests, server.tamper = [], set()
    threading.Thread(target=server.serve_forever, daemon=True).start()
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
        f"<url>http://127.0.0.1:{server.server_port}/maven</url></mirror></mirrors></settings>")
    env = {"HOME": str(home), "FINCOMP_CACHE_DIR": str(tmp_path / "cache"),
           "FINCOMP_MAVEN_REPOSITORY": str(tmp_path / "no-local-repository")}
    yield server, project, env
    server.shutdown()


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
    assert not any(r.endswith(".jar") for r in server.requests)


def test_every_jar_concludes_its_licence_checked_against_the_published_sha1(repository):
    server, project, env = repository
    document = _scan(project, env, "--fetch-archives")
    archives = document["analysis"]["archives"]
    assert archives["asked"] == archives["read"] == len(JARS) and archives["refused"] == {}
    for component in document["components"]:
        group, artifact = component["name"].split(":")
        concluded = component["concluded_license"]
        assert (concluded["expression"], concluded["method"]) == \
            JARS[(group, artifact, component["version"])], component["name"]


def test_a_jar_that_is_not_the_one_the_repository_vouches_for_is_refused(repository):
    server, project, env = repository
    server.tamper = {"commons-io/commons-io/2.11.0/commons-io-2.11.0.jar"}
    document = _scan(project, env, "--fetch-archives")
    refused = document["analysis"]["archives"]["refused"]
    assert list(refused) == ["commons-io:commons-io@2.11.0"]
    assert refused["commons-io:commons-io@2.11.0"].startswith("commons-io-2.11.0.jar has sha1 ")
