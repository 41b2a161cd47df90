"""What a third-party notice must carry for each component: copyright lines found in its
licence files, the NOTICE files Apache-2.0 asks to be carried, and the licence texts."""

from __future__ import annotations

from collections.abc import Mapping
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


def collect(graph: Graph, root: Path, knowledge: Knowledge | None = None,
            archive_files: Mapping[str, list[tuple[str, str]]] | None = None
            ) -> dict[str, Attribution]:
    """Per component ref; components must already carry a concluded licence. The licence
    files read out of package archives (`--fetch-archives`: by ref, the name shown and the
    cached file) give copyrights and notices as installed ones do."""
    knowledge = knowledge or load()
    archive_files = archive_files or {}
    found = {}
    for component in graph.sorted_components():
        expression = component.concluded.expression if component.concluded else ""
        carries_notice = any(
            "carry-notice-file" in (knowledge.get(t.licence).obligations
                                    if knowledge.get(t.licence) else ())
            for t in (terms(expression) if expression else []))
        copyrights: list[str] = []
        notices = []
        files = [(relative, root / relative) for relative in component.license_files]
        files += [(shown, Path(cached)) for shown, cached in archive_files.get(component.ref, ())]
        for shown, path in files:
            copyrights += _copyrights(str(path))
            if carries_notice and PurePosixPath(shown).name.lower().startswith(_NOTICE_PREFIX):
                notices.append((shown, read_text(path, shown).strip()))
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
