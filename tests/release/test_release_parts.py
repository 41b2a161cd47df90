"""The release review's parts on their own: the checksums that tell personal data from
other numbers, the patterns the policy lists, the policy section's errors, and a repository
that tries to make git run its commands."""

from __future__ import annotations

import json
import subprocess

import pytest
from repository import Repository, generated

from fincompliance.release.content import LineChecks, id_card_valid, luhn_valid
from fincompliance.release.settings import NameRule, ReleaseSettings
from fincompliance.release.texts import Speaker

from conftest import run_cli

PLANTED = generated()


def test_a_resident_identity_card_number_needs_its_check_digit_and_a_real_birth_date():
    number = PLANTED.id_card
    assert id_card_valid(number)
    wrong_check = number[:17] + ("0" if number[17] != "0" else "1")
    assert not id_card_valid(wrong_check)
    assert not id_card_valid(number[:10] + "0230" + number[14:])   # 30 February


def test_a_bank_card_number_needs_the_luhn_check():
    assert luhn_valid(PLANTED.bank_card)
    last = int(PLANTED.bank_card[-1])
    assert not luhn_valid(PLANTED.bank_card[:-1] + str((last + 1) % 10))


def _seen(line: str, settings: ReleaseSettings | None = None) -> list[str]:
    checks = LineChecks(settings or ReleaseSettings(), Speaker())
    return sorted(o.check for o in checks.scan("f.txt", [(1, line)]))


def test_personal_data_is_told_from_hashes_timestamps_and_other_numbers():
    assert _seen(f"id={PLANTED.id_card}") == ["personal-id"]
    assert _seen(f"card: {PLANTED.bank_card[:4]} {PLANTED.bank_card[4:8]} "
                 f"{PLANTED.bank_card[8:12]} {PLANTED.bank_card[12:]}") == ["bank-card"]
    assert _seen(f"tel +86 {PLANTED.mobile}") == ["mobile-number"]
    # inside a base64 or hex run, in a longer number, a millisecond timestamp: nothing
    assert _seen(f"sha512-Qx{PLANTED.id_card}Zk==") == []
    assert _seen(f"9{PLANTED.bank_card}9") == []
    assert _seen("created_at = 1764288000123") == []


def test_internal_hosts_and_networks_are_the_policys_patterns_only():
    settings = ReleaseSettings(internal_hosts=("*.example-bank.internal",),
                               internal_networks=("10.0.0.0/8",))
    assert _seen("https://core.example-bank.internal/api", settings) == ["internal-host"]
    assert _seen("ldap://a.b.EXAMPLE-BANK.internal", settings) == ["internal-host"]
    for elsewhere in ("example-bank.internal.attacker.example", "notexample-bank.internal",
                      "version 10.1.2.3.4", "11.0.0.1", "https://example.com"):
        assert _seen(elsewhere, settings) == [], elsewhere
    assert _seen("peer = 10.12.0.5", settings) == ["internal-host"]


def test_a_forbidden_name_is_found_whatever_its_case_and_a_noticed_one_only_without_notice():
    settings = ReleaseSettings(names=(NameRule("ExampleBank", "forbidden"),
                                      NameRule("PayNow", "with-notice", "PayNow is a mark.")))
    assert _seen("built for EXAMPLEBANK", settings) == ["trademark"]
    checks = LineChecks(settings, Speaker())
    list(checks.scan("README.md", [(3, "Try PayNow today")]))
    checks.look_for_notices(["no notice here"])
    assert [o.location.line for o in checks.notices_missing()] == [3]
    checks.look_for_notices(["… PayNow", "  is a MARK. …"])
    assert list(checks.notices_missing()) == []


