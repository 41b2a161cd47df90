"""The environment benchmarks start fincomp in: as an installed copy runs. pip compiles a
package's modules when it installs it; a shell that sets PYTHONDONTWRITEBYTECODE (some CI
images and sandboxes do) would instead charge every run for compiling fincomp's modules
from source, about 0.12 s of a small `fincomp sbom`."""

from __future__ import annotations

import compileall
import os
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src"


def installed_environment(source: Path = SOURCE, **extra: str) -> dict[str, str]:
    """os.environ with bytecode allowed, after compiling the modules under `source` once."""
    compileall.compile_dir(source, quiet=1)
    env = {key: value for key, value in os.environ.items()
           if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **extra}
