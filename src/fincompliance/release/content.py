"""What must not leave the institution: secrets (detect-secrets' plugins and filters),
personal data that matters in China (resident identity card numbers with their check
digit, bank card numbers with Luhn, mobile numbers), internal host names and addresses the
policy lists, and names and marks the policy restricts. Line by line, the same for the
files of a release and for lines added in its history."""

from __future__ import annotations

import ipaddress
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from fincompliance.model import Location
from fincompliance.release import Observation, fingerprint
from fincompliance.release.settings import ReleaseSettings
from fincompliance.release.texts import Speaker

_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
_ID_CARD = re.compile(_EDGE_BEFORE + r"([1-9]\d{5})((?:19|20)\d{2})(0[1-9]|1[0-2])"
                      r"(0[1-9]|[12]\d|3[01])(\d{3})([\dXx])" + _EDGE_AFTER)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# UnionPay (62), Visa (4), Mastercard (51-55), written whole or in groups of four.
_CARD = re.compile(_EDGE_BEFORE + r"((?:62|4\d|5[1-5])\d{2}(?:[ -]?\d{4}){3}(?:\d{1,3})?)"
                   + _EDGE_AFTER)
_MOBILE = re.compile(r"(?<![0-9A-Za-z+])(?:\+?86[ -]?)?(1[3-9]\d{9})" + _EDGE_AFTER)
_IPV4 = re.compile(r"(?<![\d.])((?:\d{1,3}\.){3}\d{1,3})(?![\d.])")


def id_card_valid(number: str) -> bool:
    """GB 11643-1999: a birth date that exists and the ISO 7064 MOD 11-2 check digit."""
    if len(number) != 18:
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in number]
    total = sum(digits[-1::-2]) + sum(sum(divmod(2 * d, 10)) for d in digits[-2::-2])
    return total % 10 == 0


def _host_pattern(glob: str) -> re.Pattern[str]:
    label = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    body = re.escape(glob.lower()).replace(r"\*", rf"{label}(?:\.{label})*")
    return re.compile(r"(?<![A-Za-z0-9.-])" + body + r"(?![A-Za-z0-9-]|\.[A-Za-z0-9])",
                      re.IGNORECASE)


