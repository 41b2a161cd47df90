"""A release policy's `release_review:` section: who the institution is (copyright holders,
e-mail domains, contributor agreements), what must not leave it (internal hosts and
networks, names and marks), and which files the release leaves out or vendors."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

# Where projects keep third-party code they copied in.
DEFAULT_VENDORED = ("third_party/*", "third-party/*", "thirdparty/*", "3rdparty/*",
                    "vendor/*", "vendored/*", "external/*")


@dataclass(frozen=True)
class NameRule:
    name: str
    use: str                  # forbidden | with-notice
    notice: str | None = None


@dataclass(frozen=True)
class ReleaseSettings:
    copyright_holders: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    sign_off: str = "none"                 # dco: every commit signed off by its author
    cla: tuple[str, ...] = ()              # authors covered by a contributor agreement
    internal_hosts: tuple[str, ...] = ()   # host name patterns (*.bank.internal)
    internal_networks: tuple[str, ...] = ()
    names: tuple[NameRule, ...] = ()
    exclude: tuple[str, ...] = ()
    vendored: tuple[str, ...] = ()         # added to DEFAULT_VENDORED

    @classmethod
    def read(cls, section: dict[str, Any]) -> ReleaseSettings:
        values: dict[str, Any] = {k: tuple(v) for k, v in section.items()
                                  if isinstance(v, list) and k != "names"}
        if "sign_off" in section:
            values["sign_off"] = section["sign_off"]
        values["names"] = tuple(NameRule(n["name"], n["use"], n.get("notice"))
                                for n in section.get("names", ()))
        return cls(**values)

    def joined(self, later: ReleaseSettings) -> ReleaseSettings:
        """Lists add up through `extends:`; the later policy's sign-off rule wins when set."""
        values: dict[str, Any] = {}
        for field in fields(self):
            mine, theirs = getattr(self, field.name), getattr(later, field.name)
            values[field.name] = tuple(dict.fromkeys(mine + theirs)) \
                if isinstance(mine, tuple) else (theirs if theirs != "none" else mine)
        return ReleaseSettings(**values)

    @property
    def vendored_patterns(self) -> tuple[str, ...]:
        return DEFAULT_VENDORED + self.vendored

    def to_dict(self) -> dict[str, Any]:
        return {field.name: [vars(n) for n in self.names] if field.name == "names"
                else (list(value) if isinstance(value := getattr(self, field.name), tuple)
                      else value) for field in fields(self)}

    def __bool__(self) -> bool:
        return self != ReleaseSettings()
