"""The scanner registry: one line per file format. Discovery reads only this tuple."""

from fincompliance.scanners import (
    cargo_lock,
    composer_lock,
    gemfile_lock,
    node_modules,
    npm_lock,
    package_json,
    pdm_lock,
    pipfile,
    pipfile_lock,
    pnpm_lock,
    poetry_lock,
    pyproject,
    python_installed,
    requirements_txt,
    sbom_document,
    uv_lock,
    vendored,
    yarn_lock,
)
from fincompliance.scanners.base import Kind, Scanner, Source

REGISTRY: tuple[Scanner, ...] = (
    requirements_txt.SCANNER,
    poetry_lock.SCANNER,
    pipfile_lock.SCANNER,
    uv_lock.SCANNER,
    pdm_lock.SCANNER,
    pyproject.SCANNER,
    pipfile.SCANNER,
    python_installed.SCANNER,
    npm_lock.SCANNER,
    yarn_lock.SCANNER,
    pnpm_lock.SCANNER,
    package_json.SCANNER,
    node_modules.SCANNER,
    vendored.SCANNER,
    sbom_document.SCANNER,
    cargo_lock.SCANNER,
    composer_lock.SCANNER,
    gemfile_lock.SCANNER,
)

__all__ = ["REGISTRY", "Kind", "Scanner", "Source"]
