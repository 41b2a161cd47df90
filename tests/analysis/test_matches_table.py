"""Hand-checked matches against the real PyPA advisory database: every pin of the 2019
service in the corpus, and the boundaries around fixes (the version before a fix, the fix
itself, a range that opens again later, a range introduced after the pinned version).

Each row was checked against the advisory files by reading their ranges; the explicit
`versions` lists of the same files agree with every row."""

from __future__ import annotations

import pytest

from fincompliance.analysis.vulndb import VulnerabilityDatabase
from fincompliance.analysis.vulnerabilities import match

TABLE = [
    ("django", "2.2.4", ["PYSEC-2019-15", "PYSEC-2019-16", "PYSEC-2020-31", "PYSEC-2020-32",
                         "PYSEC-2020-33", "PYSEC-2020-34", "PYSEC-2020-35", "PYSEC-2020-36",
                         "PYSEC-2021-439", "PYSEC-2021-6", "PYSEC-2021-7", "PYSEC-2021-8",
                         "PYSEC-2021-9", "PYSEC-2021-98", "PYSEC-2021-99", "PYSEC-2022-1",
                         "PYSEC-2022-19", "PYSEC-2022-190", "PYSEC-2022-191", "PYSEC-2022-2",
                         "PYSEC-2022-20", "PYSEC-2022-3"]),
    ("djangorestframework", "3.9.4", ["PYSEC-2020-263"]),
    ("requests", "2.21.0", ["PYSEC-2023-74"]),
    ("urllib3", "1.24.1", ["PYSEC-2019-132", "PYSEC-2019-133", "PYSEC-2020-148",
                           "PYSEC-2021-108", "PYSEC-2023-192", "PYSEC-2023-207",
                           "PYSEC-2023-212"]),
    ("jinja2", "2.10.1", ["PYSEC-2021-66"]),
    ("pyyaml", "5.1", ["PYSEC-2020-176", "PYSEC-2020-96", "PYSEC-2021-142"]),
    ("cryptography", "2.6.1", ["PYSEC-2021-62", "PYSEC-2023-11"]),
    ("paramiko", "2.4.2", ["PYSEC-2022-166"]),
    ("celery", "4.3.0", ["PYSEC-2021-858"]),
    ("sqlalchemy", "1.3.5", []),
    ("psycopg2-binary", "2.8.3", []),
    ("lxml", "4.3.4", ["PYSEC-2020-62", "PYSEC-2021-19", "PYSEC-2021-852", "PYSEC-2022-230"]),
    ("pillow", "6.0.0", ["PYSEC-2019-110", "PYSEC-2020-172", "PYSEC-2020-76", "PYSEC-2020-77",
                         "PYSEC-2020-78", "PYSEC-2020-79", "PYSEC-2020-80", "PYSEC-2020-81",
                         "PYSEC-2020-82", "PYSEC-2020-83", "PYSEC-2020-84", "PYSEC-2021-137",
                         "PYSEC-2021-138", "PYSEC-2021-139", "PYSEC-2021-317", "PYSEC-2021-331",
                         "PYSEC-2021-35", "PYSEC-2021-36", "PYSEC-2021-37", "PYSEC-2021-38",
                         "PYSEC-2021-39", "PYSEC-2021-40", "PYSEC-2021-41", "PYSEC-2021-42",
                         "PYSEC-2021-69", "PYSEC-2021-70", "PYSEC-2021-71", "PYSEC-2021-92",
                         "PYSEC-2021-93", "PYSEC-2021-94", "PYSEC-2022-10", "PYSEC-2022-168",
                         "PYSEC-2022-42979", "PYSEC-2022-8", "PYSEC-2022-9", "PYSEC-2023-175",
                         "PYSEC-2023-227"]),
    ("numpy", "1.16.4", ["PYSEC-2021-856", "PYSEC-2021-857"]),
    ("pandas", "0.24.2", ["PYSEC-2020-73"]),
    ("python-dateutil", "2.8.0", []),
    ("pytz", "2019.1", []),
    ("certifi", "2019.6.16", ["PYSEC-2022-42986", "PYSEC-2023-135"]),
    ("chardet", "3.0.4", []),
    ("idna", "2.8", ["PYSEC-2024-60"]),
    ("six", "1.12.0", []),
    # boundaries
    ("jinja2", "2.10", ["PYSEC-2019-217", "PYSEC-2021-66"]),   # 2019-217 is fixed in 2.10.1
    ("jinja2", "2.11.3", []),                                  # 2021-66 is fixed in 2.11.3
    ("urllib3", "1.26.16", ["PYSEC-2023-192", "PYSEC-2023-212"]),
    ("urllib3", "1.26.17", ["PYSEC-2023-212"]),                # fix of the 1.x line
    ("urllib3", "2.0.5", ["PYSEC-2023-192", "PYSEC-2023-212"]),  # the range opens again at 2.0.0
    ("urllib3", "2.0.6", ["PYSEC-2023-212"]),
    ("requests", "2.2.1", ["PYSEC-2014-13", "PYSEC-2014-14", "PYSEC-2015-17",
                           "PYSEC-2018-28"]),                  # 2023-74 starts at 2.3.0
    ("requests", "2.30.0", ["PYSEC-2023-74"]),
    ("requests", "2.31.0", []),
    ("idna", "3.6", ["PYSEC-2024-60"]),
    ("idna", "3.7", []),
    ("pyyaml", "5.3.1", ["PYSEC-2021-142"]),
    ("pyyaml", "5.4", []),
]


@pytest.fixture(scope="module")
def database(pypa_db):
    with VulnerabilityDatabase(pypa_db) as opened:
        yield opened


def test_the_table_is_large_enough():
    assert len(TABLE) >= 30


@pytest.mark.parametrize("name, version, expected", TABLE,
                         ids=[f"{n}-{v}" for n, v, _ in TABLE])
def test_hand_checked_matches(database, name, version, expected):
    found = match(version, ("PyPI", name), database.advisories_for("PyPI", name))
    ids = {i for v in found for i in (v.id, *v.aliases) if i.startswith("PYSEC-")}
    assert ids == set(expected)
    # one finding per issue: no two findings share an id or alias
    names = [i for v in found for i in (v.id, *v.aliases)]
    assert len(names) == len(set(names))
