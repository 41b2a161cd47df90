"""The project's own licensing (art. 13, 20): a licence file that says what the release is
declared under, licence headers in source files, a NOTICE naming the third-party components
that go out with it, copyright statements naming the institution, and third-party code
copied into the repository found and attributed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import PurePosixPath

from fincompliance.licensing.compatibility import Verdict, assess
from fincompliance.licensing.knowledge import Knowledge
from fincompliance.licensing.normalise import normalise
from fincompliance.model import Component, Location
from fincompliance.product import Distribution
from fincompliance.release import Observation, fingerprint
from fincompliance.release.files import ReleaseFiles
from fincompliance.release.settings import ReleaseSettings
from fincompliance.release.texts import Speaker

HEADER_LINES = 30
SOURCE_SUFFIXES = frozenset({
    ".py", ".java", ".kt", ".kts", ".scala", ".groovy", ".go", ".rs", ".c", ".h", ".cc",
    ".cpp", ".cxx", ".hpp", ".cs", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".vue",
    ".rb", ".php", ".swift", ".m", ".mm", ".sh", ".bash", ".ps1", ".lua", ".dart"})
_LICENCE_FILE = re.compile(r"^(licen[cs]e|copying)([.-].*)?$", re.IGNORECASE)
_NOTICE_FILE = re.compile(r"^(notice|third[-_]party[-_]notices?)(\..*)?$", re.IGNORECASE)
_SPDX = re.compile(r"SPDX-License-Identifier:\s*([^*\n]+?)\s*(?:\*/|-->|$)")
_COMMENT_MARKS = re.compile(r"\*/|-->|^[#/*\s]+")
_HEADER_WORDS = re.compile(r"licen[cs]ed under|Mulan PSL|Mulan PubL|木兰|许可证|"
                           r"Permission is hereby granted|GNU (Lesser |Affero )?General Public",
                           re.IGNORECASE)
_COPYRIGHT = re.compile(r"(?:copyright\s*(?:\(c\)|©)?|©|版权所有)\s*(.{3,120})", re.IGNORECASE)


class OwnLicensing:
    def __init__(self, files: ReleaseFiles, outbound: str, settings: ReleaseSettings,
                 knowledge: Knowledge, speaker: Speaker) -> None:
        self.files, self.outbound, self.settings = files, outbound, settings
        self.knowledge, self.say = knowledge, speaker.say
        self.speaker = speaker
        top = [p for p in files.paths if "/" not in p]
        self.licence_files = [p for p in top if _LICENCE_FILE.match(p)]
        self.notice_files = [p for p in top if _NOTICE_FILE.match(p)]
        self.notice_text = "\n".join("\n".join(files.lines(p) or ()) for p in self.notice_files)
        self.holder_seen = False

    def vendored(self, path: str) -> bool:
        # fnmatch's * crosses folders: third_party/* holds third_party/zlib/inflate.c
        return any(fnmatch(path, pattern) for pattern in self.settings.vendored_patterns)

    def licence_file(self) -> Iterator[Observation]:
        from fincompliance.licensing.detect import detect_files
        from fincompliance.licensing.reference import holds_reference_text

        if not self.licence_files:
            yield Observation("licence-file", "LICENSE", None, self.say("licence-file-missing"))
            return
        wanted = normalise(self.outbound, "outbound", self.knowledge).expression
        declared = self.knowledge.get(wanted)
        # only files read as text (never a link out of the repository)
        texts = {path: lines for path in self.licence_files
                 if (lines := self.files.lines(path)) is not None}
        for lines in texts.values():
            self._note_holder(lines)
        # The declared licence's own text needs no licence index; anything else does.
        if declared is not None and declared.scancode_key and any(
                holds_reference_text("\n".join(lines), declared.scancode_key)
                for lines in texts.values()):
            return
        found = detect_files(str(self.files.root / path) for path in texts)
        if any(d is not None and _same(d.expression, wanted) for d in found.values()):
            return
        for path in self.licence_files:
            detection = found.get(str(self.files.root / path))
            key = "licence-file-differs" if detection else "licence-file-unread"
            yield Observation("licence-file", path, Location(path), self.say(
                key, path=path, found=detection.expression if detection else "",
                outbound=wanted))

    def headers(self, path: str, lines: list[str]) -> Iterator[Observation]:
        """A source file's licence header, and its copyright statement when it is
        someone else's (third-party code outside the vendored folders)."""
        head = lines[:HEADER_LINES]
        if PurePosixPath(path).suffix.lower() not in SOURCE_SUFFIXES or self.vendored(path) \
                or not any(line.strip() for line in lines):
            return
        spdx = next(((n, m.group(1)) for n, line in enumerate(head, 1)
                     if (m := _SPDX.search(line))), None)
        if spdx is not None:
            declared = normalise(spdx[1], path, self.knowledge).expression
            wanted = normalise(self.outbound, "outbound", self.knowledge).expression
            if not _same(declared, wanted):
                yield Observation("licence-header", path, Location(path, spdx[0]), self.say(
                    "header-differs", found=declared, outbound=wanted))
        elif not any(_HEADER_WORDS.search(line) for line in head):
            yield Observation("licence-header", path, Location(path, 1), self.say(
                "header-missing", lines=HEADER_LINES))
        if self.settings.copyright_holders:
            for number, line in enumerate(head, 1):
                match = _COPYRIGHT.search(line)
                if match is None:
                    continue
                if self._names_holder(line):
                    self.holder_seen = True
                else:
                    statement = _COMMENT_MARKS.sub("", match.group(0)).strip()[:80]
                    yield Observation("vendored", path, Location(path, number), self.say(
                        "copyright-other", statement=statement), fingerprint(statement))

    def copyright(self) -> Iterator[Observation]:
        """Run after `headers`: whether any statement named the institution."""
        if not self.settings.copyright_holders:
            return
        self._note_holder(self.notice_text.splitlines())
        for path in ("README.md", "README", "README.rst", "README.txt"):
            if path in self.files.paths:
                self._note_holder((self.files.lines(path) or [])[:200])
        if not self.holder_seen:
            read = ", ".join(self.licence_files + self.notice_files) or "README"
            subject = self.licence_files[0] if self.licence_files else "LICENSE"
            yield Observation("copyright", subject, Location(subject) if self.licence_files
                              else None, self.say(
                                  "copyright-missing",
                                  holders=" / ".join(self.settings.copyright_holders),
                                  read=read + ", source file headers"))

    def _note_holder(self, lines: list[str]) -> None:
        if self.settings.copyright_holders and not self.holder_seen:
            self.holder_seen = any(_COPYRIGHT.search(line) and self._names_holder(line)
                                   for line in lines)

    def _names_holder(self, line: str) -> bool:
        folded = line.lower()
        return any(holder.lower() in folded for holder in self.settings.copyright_holders)

    def notice(self, shipped: list[Component]) -> Iterator[Observation]:
        if not shipped:
            return
        if not self.notice_files:
            yield Observation("notice", "NOTICE", None,
                              self.say("notice-missing", count=len(shipped)))
            return
        shown = self.notice_files[0]
        for component in shipped:
            # code copied into a vendored folder is the vendored check's to attribute
            if component.locations and all(self.vendored(loc.path)
                                           for loc in component.locations):
                continue
            if not _names(self.notice_text, component.name):
                licence = component.concluded.expression if component.concluded else "?"
                named = f"{component.name} {component.version}" if component.version \
                    else component.name
                yield Observation("notice", component.name, Location(shown), self.say(
                    "notice-omits", name=named, licence=licence, notice=shown),
                    fingerprint(component.ref))

    def vendored_code(self) -> Iterator[Observation]:
        """Each folder of third-party code: its licence read from its own licence file,
        named in the NOTICE, and fit to go out under the release's licence."""
        from fincompliance.licensing.detect import detect_files

        units: dict[str, list[str]] = {}
        for path in self.files.paths:
            parts = path.split("/")
            for depth in range(1, len(parts)):
                unit = "/".join(parts[:depth + 1])
                if depth + 1 < len(parts) and any(fnmatch(unit, p)
                                                  for p in self.settings.vendored_patterns):
                    units.setdefault(unit, []).append(path)
                    break
        notice = self.notice_files[0] if self.notice_files else "NOTICE"
        for unit, paths in sorted(units.items()):
            licences = [p for p in paths if p.count("/") == unit.count("/") + 1
                        and _LICENCE_FILE.match(PurePosixPath(p).name)
                        and self.files.lines(p) is not None]
            detection = detect_files([str(self.files.root / licences[0])]).get(
                str(self.files.root / licences[0])) if licences else None
            if detection is None:
                yield Observation("vendored", unit, Location(licences[0] if licences else unit),
                                  self.say("vendored-no-licence"))
                continue
            name = PurePosixPath(unit).name
            if not _names(self.notice_text, name):
                yield Observation("vendored", unit, Location(licences[0]), self.say(
                    "vendored-not-attributed", licence=detection.expression, notice=notice))
            verdict = assess(detection.expression, self.outbound,
                             Distribution.DISTRIBUTED_SOURCE, self.knowledge).verdict
            if verdict is not Verdict.COMPATIBLE:
                yield Observation("vendored", unit, Location(licences[0]), self.say(
                    "vendored-incompatible", licence=detection.expression,
                    verdict=verdict.said(self.speaker.language), outbound=self.outbound),
                    fingerprint(verdict.value))


def _names(text: str, name: str) -> bool:
    """Whether a notice names a package as a word of its own (`six`, not `sixteen`)."""
    return re.search(r"(?<![\w.@/-])" + re.escape(name) + r"(?![\w-])", text,
                     re.IGNORECASE) is not None


def _same(found: str, wanted: str) -> bool:
    """A licence file or header that says the declared licence (a Mulan text ScanCode
    reads as its English-only variant counts)."""
    simplify = {"LicenseRef-scancode-mulanpsl-2.0-en": "MulanPSL-2.0"}
    return simplify.get(found, found).lower() == simplify.get(wanted, wanted).lower()