class LineChecks:
    """The line patterns of one release policy, compiled once."""

    def __init__(self, settings: ReleaseSettings, speaker: Speaker) -> None:
        self.speaker = speaker
        self.hosts = [(glob, _host_pattern(glob)) for glob in settings.internal_hosts]
        self.networks = [ipaddress.ip_network(n, strict=False)
                         for n in settings.internal_networks]
        self.forbidden = [(rule.name, re.compile(re.escape(rule.name), re.IGNORECASE))
                          for rule in settings.names if rule.use == "forbidden"]
        self.noticed = [(rule, re.compile(re.escape(rule.name), re.IGNORECASE))
                        for rule in settings.names if rule.use == "with-notice"]
        # name -> (first place seen, times seen); names whose notice a released file carries
        self.mentions: dict[str, tuple[Location, int]] = {}
        self.notices_seen: set[str] = set()

    def scan(self, path: str, lines: Iterable[tuple[int, str]], subject: str | None = None
             ) -> Iterator[Observation]:
        """Observations of personal data, internal hosts and restricted names on the
        numbered lines of one file (or of one file's lines added in a commit)."""
        say = self.speaker.say
        for number, line in lines:
            where = Location(path, number)
            for check, identity in self._personal(line):
                yield Observation(check, subject or path, where, say(check),
                                  fingerprint(identity))
            for glob, pattern in self.hosts:
                for match in pattern.finditer(line):
                    yield Observation("internal-host", subject or path, where,
                                      say("internal-host", pattern=glob),
                                      fingerprint(match.group(0).lower()))
            if self.networks:
                for match in _IPV4.finditer(line):
                    network = self._network(match.group(1))
                    if network is not None:
                        yield Observation("internal-host", subject or path, where,
                                          say("internal-address", network=network),
                                          fingerprint(match.group(1)))
            for name, pattern in self.forbidden:
                if pattern.search(line):
                    yield Observation("trademark", subject or path, where,
                                      say("trademark-forbidden", name=name),
                                      fingerprint(name))
            if subject is None:
                for rule, pattern in self.noticed:
                    if pattern.search(line):
                        first, count = self.mentions.get(rule.name, (where, 0))
                        self.mentions[rule.name] = (first, count + 1)

    def _personal(self, line: str) -> Iterator[tuple[str, str]]:
        if not any(c.isdigit() for c in line):
            return
        for match in _ID_CARD.finditer(line):
            if id_card_valid(match.group(0)):
                yield "personal-id", match.group(0)
        for match in _CARD.finditer(line):
            digits = re.sub(r"[ -]", "", match.group(1))
            if 16 <= len(digits) <= 19 and luhn_valid(digits):
                yield "bank-card", digits
        for match in _MOBILE.finditer(line):
            yield "mobile-number", match.group(1)

    def _network(self, text: str):
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return None
        return next((n for n in self.networks if address in n), None)

    def look_for_notices(self, lines: list[str]) -> None:
        """Note which restricted names' notices a released file carries (whitespace and
        case aside)."""
        if self.noticed:
            flat = " ".join(" ".join(lines).split()).lower()
            self.notices_seen |= {rule.name for rule, _ in self.noticed
                                  if rule.notice and " ".join(rule.notice.split()).lower()
                                  in flat}

    def notices_missing(self) -> Iterator[Observation]:
        """Names the policy lets appear only with their notice, seen without it."""
        for rule, _ in self.noticed:
            seen = self.mentions.get(rule.name)
            if seen is None or rule.name in self.notices_seen:
                continue
            first, count = seen
            yield Observation("trademark", first.path, first, self.speaker.say(
                "trademark-notice", name=rule.name, count=count, notice=rule.notice or ""),
                fingerprint(rule.name))


class SecretScanner:
    """detect-secrets with its default plugins and filters (its own `pragma: allowlist
    secret` comments respected); the value found is hashed into the observation's fingerprint,
    never kept."""

    def __init__(self, speaker: Speaker) -> None:
        from detect_secrets.settings import default_settings

        self.speaker = speaker
        self._settings = default_settings()
        settings = self._settings.__enter__()
        # A public IP address is no secret; internal addresses are the policy's to list.
        settings.disable_plugins("IPPublicDetector")

    def close(self) -> None:
        self._settings.__exit__(None, None, None)

    def file(self, root: Path, path: str) -> Iterator[Observation]:
        from detect_secrets.core.scan import scan_file

        say = self.speaker
        for secret in scan_file(str(root / path)):
            yield Observation("secret", path, Location(path, secret.line_number),
                              say.say("secret", kind=say.secret_kind(secret.type)),
                              fingerprint(secret.type + ":" + secret.secret_hash))

    def added_lines(self, commit: str, path: str, lines: list[tuple[int, str]]
                    ) -> Iterator[Observation]:
        """Secrets on lines a commit added: written to a file of the same name (the
        library's filters look at names), one line per added line, mapped back."""
        from detect_secrets.core.scan import scan_file

        say = self.speaker
        with tempfile.TemporaryDirectory(prefix="fincomp-history-") as folder:
            copy = Path(folder) / Path(path).name
            copy.write_text("\n".join(text for _, text in lines) + "\n", encoding="utf-8")
            for secret in scan_file(str(copy)):
                line = lines[secret.line_number - 1][0]
                yield Observation("secret-in-history", f"{path}@{commit[:12]}",
                                  Location(path, line), say.say(
                                      "secret-in-history", kind=say.secret_kind(secret.type),
                                      commit=commit[:12], path=path, line=line),
                                  fingerprint(secret.type + ":" + secret.secret_hash))
