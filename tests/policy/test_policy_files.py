"""Policy files: the shipped ones validate; malformed ones fail before any scan, naming the
file, the line and the schema path."""

from __future__ import annotations

import pytest

from fincompliance.errors import InputError
from fincompliance.policy.loader import SHIPPED, load_policy

from conftest import CORPUS, run_cli

GOOD_RULE = """\
  - id: R1
    article: art. 10
    action: deny
    when: {compatibility: incompatible}
"""


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_policy_validates_and_names_articles(name):
    policy = load_policy(name)
    assert policy.rules and all(rule.article.startswith("art. ") for rule in policy.rules.values())
    assert run_cli("policy", "validate", name).returncode == 0


def test_layering_replaces_rules_by_id_and_disables():
    strict = load_policy("strict")
    assert strict.rules["FIN-LIC-UNKNOWN"].action == "deny"          # overridden
    assert "FIN-LIC-REVIEW" in strict.rules                           # inherited
    tools = load_policy("internal-tools")
    assert tools.distribution == "internal-use" and "FIN-DEP-UNPINNED" not in tools.rules


MALFORMED = [
    ("bad yaml", "policy: p\nversion: 1\nrules: [\n", 4, "invalid YAML"),
    ("unknown top field", "policy: p\nversion: 1\ncolour: red\n", 3,
     "Additional properties are not allowed ('colour' was unexpected)"),
    ("wrong version", "policy: p\nversion: 2\n", 2, "version: 1 was expected"),
    ("action not known", f"policy: p\nversion: 1\nrules:\n{GOOD_RULE.replace('deny', 'block')}",
     6, "rules[0].action: 'block' is not one of"),
    ("missing article", "policy: p\nversion: 1\nrules:\n  - id: R1\n    action: deny\n"
     "    when: {unpinned: true}\n", 4, "'article' is a required property"),
    ("wrong type", "policy: p\nversion: 1\nrules:\n  - id: R1\n    article: art. 10\n"
     "    action: deny\n    when: {direct: 'yes'}\n", 7, "'yes' is not of type 'boolean'"),
    ("unknown condition", "policy: p\nversion: 1\nrules:\n  - id: R1\n    article: art. 10\n"
     "    action: deny\n    when: {colour: red}\n", 7, "('colour' was unexpected)"),
    ("unknown licence id", "policy: p\nversion: 1\nrules:\n  - id: R1\n    article: art. 10\n"
     "    action: deny\n    when:\n      license:\n        id: [MIT, GPL-4.0-only]\n", 9,
     "unknown licence id 'GPL-4.0-only'"),
    ("bad version range", "policy: p\nversion: 1\nrules:\n  - id: R1\n    article: art. 10\n"
     "    action: deny\n    when:\n      component: {name: log4j-core, version: '<<2.17'}\n",
     8, "'<<2.17' is not a version range"),
    ("duplicate rule id", f"policy: p\nversion: 1\nrules:\n{GOOD_RULE}{GOOD_RULE}", 8,
     "'R1' is used twice"),
    ("extends missing file", "policy: p\nversion: 1\nextends: nowhere.yaml\n", None,
     "nowhere.yaml: policy file not found"),
]


@pytest.mark.parametrize("label, text, line, message", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_policy_is_reported_with_file_line_and_schema_path(tmp_path, label, text, line,
                                                                     message):
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_policy(path)
    assert message in str(caught.value)
    if line is not None:
        assert caught.value.line == line and caught.value.path == str(path)
    if label in ("action not known", "wrong type", "unknown top field"):
        assert "(schema: /" in caught.value.message


def test_policy_that_extends_itself_is_refused(tmp_path):
    (tmp_path / "a.yaml").write_text("policy: a\nversion: 1\nextends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("policy: b\nversion: 1\nextends: a.yaml\n")
    with pytest.raises(InputError, match="extends itself"):
        load_policy(tmp_path / "a.yaml")


def test_validate_command_exits_2_with_one_line(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(MALFORMED[3][1])
    result = run_cli("policy", "validate", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert f"{path}:6: rules[0].action" in result.stderr


def test_init_writes_a_policy_that_validates(tmp_path):
    target = tmp_path / ".fincomp" / "policy.yaml"
    assert run_cli("policy", "init", "-o", str(target)).returncode == 0
    assert run_cli("policy", "validate", str(target)).returncode == 0
    again = run_cli("policy", "init", "-o", str(target))
    assert again.returncode == 2 and "exists already" in again.stderr


def test_show_prints_the_effective_policy():
    result = run_cli("policy", "show", "strict")
    assert result.returncode == 0
    assert "financial-default (shipped)" in result.stdout and "STRICT-LIC-COPYLEFT" in result.stdout
    assert CORPUS.exists()
