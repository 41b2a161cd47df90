"""The open-source release review (art. 13, 20 of 银办发〔2021〕146号): before an institution
publishes its own code, what the release carries is checked, not only what it depends on.

Checks read the files to be released (and, when asked, the git history) and report
observations: what was seen, where, and never a secret's value. A release policy judges
them like any other finding (`release_check` conditions), so they reach every format the
gate has.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from fincompliance.model import Location


@dataclass(frozen=True)
class Observation:
    """One thing a release check saw. `subject` is what the finding is about (a file, a
    commit, an author, a vendored folder); `detail` says what, in the reader's language,
    and never quotes a secret or personal data."""

    check: str                   # secret, personal-id, licence-header, sign-off, ...
    subject: str
    location: Location | None
    detail: str
    fingerprint: str = ""        # tells two observations at one place apart (a hash)

    @property
    def key(self) -> str:
        """Stable across runs for the same thing at the same place: finding ids, waivers and
        baselines rely on it."""
        where = str(self.location) if self.location else ""
        return f"release:{self.check}:{self.subject}:{where}:{self.fingerprint}"


def fingerprint(value: str) -> str:
    """What identifies a value without keeping it (a secret, a card number)."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]
