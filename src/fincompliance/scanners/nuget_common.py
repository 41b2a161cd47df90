"""What the .NET readers share: the component a NuGet package becomes."""

from __future__ import annotations

from fincompliance.model import Component, Hash, Location, make_purl

ECOSYSTEM = "nuget"


def package_component(name: str, version: str | None, location: Location,
                      hashes: tuple[Hash, ...] = (),
                      properties: tuple[tuple[str, str], ...] = ()) -> Component:
    purl = make_purl(ECOSYSTEM, name, version)
    return Component(ref=purl, ecosystem=ECOSYSTEM, name=name, version=version,
                     purl=purl, locations=(location,), hashes=hashes, properties=properties)
