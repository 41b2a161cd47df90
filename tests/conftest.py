"""Shared test fixtures: the real corpus and advisories in ../shared, and a CLI runner."""

from __future__ import annotations

import csv
import http.server
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("FINCOMP_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

OSV = SHARED / "osv" / "pypa-advisory-database" / "vulns"
REGISTRY = FIXTURES / "registry"

# Tests see only the vulnerability databases they make, never the developer's own; nor the
# developer's ledger, whose licence knowledge store every scan would read.
os.environ["FINCOMP_DB"] = str(Path(os.environ.get("TMPDIR", "/tmp"),
                                    f"fincomp-tests-{os.getpid()}-no-db.sqlite3"))
os.environ["FINCOMP_LEDGER"] = str(Path(os.environ.get("TMPDIR", "/tmp"),
                                        f"fincomp-tests-{os.getpid()}-no-ledger.sqlite3"))

if not (CORPUS / "MANIFEST.tsv").is_file():
    raise pytest.UsageError(
        f"the shared corpus is missing at {CORPUS}: clone beside shared/ or set FINCOMP_SHARED")


@dataclass(frozen=True)
class CorpusEntry:
    path: str
    ecosystem: str
    source: str
    expected_components: int | None
    how_counted: str

    @property
    def location(self) -> Path:
        return CORPUS / self.path


def corpus_entries() -> list[CorpusEntry]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [CorpusEntry(r["path"], r["ecosystem"], r["source"],
                        int(r["expected_components"]) if r["expected_components"] else None,
                        r["how_counted"]) for r in rows]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 300) -> Run:
    """Run the real `fincomp` entry point in a fresh interpreter."""
    completed = subprocess.run(
        [sys.executable, "-m", "fincompliance", *args], capture_output=True, text=True,
        cwd=cwd, env={**os.environ, **(env or {})}, timeout=timeout)
    return Run(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def pypa_db(tmp_path_factory) -> Path:
    """The real PyPA advisory database imported once, for the tests that match against it."""
    path = tmp_path_factory.mktemp("vulndb") / "pypa.sqlite3"
    result = run_cli("db", "update", "--from", str(OSV), "--db", str(path))
    assert result.returncode == 0, result.stderr
    return path


class _Mirror(http.server.BaseHTTPRequestHandler):
    """PyPI's JSON API under /pypi/NAME/json, its simple index under /simple/NAME/, its files
    (core metadata) under their paths, and an npm registry under /npm/NAME (tarballs under
    /npm/NAME/-/FILE)."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.server.requests.append(self.path)
        if self.server.delay:
            time.sleep(self.server.delay)
        if self.path in self.server.fail_first:
            self.server.fail_first.discard(self.path)
            self.send_response(500)
            self.end_headers()
            return
        kind = "application/json"
        if self.path.startswith("/pypi/") and self.path.endswith("/json"):
            path = REGISTRY / "pypi" / (self.path.split("/")[2] + ".json")
            if not self.server.json_api:
                path = REGISTRY / "missing"  # a mirror serving only the simple index
        elif self.path.startswith("/simple/"):
            path = REGISTRY / "simple" / (self.path.split("/")[2] + ".json")
            kind = "application/vnd.pypi.simple.v1+json"
        elif self.path.startswith("/npm/") and "/-/" in self.path:
            name, _, filename = self.path[5:].partition("/-/")
            path = REGISTRY / "npm-tarballs" / name.replace("/", "%2f") / filename
            kind = "application/octet-stream"
        elif self.path.startswith("/npm/"):
            path = REGISTRY / "npm" / (self.path[5:].replace("/", "%2f") + ".json")
            if not self.server.packuments:
                path = REGISTRY / "missing"  # a mirror that only proxies tarballs
        else:
            path = REGISTRY / "files" / self.path.lstrip("/")
            if not path.is_file() and self.path.startswith("/packages/"):
                # The recorded JSON API names each file relatively (../../packages/packages/…)
                # and the simple index by the files host's path (/packages/…): one file.
                path = REGISTRY / "files" / "packages" / self.path.lstrip("/")
        if not path.is_file():
            self.send_response(404)
            self.end_headers()
            return
        own = f"http://127.0.0.1:{self.server.server_port}/".encode()
        body = path.read_bytes().replace(b"https://mirror.example.internal/", own)
        if self.path in self.server.tamper:  # a mirror serving other bytes than it lists
            body = body[:-1] + bytes([body[-1] ^ 1])
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def start_mirror(cache: Path):
    """The registry answers in tests/fixtures/registry, served on loopback: the server and
    the environment that points fincomp at it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Mirror)
    server.requests, server.delay, server.fail_first = [], 0.0, set()
    server.json_api, server.tamper, server.packuments = True, set(), True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    return server, {"FINCOMP_PYPI_URL": f"{base}/simple/", "FINCOMP_NPM_URL": f"{base}/npm/",
                    "FINCOMP_CACHE_DIR": str(cache)}


