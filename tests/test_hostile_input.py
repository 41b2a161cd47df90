"""Hostile and broken input ends in one clear line and exit 2, or a bounded scan; never a
traceback, never a hang."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import CORPUS, run_cli


def _assert_one_line_error(result, *fragments):
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_truncated_package_lock_names_file_and_line(tmp_path):
    text = (CORPUS / "npm/express-app/package-lock.json").read_text()
    (tmp_path / "package-lock.json").write_text(text[: len(text) // 2])
    result = run_cli("scan", str(tmp_path))
    _assert_one_line_error(result, "package-lock.json:", "invalid JSON")
    line = int(result.stderr.split("package-lock.json:")[1].split(":")[0])
    assert line == text[: len(text) // 2].count("\n") + 1


def test_truncated_uv_lock_names_file_and_line(tmp_path):
    text = (CORPUS / "python/pydantic/uv.lock").read_text()
    cut = text[: text.index('version = "', 5000) + 13]  # inside a string
    (tmp_path / "uv.lock").write_text(cut)
    _assert_one_line_error(run_cli("scan", str(tmp_path)), "uv.lock:", "invalid TOML")


def test_lockfile_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "package-lock.json"
    entry = ',\n    "node_modules/pad{}": {{"version": "1.0.0", "license": "MIT"}}'
    with path.open("w") as handle:
        handle.write('{"lockfileVersion": 3, "packages": {"": {}')
        written, number = 0, 0
        while written < 200 * 1024 * 1024:
            chunk = "".join(entry.format(number + i) for i in range(10_000))
            handle.write(chunk)
            written += len(chunk)
            number += 10_000
        handle.write("}}\n")
    assert path.stat().st_size > 200 * 1024 * 1024
    result = run_cli("scan", str(tmp_path))
    _assert_one_line_error(result, "package-lock.json", "over the", "FINCOMP_MAX_FILE_SIZE")


@pytest.mark.parametrize("name, document", [
    ("package-lock.json", "[" * 10_000 + "]" * 10_000),
    ("pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages: " + "{a: " * 10_000 + "}" * 10_000),
    ("pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages: " + "[" * 10_000 + "]" * 10_000),
    ("poetry.lock", "a = " + "[" * 10_000 + "]" * 10_000 + "\n"),
], ids=["json-arrays", "yaml-mappings", "yaml-sequences", "toml-arrays"])
def test_deep_nesting_is_refused(tmp_path, name, document):
    (tmp_path / name).write_text(document)
    result = run_cli("scan", str(tmp_path), timeout=120)
    _assert_one_line_error(result, name)


def test_yaml_alias_bomb_is_bounded(tmp_path):
    lines = ['lockfileVersion: "9.0"', "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    lines += ["packages: *a11"]
    (tmp_path / "pnpm-lock.yaml").write_text("\n".join(lines) + "\n")
    result = run_cli("scan", str(tmp_path), timeout=60)
    _assert_one_line_error(result, "pnpm-lock.yaml", "refused: YAML aliases expand")


def test_invalid_utf8_names_the_line(tmp_path):
    (tmp_path / "requirements.txt").write_bytes(b"six==1.16.0\nidna==3.6\nr\xe9quests==2.0\n")
    _assert_one_line_error(run_cli("scan", str(tmp_path)),
                           "requirements.txt:3:", "not valid UTF-8")


def test_symlink_loops_and_links_out_of_the_tree_are_not_followed(tmp_path):
    shutil.copy(CORPUS / "npm/express-app/package-lock.json", tmp_path / "package-lock.json")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "back").symlink_to(tmp_path / "sub", target_is_directory=True)
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "requirements.txt").write_text("six==1.16.0\n")
    (tmp_path / "requirements.txt").symlink_to(outside / "requirements.txt")
    result = run_cli("scan", str(tmp_path), "--format", "json", timeout=60)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert len(document["components"]) == 82
    assert not any(c["name"] == "six" for c in document["components"])


def test_wrong_shape_is_an_input_error(tmp_path):
    (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": []}')
    _assert_one_line_error(run_cli("scan", str(tmp_path)), "package-lock.json")


def test_keep_going_scans_the_rest_and_still_exits_2(tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir(), bad.mkdir()
    shutil.copy(CORPUS / "npm/express-app/package-lock.json", good / "package-lock.json")
    (bad / "yarn.lock").write_text("# yarn lockfile v1\n\nleft-pad@^1.0.0\n  version 1\n")
    result = run_cli("scan", str(tmp_path), "--keep-going", "--format", "json")
    assert result.returncode == 2
    document = json.loads(result.stdout)
    assert len(document["components"]) == 82
    assert document["errors"][0]["path"] == "bad/yarn.lock"
    assert "bad/yarn.lock:3:" in result.stderr and "Traceback" not in result.stderr
    without = run_cli("scan", str(tmp_path))
    _assert_one_line_error(without, "bad/yarn.lock:3:")


LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE bom [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;">]>\n'
          '<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component '
          'type="library"><name>&c;</name></component></components></bom>\n')
EXTERNAL = ('<?xml version="1.0"?>\n<!DOCTYPE bom [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
            '<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component '
            'type="library"><name>&secret;</name></component></components></bom>\n')


@pytest.mark.parametrize("text", [LAUGHS, EXTERNAL], ids=["billion-laughs", "external-entity"])
def test_cyclonedx_xml_with_entities_is_refused(tmp_path, text):
    (tmp_path / "bom.xml").write_text(text)
    result = run_cli("check", str(tmp_path / "bom.xml"), "--policy", "financial-default")
    _assert_one_line_error(result, "bom.xml", "refused: XML with", "DTDs are not allowed")
    scanned = run_cli("scan", str(tmp_path))
    _assert_one_line_error(scanned, "bom.xml", "refused")
