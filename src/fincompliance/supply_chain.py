"""The institution's own packages and where they must come from: the facts behind a
policy's dependency-confusion conditions.

An attacker who publishes a package under a name an institution uses internally, on a public
registry its mirrors also proxy, gets code into its builds (dependency confusion). Two facts
show the risk: the public registry answers for an internal name (asked with `--online` of the
public registry the user configured), and a lockfile records an internal package as resolved
from a registry that is not one of the institution's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatch
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fincompliance.model import Component

# The registry a lockfile says the package was downloaded from (its base address).
REGISTRY_PROPERTY = "fincomp:registry"
# What the configured public registry answered for the name: its newest version, or NOT_PUBLIC.
NAMESAKE_PROPERTY = "fincomp:public-namesake"
NOT_PUBLIC = "none"
_SOURCE_PROPERTY = "fincomp:source"


@dataclass(frozen=True)
class InternalPackages:
    """A policy's `internal:` section: name patterns (`@bank/*`, `bank-*`, or a purl pattern
    such as `pkg:maven/com.bank.*`) and the addresses the institution publishes them at."""

    packages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.packages)

    def owns(self, component: Component) -> bool:
        return any(component.matches_purl(pattern) if pattern.startswith("pkg:")
                   else fnmatch(component.name, pattern) for pattern in self.packages)

    def foreign_origins(self, component: Component) -> list[str] | None:
        """The remote addresses the lockfile records the component as resolved from that are
        none of the institution's sources; None when it records no remote address."""
        remote = [where for where in origins(component) if "://" in where]
        if not remote:
            return None
        own = [_plain(source) for source in self.sources]
        return [where for where in remote if not any(_plain(where).startswith(prefix)
                                                     for prefix in own)]


NO_INTERNAL_PACKAGES = InternalPackages()


def origins(component: Component) -> list[str]:
    """Where the lockfile says the component came from: the registry, or a git, URL or
    local source (`git+https://…` read as its address)."""
    found = []
    for key, value in component.properties:
        if key == REGISTRY_PROPERTY:
            found.append(value)
        elif key == _SOURCE_PROPERTY:
            kind, plus, rest = value.partition("+")
            found.append(rest if plus and "://" in rest and "://" not in kind else value)
    return found


def public_namesake(component: Component) -> str | None:
    """The newest version the public registry holds under this name, NOT_PUBLIC when it
    holds none, None when it was not asked."""
    return dict(component.properties).get(NAMESAKE_PROPERTY)


def _plain(address: str) -> str:
    """An address compared by scheme, host and path, whatever the case of the host and a
    trailing slash (`https://NPM.bank.internal` is `https://npm.bank.internal/`)."""
    scheme, separator, rest = address.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}{separator}{host.lower()}/{path}".rstrip("/") + "/"
