"""`fincomp --help`, `--version` and usage errors load no stage: the modules the command line
imports before a command runs are listed here, and a heavy library among them fails."""

from __future__ import annotations

import subprocess
import sys

# Libraries a command may need, which the command line itself must never load.
HEAVY = ("license_expression", "univers", "jsonschema", "sqlalchemy", "alembic", "httpx",
         "scancode", "cyclonedx", "spdx_tools", "packageurl", "packaging", "openpyxl",
         "jinja2", "babel", "weasyprint", "yaml",
         # typer's rich help (rich.markdown, rich.traceback): 70 ms of the 0.25 s budget
         "markdown_it", "attr")
# fincomp's own modules the command line loads to offer its options: nothing else.
LIGHT = {"fincompliance", "fincompliance.__main__", "fincompliance.cli", "fincompliance.clock",
         "fincompliance.errors", "fincompliance.inputs", "fincompliance.language",
         "fincompliance.locations", "fincompliance.product", "fincompliance.supply_chain"}


def _loaded(*args: str) -> set[str]:
    probe = ("import runpy, sys\n"
             f"sys.argv = ['fincomp', *{list(args)!r}]\n"
             "try:\n    runpy.run_module('fincompliance', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60)
    return set(result.stderr.split())


def test_help_version_and_usage_errors_load_no_stage():
    for args in (["--help"], ["--version"], ["scan", "--help"], ["scan", "--no-such-option"]):
        loaded = _loaded(*args)
        assert "fincompliance.cli" in loaded, args
        assert {m for m in loaded if m.startswith("fincompliance")} <= LIGHT, (
            args, sorted({m for m in loaded if m.startswith("fincompliance")} - LIGHT))
        assert not {m.split(".")[0] for m in loaded} & set(HEAVY), (
            args, sorted({m.split(".")[0] for m in loaded} & set(HEAVY)))


def test_a_scan_with_no_ledger_loads_no_database_layer(tmp_path, monkeypatch):
    """The licence knowledge store is asked only when there is a ledger: an SBOM written
    with none (a CI job) does not pay for SQLAlchemy, nor for the ledger's modules; nor for
    pydantic, which typer 0.29 loads to check every option (pyproject keeps typer below)."""
    monkeypatch.setenv("FINCOMP_LEDGER", str(tmp_path / "absent.sqlite3"))
    monkeypatch.setenv("FINCOMP_CACHE_DIR", str(tmp_path / "cache"))
    from conftest import CORPUS

    loaded = _loaded("sbom", str(CORPUS / "npm/yarn1-app"), "-o", str(tmp_path / "bom.json"))
    assert (tmp_path / "bom.json").is_file()
    assert "fincompliance.scan" in loaded
    assert not {"sqlalchemy", "alembic", "pydantic"} & {m.split(".")[0] for m in loaded}
    assert not {m for m in loaded if m.startswith("fincompliance.ledger.")}
