"""Discovery: which files are read, which are skipped, and which scanner reads them."""

from __future__ import annotations

import shutil
import subprocess
import sys

from fincompliance.discovery import DiscoveryOptions, discover
from fincompliance.scan import ScanOptions, scan

from conftest import CORPUS


def test_real_virtual_environment_is_read_only_when_asked(tmp_path):
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / ".venv")], check=True)
    shutil.copy(CORPUS / "python/legacy-app/requirements.txt", tmp_path / "requirements.txt")
    plain = scan(tmp_path).graph
    assert {c.name for c in plain.components.values()} >= {"django"}
    assert "pip" not in {c.name for c in plain.components.values()}
    installed = scan(tmp_path, ScanOptions(include_installed=True)).graph
    pip = next(c for c in installed.components.values() if c.name == "pip")
    assert pip.locations[0].path.startswith(".venv/lib/")
    assert pip.declared_licenses, "pip declares its licence in METADATA"


def test_lockfile_is_preferred_over_its_manifest_and_both_stay_in_sync(tmp_path):
    for name in ("package.json", "package-lock.json"):
        shutil.copy(CORPUS / "npm/express-app" / name, tmp_path / name)
    member = tmp_path / "packages" / "member"
    member.mkdir(parents=True)
    (member / "package.json").write_text('{"name": "member", "dependencies": {"ms": "^2"}}')
    tasks = [(t.path, t.scanner.name) for t in discover(tmp_path)]
    assert tasks == [("package-lock.json", "npm-lock")]


def test_git_and_excluded_folders_are_skipped(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "requirements.txt").write_text("six==1.16.0\n")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "requirements.txt").write_text("six==1.16.0\n")
    (tmp_path / "requirements.txt").write_text("idna==3.6\n")
    tasks = discover(tmp_path, DiscoveryOptions(exclude=("vendor",)))
    assert [t.path for t in tasks] == ["requirements.txt"]