@pytest.fixture
def mirror(tmp_path):
    server, env = start_mirror(tmp_path / "cache")
    yield server, env
    server.shutdown()


class _Files(http.server.BaseHTTPRequestHandler):
    """Answers from `server.answer(path)`: bytes, or None for 404."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.server.requests.append(self.path)
        body = self.server.answer(self.path)
        self.send_response(200 if body is not None else 404)
        if body is not None:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body is not None:
            self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def serve():
    """Start loopback servers answering GETs: `serve(files)` with a dict of path -> bytes
    (or a function of the server's port giving them), or `serve(answer=FUNCTION)` with a
    function of the path; each returns (server, base URL) and records `server.requests`."""
    servers = []

    def start(files=None, answer=None):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
        server.files, server.requests = files if files is not None else {}, []

        def from_files(path):
            body = server.files.get(path)
            return body(server.server_port) if callable(body) else body
        server.answer = answer or from_files
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server, f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


POSTGRES = os.environ.get("FINCOMP_TEST_POSTGRES")


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request, tmp_path):
    """A new, empty ledger on each backend: a SQLite file, and a database of its own on the
    PostgreSQL server that .ci/run starts (FINCOMP_TEST_POSTGRES)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
        return
    if not POSTGRES:
        if os.environ.get("CI"):
            pytest.fail("FINCOMP_TEST_POSTGRES is not set: .ci/run starts PostgreSQL for these")
        pytest.skip("no PostgreSQL (set FINCOMP_TEST_POSTGRES; .ci/postgres starts one)")
    from sqlalchemy import create_engine, text

    name = f"fincomp_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def missing_glyphs(path: Path) -> list[tuple[int, str, int]]:
    """Glyphs drawn that the embedded font does not have (.notdef or past its last glyph):
    what prints as an empty box."""
    import io

    from fontTools.ttLib import TTFont
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(path)
    missing = []
    for number, page in enumerate(reader.pages, start=1):
        glyphs = {}
        for name, font in page["/Resources"]["/Font"].items():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"]
            # TrueType outlines (FontFile2) or an OpenType font with CFF ones (FontFile3)
            embedded = descriptor.get("/FontFile2") or descriptor["/FontFile3"]
            program = embedded.get_object().get_data()
            glyphs[name] = TTFont(io.BytesIO(program))["maxp"].numGlyphs
        current = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = operands[0]
            elif operator in (b"Tj", b"TJ"):
                strings = operands[0] if operator == b"TJ" else operands
                for string in strings:
                    if isinstance(string, (int, float)):
                        continue
                    raw = string.original_bytes if hasattr(string, "original_bytes") \
                        else bytes(string)
                    for index in range(0, len(raw), 2):
                        glyph = int.from_bytes(raw[index:index + 2], "big")
                        if glyph == 0 or glyph >= glyphs[current]:
                            missing.append((number, current, glyph))
    return missing