def test_release_check_in_a_condition_with_others_is_a_one_line_error(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("policy: p\nversion: 1\nrules:\n  - id: X\n    article: art. 13\n"
                      "    action: deny\n    when:\n      all:\n        - {release_check: secret}\n"
                      "        - {ecosystem: npm}\n", encoding="utf-8")
    result = run_cli("policy", "validate", str(policy))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert f"{policy}:9" in result.stderr and "stands alone" in result.stderr


def test_an_unknown_release_review_key_names_its_line(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("policy: p\nversion: 1\nextends: release-default\nrelease_review:\n"
                      "  copyright_holder: Example Bank\n", encoding="utf-8")
    result = run_cli("policy", "validate", str(policy))
    assert result.returncode == 2 and f"{policy}:5" in result.stderr


def test_the_shipped_release_policy_validates_and_every_rule_speaks_chinese():
    result = run_cli("policy", "show", "release-default")
    assert result.returncode == 0, result.stderr
    from fincompliance.policy.loader import load_policy

    policy = load_policy("release-default")
    assert all(rule.translations.get("zh-CN") for rule in policy.rules.values())
    assert {rule.article for rule in policy.rules.values()} == {"art. 13", "art. 20"}


@pytest.mark.parametrize("setting", ["core.fsmonitor", "core.pager", "diff.external"])
def test_a_repository_cannot_make_git_run_its_commands(tmp_path, setting):
    marker = tmp_path / "ran"
    repo = Repository(tmp_path / "hostile")
    repo.write("app.py", "# SPDX-License-Identifier: MulanPSL-2.0\n")
    repo.commit("first", "Alice Wang", "alice@example-bank.com")
    repo.write("app.py", "# SPDX-License-Identifier: MulanPSL-2.0\nx = 1\n")
    repo.commit("second", "Alice Wang", "alice@example-bank.com")
    subprocess.run(["git", "-C", str(repo.root), "config", setting, f"touch {marker}"],
                   check=True)
    result = run_cli("release-check", str(repo.root), "--history", "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    assert not marker.exists()


def test_a_link_out_of_the_repository_and_a_binary_file_are_not_read_and_are_said(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text(f"AWS_ACCESS_KEY_ID = '{PLANTED.aws_key}'\n", encoding="utf-8")
    repo = Repository(tmp_path / "linked")
    (repo.root / "LICENSE").symlink_to(outside)
    (repo.root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0" + PLANTED.aws_key.encode())
    repo.write("app.py", "# SPDX-License-Identifier: MulanPSL-2.0\n")
    repo.commit("first", "Alice Wang", "alice@example-bank.com")
    result = run_cli("release-check", str(repo.root), "--format", "json")
    document = json.loads(result.stdout)
    assert [(f["rule"], f["why"][0]) for f in document["findings"]] == [
        ("REL-LICENSE-FILE", "LICENSE: no licence recognised in it; the release is declared "
         "MulanPSL-2.0")]
    (unread,) = [u for u in document["not_checked"] if u["check"] == "secret"]
    assert unread["what"] == "the content of 2 files"
    assert unread["which"] == "binary: 1, over the size limit or a link: 1"
    assert PLANTED.aws_key not in result.stdout + result.stderr


def test_reading_in_two_workers_finds_what_reading_in_process_finds(tmp_path, monkeypatch):
    from datetime import date

    from fincompliance.policy.loader import load_policy
    from fincompliance.release import review as release_review

    repo = Repository(tmp_path / "large")
    header = "# SPDX-License-Identifier: MulanPSL-2.0\n"
    for number in range(260):
        repo.write(f"src/m{number:03d}.py", header + f"VALUE = {number}\n")
    repo.write("src/m005.py", header + "NAME = 'ExampleBank Pay'\n")       # first chunk
    repo.write("src/m210.py", "VALUE = 210\n")                              # no header
    repo.write("src/m230.py", header + "# Copyright (c) 2026 Example Bank Co., Ltd.\n")
    repo.write("src/m240.py", header + "# ExampleBank Pay is a mark of Example Bank.\n")
    repo.write("src/m250.py", header + f"KEY = '{PLANTED.aws_key}'\n")
    repo.write("LICENSE", "see src\n")
    repo.commit("many files", "Alice Wang", "alice@example-bank.com")
    policy = load_policy("release-default")
    policy.release = ReleaseSettings(
        copyright_holders=("Example Bank Co., Ltd.",), sign_off="dco",
        names=(NameRule("ExampleBank Pay", "with-notice",
                        "ExampleBank Pay is a mark of Example Bank."),))

    def findings() -> list[tuple[str, str]]:
        review = release_review.review_release(
            repo.root, policy, release_review.ReleaseOptions(history=True), on=date.today())
        return sorted((f.rule, f.component) for f in review.judgement.findings)

    in_workers = findings()
    monkeypatch.setattr(release_review, "_PARALLEL_FROM", 10**9)
    assert findings() == in_workers == [
        ("REL-LICENSE-FILE", "LICENSE"), ("REL-LICENSE-HEADER", "src/m210.py:1"),
        ("REL-SECRET", "src/m250.py:2")]


def test_a_folder_of_a_monorepo_is_reviewed_with_its_own_commits_and_paths(tmp_path):
    repo = Repository(tmp_path / "mono")
    repo.write("other/app.py", f"KEY = '{PLANTED.aws_key}'\n")
    repo.commit("another project", "Bob Li", "bob@elsewhere.example", signed_off=False)
    repo.write("payments/LICENSE", "see NOTICE\n")
    repo.write("payments/app.py", "# SPDX-License-Identifier: MulanPSL-2.0\n"
               f"TOKEN = '{PLANTED.github_token}'\n")
    repo.commit("payments", "Alice Wang", "alice@example-bank.com")
    repo.write("payments/app.py", "# SPDX-License-Identifier: MulanPSL-2.0\n")
    repo.commit("no token", "Alice Wang", "alice@example-bank.com")
    result = run_cli("release-check", str(repo.root / "payments"), "--history", "--format",
                     "json")
    document = json.loads(result.stdout)
    assert document["commits"] == 2               # not the other project's commit
    assert [(f["rule"], f["location"]) for f in document["findings"]
            if f["rule"] != "REL-LICENSE-FILE"] == [("REL-SECRET-HISTORY", "app.py:2")]
