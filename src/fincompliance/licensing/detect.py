"""Licence detection in files and text: a common licence's text is recognised by its
reference text (`reference.py`, milliseconds); anything else goes to ScanCode's licence
index, in process.

The index is loaded once per process, and only when a file needs it (ScanCode caches it on
disk after its first build). Large batches fork two workers after the index is loaded, so
both cores share one copy; they take the largest files first.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fincompliance.inputs import max_file_bytes
from fincompliance.locations import cache_dir

_PARALLEL_FROM = 16   # below this many files, forking costs more than it saves
_WORKERS = 2


@dataclass(frozen=True)
class Detection:
    expression: str          # SPDX (LicenseRef-scancode-* where SPDX has no id)
    score: float             # 0..1, the weakest match that supports the expression
    coverage: float          # share of the file's text that is licence text, 0..1
    parts: tuple[tuple[str, float], ...] = ()   # each detection in the file, with its score
    method: str = "scancode"  # or "reference-text": recognised without the index

    @property
    def how(self) -> str:
        return "ScanCode" if self.method == "scancode" else "reference text"


@lru_cache(maxsize=1)
def _index():
    from licensedcode.cache import get_index

    return get_index()


def warm() -> None:
    """Load the licence index now (cold start), so timing and forking happen after it."""
    _index()


def detect_text(text: str) -> Detection | None:
    recognised = _recognised(text)
    if recognised is not None:
        return recognised
    from licensedcode.detection import detect_licenses

    detections = list(detect_licenses(index=_index(), query_string=text))
    parts = tuple((d.license_expression_spdx, min(m.score() for m in d.matches) / 100)
                  for d in detections if d.license_expression_spdx and d.matches)
    return _detection(parts, 1.0)


def _recognised(text: str) -> Detection | None:
    # loaded with the first licence file: a lockfile's scan reads none
    from fincompliance.licensing.reference import recognise

    found = recognise(text)
    if found is None:
        return None
    return Detection(found.expression, 1.0, found.coverage, ((found.expression, 1.0),),
                     "reference-text")


def _recognised_file(path: str) -> Detection | None:
    try:
        if os.path.getsize(path) > max_file_bytes():
            return None
        return _recognised(Path(path).read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


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


Progress = Callable[[int, int], None]   # (files done, files to do)


def detect_files(paths: Iterable[str], on_progress: Progress | None = None
                 ) -> dict[str, Detection | None]:
    """Detect in many files: reference texts recognised at once; the others from earlier
    results for files with the same content, else by ScanCode. From a few dozen files for
    ScanCode on, two forked workers share the loaded index.
    `on_progress(done, total)` is told after each file not found in the cache.
    """
    paths = sorted(set(paths))
    found: dict[str, Detection | None] = {path: _recognised_file(path) for path in paths}
    cache = _Cache()
    found.update({path: cache.get(path) for path, known in found.items() if known is None})
    todo = [path for path, hit in found.items() if hit is _MISSING]
    if not todo:
        return found
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    if on_progress is not None:
        on_progress(0, len(todo))   # before the index loads: a count, not "?", meanwhile
    if len(todo) < _PARALLEL_FROM or multiprocessing.get_start_method() != "fork":
        _record(((path, detect_file(path)) for path in todo), len(todo), cache, found,
                on_progress)
    else:
        _index()  # load before forking: the workers inherit it
        # Largest first: a bundle of many notices takes seconds, and started last it would
        # leave one worker idle while the other finishes it. Results are taken as they come,
        # so progress moves while a large file is read.
        with ProcessPoolExecutor(max_workers=_WORKERS) as pool:
            submitted = {pool.submit(detect_file, path): path
                         for path in sorted(todo, key=_size, reverse=True)}
            _record(((submitted[done], done.result()) for done in as_completed(submitted)),
                    len(todo), cache, found, on_progress)
    return found


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _record(detections: Iterable[tuple[str, Detection | None]], total: int, cache: _Cache,
            found: dict[str, Detection | None], on_progress: Progress | None) -> None:
    for done, (path, detection) in enumerate(detections, start=1):
        cache.put(path, detection)
        found[path] = detection
        if on_progress is not None:
            on_progress(done, total)


_MISSING = object()


class _Cache:
    """Detections by file content and ScanCode version, as small JSON files.

    In `FINCOMP_CACHE_DIR`, else the user's cache folder; a cache that cannot be written
    is simply not used.
    """

    def __init__(self) -> None:
        self.folder = cache_dir() / "detections" / _scancode_version()

    def _key(self, path: str) -> Path | None:
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            return None
        return self.folder / digest[:2] / f"{digest}.json"

    def get(self, path: str):
        key = self._key(path)
        try:
            data = json.loads(key.read_text()) if key else None
        except (OSError, ValueError):
            return _MISSING
        if data is None:
            return None if key and key.exists() else _MISSING
        return Detection(data["expression"], data["score"], data["coverage"],
                         tuple((e, s) for e, s in data["parts"]))

    def put(self, path: str, detection: Detection | None) -> None:
        key = self._key(path)
        if key is None:
            return
        try:
            key.parent.mkdir(parents=True, exist_ok=True)
            temporary = key.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(None if detection is None else {
                "expression": detection.expression, "score": detection.score,
                "coverage": detection.coverage, "parts": detection.parts}))
            temporary.replace(key)  # atomic: a reader sees the old file or the new one
        except OSError:
            return


@lru_cache(maxsize=1)
def _scancode_version() -> str:
    from importlib.metadata import version

    return version("scancode-toolkit")


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
