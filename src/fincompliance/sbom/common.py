"""What both SBOM formats need: stable identity, build time, licence ids, ecosystems."""

from __future__ import annotations

import hashlib
import uuid

from fincompliance import __version__
from fincompliance.model import PURL_TYPES, Graph

TOOL_NAME = "fincomp"
TOOL_VERSION = __version__
PROPERTY_PREFIX = "fincomp:"
ECOSYSTEM_BY_PURL_TYPE = {purl_type: ecosystem for ecosystem, purl_type in PURL_TYPES.items()}


def graph_digest(graph: Graph) -> str:
    """A digest of what the graph says, so the same scan gets the same document identity."""
    digest = hashlib.sha256()
    for ref in sorted(graph.projects):
        digest.update(f"P {ref}\n".encode())
    for component in graph.sorted_components():
        digest.update(f"C {component.ref} {component.scope.value} "
                      f"{component.declared_license}\n".encode())
    for source in sorted(graph.edges):
        for target in sorted(graph.edges[source]):
            digest.update(f"E {source} {target}\n".encode())
    return digest.hexdigest()


def document_uuid(graph: Graph, name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"fincomp:{name}:{graph_digest(graph)}")


