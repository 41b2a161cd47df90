"""Contribution hygiene from the git history: every commit signed off by its author (the
Developer Certificate of Origin) unless a contributor agreement the policy lists covers the
author; authors outside the institution's e-mail domains. With `--history`, the lines each
commit added, for what must not leave the institution even when a later commit deleted it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from fincompliance.release import Observation, fingerprint, git
from fincompliance.release.settings import ReleaseSettings
from fincompliance.release.texts import Speaker

_RECORD, _UNIT = "\x1e", "\x1f"
_SIGNED_OFF = re.compile(r"^Signed-off-by:\s*.*<([^>]+)>\s*$", re.MULTILINE | re.IGNORECASE)
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    email: str
    message: str

    @property
    def signed_off_by_author(self) -> bool:
        return self.email.lower() in {m.lower() for m in _SIGNED_OFF.findall(self.message)}


def commits(root: Path) -> list[Commit]:
    """Every commit reachable from HEAD that changed the folder, merges left out (they add
    no authored change)."""
    # `-- .`: in a monorepo, the commits that touched the folder to be released
    output = git.run(root, "log", "--no-merges", "--no-show-signature",
                     f"--format={_RECORD}%H{_UNIT}%an{_UNIT}%ae{_UNIT}%B", "--", ".")
    found = []
    for record in output.split(_RECORD)[1:]:
        sha, author, email, message = record.split(_UNIT, 3)
        found.append(Commit(sha, author, email, message))
    return found


def hygiene(history: list[Commit], settings: ReleaseSettings, speaker: Speaker
            ) -> Iterator[Observation]:
    covered = settings.cla
    if settings.sign_off == "dco":
        for commit in history:
            if commit.signed_off_by_author or any(fnmatch(commit.email.lower(), p.lower())
                                                  for p in covered):
                continue
            yield Observation("sign-off", f"commit {commit.sha[:12]}", None, speaker.say(
                "sign-off-missing", author=f"{commit.author} <{commit.email}>"),
                fingerprint(commit.sha))
    if settings.domains:
        outside = Counter(f"{c.author} <{c.email}>" for c in history
                          if c.email.rpartition("@")[2].lower()
                          not in {d.lower() for d in settings.domains})
        for author, count in sorted(outside.items()):
            yield Observation("outside-author", author, None, speaker.say(
                "outside-author", commits=count, domains=", ".join(settings.domains)))


def added_lines(root: Path) -> Iterator[tuple[str, str, list[tuple[int, str]]]]:
    """(commit, path, [(line number in that commit, text)]) for every file each commit
    changed, the lines it added only; binary changes carry no lines."""
    # --relative: paths as seen from the folder to be released, and only its files
    output = git.run(root, "log", "--no-merges", "-p", "-U0", "--no-ext-diff",
                     "--no-textconv", "--no-color", "--no-renames", "--relative",
                     f"--format={_RECORD}%H", "--", ".")
    for record in output.split(_RECORD)[1:]:
        sha, _, diff = record.partition("\n")
        path, lines, number = None, [], 0
        for line in diff.splitlines():
            if line.startswith("+++ "):
                if path and lines:
                    yield sha, path, lines
                target = line[4:]
                path, lines = (target[2:] if target.startswith("b/") else None), []
            elif line.startswith("@@"):
                match = _HUNK.match(line)
                number = int(match.group(1)) if match else 0
            elif line.startswith("+") and path is not None:
                lines.append((number, line[1:]))
                number += 1
        if path and lines:
            yield sha, path, lines
