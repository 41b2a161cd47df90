"""What a third-party notice must carry for each component: copyright lines found in its
licence files, the NOTICE files Apache-2.0 asks to be carried, and the licence texts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from fincompliance.inputs import read_text
from fincompliance.licensing.expressions import terms
from fincompliance.licensing.knowledge import Knowledge, load
from fincompliance.model import Graph

_NOTICE_PREFIX = "notice"


@dataclass(frozen=True)
class Attribution:
    copyrights: tuple[str, ...]
    notices: tuple[tuple[str, str], ...]      # (file, text) of NOTICE files to carry


def collect(graph: Graph, root: Path, knowledge: Knowledge | None = None
            ) -> dict[str, Attribution]:
    """Per component ref; components must already carry a concluded licence."""
    knowledge = knowledge or load()
    found = {}
    for component in graph.sorted_components():
        expression = component.concluded.expression if component.concluded else ""
        carries_notice = any(
            "carry-notice-file" in (knowledge.get(t.licence).obligations
                                    if knowledge.get(t.licence) else ())
            for t in (terms(expression) if expression else []))
        copyrights: list[str] = []
        notices = []
        for relative in component.license_files:
            path = root / relative
            copyrights += _copyrights(str(path))
            if carries_notice and PurePosixPath(relative).name.lower().startswith(_NOTICE_PREFIX):
                notices.append((relative, read_text(path, relative).strip()))
        found[component.ref] = Attribution(tuple(dict.fromkeys(copyrights)), tuple(notices))
    return found


def _copyrights(path: str) -> list[str]:
    from scancode.api import get_copyrights

    return [c["copyright"] for c in get_copyrights(path)["copyrights"]]


@lru_cache(maxsize=1)
def _scancode_licences():
    from licensedcode.cache import get_licenses_db

    return get_licenses_db()


def licence_text(licence_id: str, knowledge: Knowledge | None = None) -> str | None:
    """The full text of a licence from the ScanCode LicenseDB, if it has one."""
    licence = (knowledge or load()).get(licence_id)
    if licence is None or licence.scancode_key is None:
        return None
    entry = _scancode_licences().get(licence.scancode_key)
    return entry.text.strip() if entry is not None and entry.text else None
