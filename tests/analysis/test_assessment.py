"""Component assessment after GB/T 42927-2023: scores from real advisories, real registry
answers and the institution's own judgements, weighted by the model in YAML."""

from __future__ import annotations

import json

from conftest import CORPUS, run_cli

LEGACY = CORPUS / "python/legacy-app"
DJANGO = """assessments:
  - component: pkg:pypi/django
    assessor: Wang Fang, architecture office
    date: 2026-10-30
    note: Support contract with a local integrator
    scores: {service_support: 80, industry_recognition: 95, compatibility: 90,
             maintainability: 85, functional_fit: 90}
"""


def _assess(env, *extra):
    result = run_cli("assess", str(LEGACY), "--format", "json", *extra,
                     env={"FINCOMP_TODAY": "2026-11-23", **env})
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    return document, {c["name"]: c for c in document["components"]}


def test_every_score_names_its_inputs_and_the_grade_follows_the_model(mirror, pypa_db,
                                                                     tmp_path):
    _, env = mirror
    assessments = tmp_path / "assessments.yaml"
    assessments.write_text(DJANGO)
    document, by_name = _assess({**env, "FINCOMP_DB": str(pypa_db)}, "--online",
                                "--assessments", str(assessments))
    weights = {a["id"]: a["weight"] for a in document["model"]["attributes"]}
    assert sum(weights.values()) == 100
    django = by_name["django"]
    assert django["coverage"] == 1.0
    scores = {s["attribute"]: s for s in django["scores"]}
    assert scores["service_support"]["score"] == 80
    assert "Wang Fang" in scores["service_support"]["inputs"][0]
    assert scores["security"]["score"] == 0  # 22 advisories fixed in later 2.2 releases
    assert len(scores["security"]["inputs"]) == 22
    assert scores["vitality"]["inputs"] == ["newest release 6.1.3 20 days ago: 100"]
    expected = sum(weights[k] * s["score"] for k, s in scores.items()) / 100
    assert django["total"] == round(expected, 1)
    bands = document["model"]["grades"]
    assert django["grade"] == next(b["grade"] for b in bands if django["total"] >= b["min"])

    urllib3 = {s["attribute"]: s for s in by_name["urllib3"]["scores"]}
    # high (fixable: 25 x 0.5), two medium (fixable: 10 x 0.5 each), four unknown (5 each)
    assert urllib3["security"]["score"] == 100 - 12.5 - 5 - 5 - 4 * 5
    assert by_name["urllib3"]["coverage"] == 0.6  # licence, security, vitality


def test_without_data_an_attribute_is_not_assessed():
    document, by_name = _assess({})
    scores = {s["attribute"]: s for s in by_name["django"]["scores"]}
    assert scores["security"]["score"] is None
    assert scores["security"]["inputs"] == ["no vulnerability database (fincomp db update)"]
    assert scores["vitality"]["score"] is None
    assert by_name["django"]["coverage"] == 0.2  # the licence engine alone
    assert by_name["django"]["total"] == 30  # an unknown licence, nothing else known
    # a score from a fifth of the model is shown, but it earns no grade
    assert document["model"]["grade_min_coverage"] == 0.6
    assert by_name["django"]["grade"] is None


def test_the_institution_changes_the_model(tmp_path, pypa_db):
    model = tmp_path / "model.yaml"
    model.write_text("""model: bank-x
version: 1
attributes:
  - id: security
    name: {en: Security, zh-CN: 安全性}
    weight: 1
    source: security
    start: 100
    penalty: {critical: 50, high: 50, medium: 50, low: 50, unknown: 50}
grades:
  - {grade: pass, min: 50}
  - {grade: fail, min: 0}
""")
    _, by_name = _assess({"FINCOMP_DB": str(pypa_db)}, "--model", str(model))
    assert by_name["six"]["grade"] == "pass" and by_name["six"]["total"] == 100
    assert by_name["pyyaml"]["grade"] == "fail"


def test_a_bad_assessments_file_is_reported(tmp_path):
    assessments = tmp_path / "assessments.yaml"
    assessments.write_text(DJANGO.replace("functional_fit", "beauty"))
    result = run_cli("assess", str(LEGACY), "--assessments", str(assessments))
    assert result.returncode == 2
    assert result.stderr.startswith(f"fincomp: error: {assessments}:")
    assert "beauty is not an institution attribute of model fincomp-gbt-42927" in result.stderr


def test_security_is_not_assessed_where_no_advisory_of_the_ecosystem_was_looked_up(pypa_db):
    # PyPI advisories only: an npm component was never matched, so it earns no security
    # score (it scored 100, "no known vulnerability", before)
    result = run_cli("assess", str(CORPUS / "npm/express-app"), "--format", "json",
                     env={"FINCOMP_DB": str(pypa_db), "FINCOMP_TODAY": "2026-11-23"})
    assert result.returncode == 0, result.stderr
    components = json.loads(result.stdout)["components"]
    assert len(components) == 82
    for component in components:
        security = next(s for s in component["scores"] if s["attribute"] == "security")
        assert security["score"] is None
        assert security["inputs"] == ["no npm advisories in the vulnerability database"]
