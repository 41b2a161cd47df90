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
import os
import shutil
import signal
import tarfile
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from fincompliance.errors import InputError, reading
from fincompliance.inputs import decode_utf8, expect, load_json, max_file_bytes
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
    if not path.is_file():
        return False
    try:
        # "r:" reads plain tar only: `tarfile.is_tarfile` would try every compression, and a
        # file that starts like gzip but ends early raises EOFError from inside it.
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
    _remove_at_exit(destination)
    budget = _Budget(shown, int(os.environ.get("FINCOMP_MAX_IMAGE_EXTRACT",
                                               DEFAULT_MAX_EXTRACTED)))
    with reading(shown, "an image archive"):
        try:
            with tarfile.open(path, "r:") as archive:
                layers, tags = _manifest(archive, shown)
                for layer in layers:
                    member = _member(archive, layer, shown)
                    stream = archive.extractfile(member)
                    if stream is None:
                        raise InputError(shown, f"layer {layer} is not a file")
                    _apply_layer(stream, member.size, destination, budget, f"{shown}:{layer}")
        except tarfile.TarError as exc:
            raise InputError(shown, f"not a readable image archive ({exc})") from None
    return Image(destination, tags, len(layers))


def _remove_at_exit(folder: Path) -> None:
    """Remove the unpacked files when the process ends, including when it is stopped with
    SIGTERM (a CI job cancelled), whose default action would skip exit handlers."""
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_signal)


def _exit_on_signal(number: int, _frame) -> None:
    raise SystemExit(128 + number)


def _manifest(archive: tarfile.TarFile, shown: str) -> tuple[list[str], tuple[str, ...]]:
    """The first image's layer paths and tags, their types checked."""
    stream = archive.extractfile(_member(archive, "manifest.json", shown))
    text = decode_utf8(stream.read(16 * 1024 * 1024), f"{shown}:manifest.json") if stream \
        else ""
    data = load_json(text, f"{shown}:manifest.json")
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        raise InputError(shown, "manifest.json does not list an image")
    image = data[0]
    layers = expect(image.get("Layers") or [], list, f"{shown}:manifest.json", "Layers")
    tags = expect(image.get("RepoTags") or [], list, f"{shown}:manifest.json", "RepoTags")
    for value in (*layers, *tags):
        expect(value, str, f"{shown}:manifest.json", "each layer and tag")
    return layers, tuple(tags)


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
    bounded = _Bounded(raw, stored, shown)
    with tarfile.open(fileobj=bounded, mode="r|") as layer:
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
                _make_folders(destination, PurePosixPath(relative).parent)
                budget.spend(member.size)
                source = layer.extractfile(member)
                with open(target, "wb") as handle:
                    shutil.copyfileobj(source, handle)
                os.chmod(target, 0o644 | (0o100 if member.mode & 0o111 else 0))
            elif not member.isdir():
                _remove(destination / relative)  # a later layer replaced it with a link
    # Read to the end, so that a compressed layer's checksum is checked: the tar stops at
    # its end marker, before the gzip trailer.
    while bounded.read(1 << 16):
        pass


def _make_folders(destination: Path, relative: PurePosixPath) -> None:
    """Create the folders above a file; a file a lower layer left where a later layer has a
    folder is replaced by it, as the layers' union would show."""
    try:
        (destination / relative).mkdir(parents=True, exist_ok=True)
        return
    except (FileExistsError, NotADirectoryError):
        pass  # a file stands where a folder goes: walk down and replace it
    current = destination
    for part in relative.parts:
        current = current / part
        if current.exists() and not current.is_dir():
            current.unlink()
        current.mkdir(exist_ok=True)


# No file system here stores a longer name, so an entry with one is nothing a package has.
_MAX_NAME_BYTES = 255


def _inside(name: str) -> str | None:
    parts = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == ".." or "\0" in part or len(part.encode("utf-8", "surrogateescape")) \
                > _MAX_NAME_BYTES:
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
