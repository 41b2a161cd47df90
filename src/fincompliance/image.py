"""Container images saved with `docker save` (or `podman save`): the layers are applied in
order, whiteouts and all, but only the files a scanner reads are written out, into a
private folder that lives as long as the process. The image is never unpacked in full,
no link is created, no path may leave that folder, and the bytes written, the entries
read and the expansion of each compressed layer are bounded.

Which files: package databases and anything a scanner claims by name (the registry's
patterns, against the path inside the image), Debian copyright files, os-release, Python
`*.dist-info` metadata, `package.json` files of installed Node packages, and executables
(for Go build information)."""

from __future__ import annotations

import atexit
import gzip
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from fincompliance.errors import InputError
from fincompliance.inputs import max_file_bytes
from fincompliance.scanners import REGISTRY

DEFAULT_MAX_EXTRACTED = 4 * 1024 ** 3
_MAX_ENTRIES = 5_000_000
_MAX_LAYER_RATIO = 100  # a layer may expand at most this many times its stored size
_ALSO_WANTED = ("etc/os-release", "usr/lib/os-release")
_WHITEOUT = ".wh."
_OPAQUE = ".wh..wh..opq"


@dataclass(frozen=True)
class Image:
    root: Path                # the folder holding the files that were written out
    tags: tuple[str, ...]     # RepoTags from the archive's manifest
    layers: int


def is_image_archive(path: Path) -> bool:
    """A tar file with a `manifest.json` at its top: what `docker save` writes."""
    if not path.is_file() or not tarfile.is_tarfile(path):
        return False
    try:
        with tarfile.open(path, "r:") as archive:
            return any(m.name.lstrip("./") == "manifest.json" for m in _first(archive, 10_000))
    except (tarfile.TarError, OSError):
        return False


def _first(archive: tarfile.TarFile, count: int):
    for number, member in enumerate(archive):
        if number >= count:
            return
        yield member


def unpack_for_scanning(path: Path) -> Image:
    shown = str(path)
    destination = Path(tempfile.mkdtemp(prefix="fincomp-image-"))
    atexit.register(shutil.rmtree, destination, ignore_errors=True)
    budget = _Budget(shown, int(os.environ.get("FINCOMP_MAX_IMAGE_EXTRACT",
                                               DEFAULT_MAX_EXTRACTED)))
    try:
        with tarfile.open(path, "r:") as archive:
            manifest = _manifest(archive, shown)
            for layer in manifest.get("Layers") or []:
                member = _member(archive, str(layer), shown)
                stream = archive.extractfile(member)
                if stream is None:
                    raise InputError(shown, f"layer {layer} is not a file")
                _apply_layer(stream, member.size, destination, budget, f"{shown}:{layer}")
    except tarfile.TarError as exc:
        raise InputError(shown, f"not a readable image archive ({exc})") from None
    return Image(destination, tuple(manifest.get("RepoTags") or ()),
                 len(manifest.get("Layers") or ()))


def _manifest(archive: tarfile.TarFile, shown: str) -> dict:
    stream = archive.extractfile(_member(archive, "manifest.json", shown))
    try:
        data = json.loads(stream.read(16 * 1024 * 1024)) if stream else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        raise InputError(shown, "manifest.json does not list an image")
    return data[0]


def _member(archive: tarfile.TarFile, name: str, shown: str) -> tarfile.TarInfo:
    try:
        return archive.getmember(name)
    except KeyError:
        try:
            return archive.getmember(f"./{name}")
        except KeyError:
            raise InputError(shown, f"the archive has no {name}") from None


class _Budget:
    def __init__(self, shown: str, limit: int) -> None:
        self.shown, self.limit, self.written, self.entries = shown, limit, 0, 0

    def count(self) -> None:
        self.entries += 1
        if self.entries > _MAX_ENTRIES:
            raise InputError(self.shown, f"more than {_MAX_ENTRIES:,} entries in its layers")

    def spend(self, size: int) -> None:
        self.written += size
        if self.written > self.limit:
            raise InputError(self.shown, f"the files to scan exceed {self.limit:,} bytes "
                             "(set FINCOMP_MAX_IMAGE_EXTRACT to raise it)")


class _Bounded:
    """A layer's stream that refuses to expand beyond a ratio of its stored size."""

    def __init__(self, stream: IO[bytes], stored: int, shown: str) -> None:
        self.stream, self.shown = stream, shown
        self.left = max(stored, 1) * _MAX_LAYER_RATIO + 1024 * 1024

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.left -= len(data)
        if self.left < 0:
            raise InputError(self.shown, f"expands more than {_MAX_LAYER_RATIO} times its "
                             "size (a decompression bomb?)")
        return data


def _apply_layer(stream: IO[bytes], stored: int, destination: Path, budget: _Budget,
                 shown: str) -> None:
    head = stream.read(2)
    stream.seek(0)
    raw: IO[bytes] = gzip.GzipFile(fileobj=stream) if head == b"\x1f\x8b" else stream
    with tarfile.open(fileobj=_Bounded(raw, stored, shown), mode="r|") as layer:
        for member in layer:
            budget.count()
            relative = _inside(member.name)
            if relative is None:
                continue  # an absolute path or one that climbs out: never written
            name = PurePosixPath(relative).name
            if name == _OPAQUE:
                _remove_children(destination / PurePosixPath(relative).parent)
            elif name.startswith(_WHITEOUT):
                _remove(destination / PurePosixPath(relative).parent / name[len(_WHITEOUT):])
            elif member.isfile() and _wanted(relative, member):
                target = destination / relative
                _remove(target)
                target.parent.mkdir(parents=True, exist_ok=True)
                budget.spend(member.size)
                source = layer.extractfile(member)
                with open(target, "wb") as handle:
                    shutil.copyfileobj(source, handle)
                os.chmod(target, 0o644 | (0o100 if member.mode & 0o111 else 0))
            elif not member.isdir():
                _remove(destination / relative)  # a later layer replaced it with a link


def _inside(name: str) -> str | None:
    parts = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == ".." or "\0" in part:
            return None
        parts.append(part)
    return "/".join(parts) if parts and not name.startswith("/") else None


def _wanted(relative: str, member: tarfile.TarInfo) -> bool:
    if member.size > max_file_bytes():
        return False
    path = PurePosixPath(relative)
    if relative in _ALSO_WANTED or (relative.startswith("usr/share/doc/")
                                    and path.name == "copyright"):
        return True
    if path.parent.name.endswith(".dist-info") or (path.name == "package.json"
                                                   and "node_modules" in path.parts):
        return True
    if member.mode & 0o111:
        return True
    return any(scanner.claims_file(relative) for scanner in REGISTRY)


def _remove(target: Path) -> None:
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target, ignore_errors=True)
    elif target.exists() or target.is_symlink():
        target.unlink()


def _remove_children(folder: Path) -> None:
    if folder.is_dir():
        for child in folder.iterdir():
            _remove(child)
