"""Licence detection in files and text with ScanCode's licence index, in process.

The index is loaded once per process (ScanCode caches it on disk after its first build).
Large batches fork two workers after the index is loaded, so both cores share one copy.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

from fincompliance.inputs import max_file_bytes

_PARALLEL_FROM = 16   # below this many files, forking costs more than it saves
_WORKERS = 2


@dataclass(frozen=True)
class Detection:
    expression: str          # SPDX (LicenseRef-scancode-* where SPDX has no id)
    score: float             # 0..1, the weakest match that supports the expression
    coverage: float          # share of the file's text that is licence text, 0..1
    parts: tuple[tuple[str, float], ...] = ()   # each detection in the file, with its score


@lru_cache(maxsize=1)
def _index():
    from licensedcode.cache import get_index

    return get_index()


def warm() -> None:
    """Load the licence index now (cold start), so timing and forking happen after it."""
    _index()


def detect_text(text: str) -> Detection | None:
    from licensedcode.detection import detect_licenses

    detections = list(detect_licenses(index=_index(), query_string=text))
    parts = tuple((d.license_expression_spdx, min(m.score() for m in d.matches) / 100)
                  for d in detections if d.license_expression_spdx and d.matches)
    return _detection(parts, 1.0)


def detect_file(path: str) -> Detection | None:
    from scancode.api import get_licenses

    _index()
    if os.path.getsize(path) > max_file_bytes():
        return None
    found = get_licenses(location=path)
    parts = tuple((d["license_expression_spdx"], min(m["score"] for m in d["matches"]) / 100)
                  for d in found["license_detections"]
                  if d.get("license_expression_spdx") and d.get("matches"))
    return _detection(parts, (found.get("percentage_of_license_text") or 0) / 100)


def detect_files(paths: Iterable[str]) -> dict[str, Detection | None]:
    """Detect in many files; from a few dozen on, two forked workers share the index."""
    paths = sorted(set(paths))
    if len(paths) < _PARALLEL_FROM or multiprocessing.get_start_method() != "fork":
        return {path: detect_file(path) for path in paths}
    _index()  # load before forking: the workers inherit it
    with ProcessPoolExecutor(max_workers=_WORKERS) as pool:
        return dict(zip(paths, pool.map(detect_file, paths, chunksize=8), strict=True))


def _detection(parts: tuple[tuple[str, float], ...], coverage: float) -> Detection | None:
    if not parts:
        return None
    return Detection(combine([e for e, _ in parts]), min(score for _, score in parts), coverage,
                     parts)


def combine(expressions: list[str]) -> str:
    """Several detections of one file or component: all apply (AND), simplified."""
    from fincompliance.licensing.normalise import licensing

    joined = " AND ".join(f"({e})" for e in dict.fromkeys(expressions))
    return str(licensing().parse(joined).simplify())
