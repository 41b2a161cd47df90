"""The terminal summary fits a screen for real repositories (80 lines at 120 columns) while
`--verbose` still lists everything."""

from __future__ import annotations

import json

import pytest

from conftest import CORPUS, REPO, run_cli

SCREEN_LINES, SCREEN_COLUMNS = 80, 120


@pytest.mark.parametrize("target, policy", [
    (CORPUS / "npm/vite", None),
    (CORPUS / "npm/vite", "financial-default"),
    (CORPUS / "go/prometheus", "financial-default"),
    (REPO / "examples/payments-service", "financial-default"),
], ids=["vite", "vite-policy", "prometheus-policy", "example-policy"])
def test_the_summary_fits_a_screen(target, policy):
    result = run_cli("scan", str(target), *(("--policy", policy) if policy else ()))
    lines = result.stdout.splitlines()
    assert len(lines) <= SCREEN_LINES, result.stdout
    assert max(len(line) for line in lines) <= SCREEN_COLUMNS
    assert lines[0].startswith(f"Scanned {target.name}: ")
    if policy:
        assert lines[-1].startswith(("PASS: ", "FAIL: "))
        assert "findings to act on" in result.stdout


def test_workspace_members_are_folded_under_their_lockfile():
    result = run_cli("scan", str(CORPUS / "npm/vite"))
    projects = result.stdout.split("Projects\n", 1)[1].split("\n\n", 1)[0].splitlines()
    (row,) = [line for line in projects if line.startswith("pnpm-lock.yaml")]
    assert "279: " in row and row.rstrip().endswith("1,405")


def test_verbose_lists_everything():
    target = CORPUS / "npm/vite"
    document = json.loads(run_cli("scan", str(target), "--format", "json").stdout)
    names = {c["name"] for c in document["components"]}
    verbose = run_cli("scan", str(target), "--policy", "financial-default", "--verbose").stdout
    unknown = verbose.split("Licences to look at\n", 1)[1].split("\n\n", 1)[0]
    assert {line.split()[0] for line in unknown.splitlines()} == names
    assert verbose.count("\nWARNING ") == 630


def test_findings_say_what_where_and_what_to_do():
    result = run_cli("scan", str(REPO / "examples/payments-service"), "--policy", "strict")
    finding = result.stdout.split("\nERROR   ", 1)[1].split("\n\n", 1)[0]
    first, *details = finding.splitlines()
    assert first.startswith("FIN-LIC-UNKNOWN  ") and " (art. 10)  id " in first
    labels = [line.split()[0] for line in details]
    assert labels[:1] == ["why"] and {"path", "at", "do"} <= set(labels)
    at = next(line for line in details if line.split()[0] == "at").split()[1]
    assert at.split(":")[0] in {"backend/requirements.txt", "backend/pyproject.toml",
                                "web/package-lock.json"}  # whole, never broken


def test_the_current_folder_has_a_name():
    result = run_cli("scan", ".", cwd=REPO / "examples/payments-service")
    assert result.stdout.startswith("Scanned payments-service: ")


def test_the_assessment_table_fits_120_columns_with_nothing_cut():
    target = REPO / "examples/payments-service"
    document = json.loads(run_cli("assess", str(target), "--format", "json").stdout)
    lines = run_cli("assess", str(target), "--lang", "en").stdout.splitlines()
    assert max(len(line) for line in lines) <= SCREEN_COLUMNS
    header = next(line for line in lines if line.startswith("component"))
    assert header.split() == ["component", "grade", "score", "coverage",
                              *(f"A{n}" for n in range(1, len(document["model"]["attributes"])
                                                       + 1))]
    rows = [line for line in lines if line.split() and line.split()[-1] in {"-", "100"}
            and not line.startswith("  A")]
    assert len(rows) == len(document["components"])  # one line per component
    legend = [line.split(None, 2)[2] for line in lines if line.startswith("  A")]
    assert legend == [a["names"]["en"] for a in document["model"]["attributes"]]


def test_the_assessment_table_in_chinese_fits_the_screen_and_says_nothing_in_english():
    from rich.cells import cell_len

    target = REPO / "examples/payments-service"
    lines = run_cli("assess", str(target), "--lang", "zh-CN").stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= SCREEN_COLUMNS
    assert lines[0].startswith("组件评估（") and lines[1].split()[:4] == ["组件", "等级", "得分",
                                                                      "覆盖率"]
    assert any("不予评级" in line for line in lines)
    assert any(line.startswith("得分为 0-100") for line in lines)
    for english in ("Scores are", "withheld", "not assessed", "component"):
        assert not any(english in line for line in lines), english
