"""A generated package-lock.json of any size, for benchmarks that need more packages than
any real lockfile has."""

from __future__ import annotations

import json
import random
from pathlib import Path

# Roughly the mix of a large JavaScript estate, with the cases policies act on.
_LICENCES = ["MIT"] * 60 + ["ISC"] * 12 + ["Apache-2.0"] * 10 + ["BSD-3-Clause"] * 6 + [
    "MIT OR Apache-2.0", "LGPL-3.0-only", "GPL-3.0-only", "MPL-2.0", "BUSL-1.1",
    "(MIT AND Zlib)", "Unlicense", None, None, None, None, None, None]


def generated_lockfile(folder: Path, size: int) -> Path:
    """A package-lock.json v3 with `size` packages, each depending on up to three others;
    a sixth of them dev-only, some without a licence."""
    rng = random.Random(42)
    packages = {"": {"name": "generated", "version": "1.0.0",
                     "dependencies": {f"pkg-{i}": "^1.0.0" for i in range(50)}}}
    for i in range(size):
        others = rng.sample(range(i + 1, size), k=min(3, size - i - 1))
        entry = {"version": f"1.{i % 97}.{i % 13}", "integrity": "sha512-" + "A" * 86 + "==",
                 "dependencies": {f"pkg-{j}": "^1.0.0" for j in others}}
        licence = rng.choice(_LICENCES)
        if licence:
            entry["license"] = licence
        packages[f"node_modules/pkg-{i}"] = entry
    path = folder / "package-lock.json"
    path.write_text(json.dumps({"name": "generated", "lockfileVersion": 3, "packages": packages},
                               indent=2))
    return path
