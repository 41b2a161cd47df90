"""How many of a corpus project's components conclude a licence once the registry mirror
holds them, offline from the recorded answers and archives (tests/fixtures/registry), and a
hand-checked table of what they conclude.

The other ecosystems' tables sit beside their mirrors: npm (test_archives: eleven tarballs,
the lockfile's own licences as the check), crates and Go modules
(test_crate_and_module_archives), Maven (test_maven_repository), RubyGems, Composer and NuGet
(test_gem_and_composer_registries)."""

from __future__ import annotations

import json

from conftest import CORPUS, run_cli

LEGACY = CORPUS / "python/legacy-app"
UNKNOWN = "LicenseRef-fincomp-unknown"
# Checked by hand against each pin's licence file or metadata (2019 releases):
LEGACY_LICENCES = {
    "certifi": "MPL-2.0",                    # License: MPL-2.0
    # "either of the licenses found in LICENSE.APACHE or LICENSE.BSD", and the PSF licence
    # for the code derived from CPython
    "cryptography": "(BSD-3-Clause OR Apache-2.0) AND Python-2.0",
    "django": "BSD-3-Clause",                # LICENSE: the BSD 3-clause text
    "djangorestframework": "BSD-3-Clause",
    "idna": "BSD-3-Clause AND LicenseRef-scancode-unicode AND Python-2.0",  # LICENSE.rst
    "jinja2": "BSD-3-Clause",
    "numpy": "BSD-3-Clause",
    "pandas": "BSD-3-Clause",
    "pillow": "HPND",                        # License: HPND
    "python-dateutil": "Apache-2.0 AND BSD-3-Clause",  # later contributions Apache, rest BSD
    "pytz": "MIT", "pyyaml": "MIT", "requests": "Apache-2.0", "six": "MIT",
    "sqlalchemy": "MIT",                     # LICENSE: the MIT text
    "urllib3": "MIT",
}
# Not in the table, concluded as the files say but not as a reviewer would put it: chardet
# and paramiko (the LGPL 2.1 text alone reads as LGPL-2.1-only; their source headers say "or
# later"), lxml (LICENSES.txt names the GPL of a test runner the package does not ship),
# celery (its LICENSE puts the documentation under CC-BY-SA-4.0), psycopg2-binary (see
# test_archives).


def test_legacy_app_concludes_every_licence_from_the_mirror(mirror):
    _, env = mirror
    result = run_cli("scan", str(LEGACY), "--format", "json", "--online",
                     env=env)
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    concluded = {c["name"]: c["concluded_license"]["expression"]
                 for c in document["components"]}
    assert len(concluded) == 21
    known = sum(expression != UNKNOWN for expression in concluded.values())
    assert known / len(concluded) >= 0.98, {n: e for n, e in concluded.items() if e == UNKNOWN}
    assert {name: concluded[name] for name in LEGACY_LICENCES} == LEGACY_LICENCES
    # an old wheel without licence files gives way to the sdist, which has them
    chardet = next(c for c in document["components"] if c["name"] == "chardet")
    assert chardet["concluded_license"]["evidence"][-1].startswith(
        "chardet-3.0.4.tar.gz:chardet-3.0.4/LICENSE: ")
