"""The ledger on SQLite and on the real PostgreSQL: recording corpus projects, the exact
diff after a lockfile edit, portfolio queries, lifecycle decisions, tamper evidence,
crashes, concurrency and migrations."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime

from openpyxl import load_workbook
from sqlalchemy import MetaData, create_engine, func, select, text

from fincompliance.ledger.schema import scans
from fincompliance.ledger.store import open_ledger, upgrade

from conftest import CORPUS, FIXTURES, run_cli

EXPRESS = CORPUS / "npm/express-app/package-lock.json"
# Six corpus projects that all use the npm package "ms".
PROJECTS = {"express-app": "npm/express-app/package-lock.json",
            "bookstack": "npm/bookstack/package-lock.json",
            "prettier": "npm/prettier/yarn.lock",
            "yarn1-app": "npm/yarn1-app/yarn.lock",
            "vite": "npm/vite/pnpm-lock.yaml",
            "vue2": "npm/vue2/pnpm-lock.yaml"}


def _record(ledger, target, project, *extra):
    result = run_cli("scan", str(target), "--record", "--ledger", ledger, "--project", project,
                     "--format", "json", *extra)
    assert result.returncode in (0, 1), result.stderr
    assert "recorded as scan" in result.stderr
    return json.loads(result.stdout)


def _ledger(ledger, *args):
    result = run_cli("ledger", *args, "--ledger", ledger)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_record_and_diff_an_edited_lockfile(ledger_url, tmp_path):
    project = tmp_path / "payments-web"
    project.mkdir()
    shutil.copy(EXPRESS, project / "package-lock.json")
    _record(ledger_url, project, "payments-web", "--policy", "financial-default",
            "--owner", "Li Wei", "--business-system", "Payments")
    lock = json.loads(EXPRESS.read_text())
    lock["packages"]["node_modules/axios"]["version"] = "1.7.9"          # a downgrade
    lock["packages"]["node_modules/debug"]["version"] = "4.4.9"          # an upgrade
    lock["packages"]["node_modules/lodash"]["license"] = "BUSL-1.1"      # a relicensing
    del lock["packages"]["node_modules/proxy-from-env"]                  # removed
    lock["packages"][""]["dependencies"]["left-pad"] = "^1.3.0"          # added
    lock["packages"]["node_modules/left-pad"] = {"version": "1.3.0", "license": "WTFPL"}
    (project / "package-lock.json").write_text(json.dumps(lock, indent=2))
    _record(ledger_url, project, "payments-web", "--policy", "financial-default")

    diff = json.loads(_ledger(ledger_url, "diff", "payments-web", "--format", "json"))
    versions_before = {json.loads(EXPRESS.read_text())["packages"][f"node_modules/{n}"]
                       ["version"] for n in ("debug",)}
    assert diff["added"] == [{"package": "pkg:npm/left-pad", "name": "left-pad",
                              "version": "1.3.0", "licence": "WTFPL"}]
    assert [r["name"] for r in diff["removed"]] == ["proxy-from-env"]
    assert diff["downgraded"] == [{"package": "pkg:npm/axios", "name": "axios",
                                   "from": "1.21.1", "to": "1.7.9"}]
    assert diff["upgraded"] == [{"package": "pkg:npm/debug", "name": "debug",
                                 "from": versions_before.pop(), "to": "4.4.9"}]
    assert diff["licence_changes"] == [{"package": "pkg:npm/lodash", "name": "lodash",
                                        "version": "4.18.1", "from": "MIT", "to": "BUSL-1.1"}]
    assert {(f["rule"], f["component_ref"]) for f in diff["new_findings"]} >= {
        ("FIN-LIC-NON-OPEN", "pkg:npm/lodash@4.18.1")}
    shown = json.loads(_ledger(ledger_url, "show", "payments-web", "--format", "json"))
    assert shown["project"]["owner"] == "Li Wei"
    assert shown["project"]["business_system"] == "Payments"
    assert _ledger(ledger_url, "verify").startswith("ledger verified: 3 entries")
    history = json.loads(_ledger(ledger_url, "history", "pkg:npm/axios", "--format", "json"))
    assert [(h["version"], h["scans"], h["in_latest_scan"]) for h in history] == [
        ("1.21.1", 1, False), ("1.7.9", 1, True)]


def test_affected_across_projects_with_paths(ledger_url):
    graphs = {}
    for name, path in PROJECTS.items():
        graphs[name] = _record(ledger_url, CORPUS / path, name)
    rows = json.loads(_ledger(ledger_url, "affected", "ms", "--format", "json"))
    assert {r["project"] for r in rows} == set(PROJECTS)
    assert [r["scan"] for r in rows] == sorted((r["scan"] for r in rows), reverse=True)
    for row in rows:
        document = graphs[row["project"]]
        names = {c["ref"]: f"{c['name']}@{c['version']}" for c in document["components"]}
        edges = {(names.get(c["ref"]), names.get(d)) for c in document["components"]
                 for d in c["dependencies"]}
        edges |= {(p["name"], names.get(d)) for p in document["projects"]
                  for d in p["dependencies"]}
        steps = row["path"].split(" > ")
        assert steps[-1] == f"ms@{row['version']}"
        assert all(pair in edges for pair in zip(steps, steps[1:], strict=False)), row
    ranged = json.loads(_ledger(ledger_url, "affected", "ms <2.1", "--format", "json"))
    assert ranged and all(r["version"].startswith(("2.0.", "0.", "1.")) for r in ranged)
    history = json.loads(_ledger(ledger_url, "history", "pkg:npm/ms", "--format", "json"))
    assert {h["project"] for h in history} == set(PROJECTS)


def test_lifecycle_decisions_are_facts_for_policy(ledger_url, tmp_path):
    shutil.copy(EXPRESS, tmp_path / "package-lock.json")
    # decided before any scan has seen the packages: only with --force
    unseen = run_cli("ledger", "approve", "pkg:npm/express", "--actor", "Li Wei", "--reason",
                     "introduction approved, ticket OSS-7", "--ledger", ledger_url)
    assert unseen.returncode == 2 and unseen.stderr.count("\n") == 1
    assert ("pkg:npm/express: no recorded scan has seen this package" in unseen.stderr
            and "--force" in unseen.stderr)
    _ledger(ledger_url, "approve", "pkg:npm/express", "--actor", "Li Wei", "--reason",
            "introduction approved, ticket OSS-7", "--force")
    _ledger(ledger_url, "retire", "pkg:npm/lodash", "--versions", "<5", "--actor",
            "Zhang San", "--reason", "exit notice: replaced by native functions", "--force")
    document = _record(ledger_url, tmp_path, "web", "--policy", "financial-default")
    rules = {(f["rule"], f["name"]) for f in document["findings"]
             if f["rule"].startswith("FIN-LIFE")}
    assert rules == {("FIN-LIFE-RETIRED", "lodash"), ("FIN-LIFE-UNAPPROVED", "axios")}
    register = list(csv.DictReader(io.StringIO(
        _ledger(ledger_url, "export", "--lang", "en").removeprefix("\ufeff"))))
    states = {r["Component"]: (r["Lifecycle state"], r["Decided by"]) for r in register}
    assert states["express"] == ("Approved", "Li Wei")
    assert states["lodash"] == ("Retired", "Zhang San") and states["axios"] == ("Unregistered", "")
    assert {r["Reason and reference"] for r in register if r["Component"] == "express"} == {
        "introduction approved, ticket OSS-7"}
    bad = run_cli("ledger", "approve", "pkg:npm/express@5", "--actor", "x", "--reason", "y",
                  "--ledger", ledger_url)
    assert bad.returncode == 2 and "purl without version" in bad.stderr
    # a typo is refused, and nothing is written: the chain keeps what it is given for ever
    typo = run_cli("ledger", "approve", "pkg:npm/expres", "--actor", "x", "--reason", "y",
                   "--ledger", ledger_url)
    assert typo.returncode == 2 and "pkg:npm/expres: no recorded scan" in typo.stderr
    decided = json.loads(_ledger(ledger_url, "decisions", "--format", "json"))
    assert [(d["package"], d["versions"], d["state"], d["actor"]) for d in decided] == [
        ("pkg:npm/express", "*", "approved", "Li Wei"),
        ("pkg:npm/lodash", "<5", "retired", "Zhang San")]
    assert decided[0]["reason"] == "introduction approved, ticket OSS-7"
    assert decided[0]["at"] < decided[1]["at"]
    only = json.loads(_ledger(ledger_url, "decisions", "pkg:npm/lodash", "--format", "json"))
    assert [d["state"] for d in only] == ["retired"]
    table = _ledger(ledger_url, "decisions")
    assert "Zhang San" in table and "exit notice" in table


def test_affected_answers_for_each_projects_latest_scan(ledger_url, tmp_path):
    """web upgraded lodash after its first scan; api never did."""
    lock = json.loads(EXPRESS.read_text())
    lock["packages"]["node_modules/lodash"]["version"] = "4.17.20"
    for name in ("web", "api"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "package-lock.json").write_text(json.dumps(lock))
        _record(ledger_url, tmp_path / name, name)
    shutil.copy(EXPRESS, tmp_path / "web" / "package-lock.json")      # lodash 4.18.1
    _record(ledger_url, tmp_path / "web", "web")
    now = json.loads(_ledger(ledger_url, "affected", "lodash <4.17.21", "--format", "json"))
    assert [(r["project"], r["version"]) for r in now] == [("api", "4.17.20")]
    ever = json.loads(_ledger(ledger_url, "affected", "lodash <4.17.21", "--all-scans",
                              "--format", "json"))
    assert [(r["project"], r["scan"]) for r in ever] == [("api", 2), ("web", 1)]
    current = json.loads(_ledger(ledger_url, "affected", "pkg:npm/lodash", "--format", "json"))
    assert sorted((r["project"], r["version"]) for r in current) == [
        ("api", "4.17.20"), ("web", "4.18.1")]


def test_register_export_as_a_workbook(ledger_url, tmp_path):
    """The register as a Chinese compliance officer opens it: Chinese headers and values,
    real dates, columns wide enough; and a CSV that Excel reads as UTF-8."""
    _record(ledger_url, EXPRESS, "web", "--owner", "李伟", "--business-system", "支付系统")
    _ledger(ledger_url, "approve", "pkg:npm/express", "--actor", "王芳", "--reason",
            "架构评审通过，审批编号 OSS-7")
    workbook = tmp_path / "register.xlsx"
    _ledger(ledger_url, "export", "--format", "xlsx", "-o", str(workbook), "--lang", "zh-CN")
    sheet = load_workbook(workbook)["开源软件台账"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:6] == ("项目", "使用部门", "业务系统", "责任人", "代码仓库", "组件名称")
    assert {"获取渠道", "支持方式", "供应商", "合同或协议编号"} <= set(header)
    assert {"决策人", "决策理由及审批编号", "评估等级", "首次引入时间（UTC）",
            "最近扫描时间（UTC）"} <= set(header)
    assert len(rows) == 1 + 82
    by_name = {row[header.index("组件名称")]: dict(zip(header, row, strict=True))
               for row in rows[1:]}
    express = by_name["express"]
    assert express["责任人"] == "李伟" and express["业务系统"] == "支付系统"
    assert (express["生命周期状态"], express["决策人"]) == ("已批准", "王芳")
    assert express["直接依赖"] == "是" and express["依赖范围"] == "必需"
    assert by_name["axios"]["生命周期状态"] == "未登记"
    # recorded without an advisory database: no count where nothing was looked up
    assert {row["漏洞数"] for row in by_name.values()} == {"未比对"}
    first, last = express["首次引入时间（UTC）"], express["最近扫描时间（UTC）"]
    assert isinstance(first, datetime) and first == last and first.microsecond == 0
    # every column at least as wide as its header and its longest value (Chinese counts
    # double), up to 60 characters
    for index, name in enumerate(header, start=1):
        letter = sheet.cell(1, index).column_letter
        cells = [name, *(str(row[index - 1]) for row in rows[1:] if row[index - 1] is not None
                         and not isinstance(row[index - 1], datetime))]
        needed = max(sum(2 if ord(c) > 0x2E7F else 1 for c in text) for text in cells)
        assert sheet.column_dimensions[letter].width >= min(needed, 60), name
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    exported = run_cli("ledger", "export", "--lang", "zh-CN", "--ledger", ledger_url)
    raw = exported.stdout.encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf\xe9\xa1\xb9\xe7\x9b\xae")        # BOM, then 项目
    table = list(csv.reader(io.StringIO(exported.stdout.removeprefix("\ufeff"))))
    assert table[0] == list(header) and len(table) == 1 + 82
    when = table[1][header.index("最近扫描时间（UTC）")]
    assert when == last.strftime("%Y-%m-%d %H:%M:%S UTC")


def test_register_facts_per_project_and_package(ledger_url):
    """The institution's own register fields: stated about a project, a package, or a
    package in one project; the most specific statement wins, a cleared one lets the less
    specific show again; each statement is a chained entry, listed, and a typo is refused."""
    _record(ledger_url, EXPRESS, "web", "--business-system", "支付系统")
    _record(ledger_url, CORPUS / "npm/yarn1-app/yarn.lock", "other")
    _ledger(ledger_url, "set", "--project", "web", "--department", "零售金融部",
            "--business-system", "手机银行", "--acquisition-channel", "内部镜像",
            "--actor", "李伟")
    _ledger(ledger_url, "set", "pkg:npm/ms", "--supplier", "某某科技有限公司",
            "--support-mode", "商业支持", "--contract", "HT-2026-031", "--actor", "王芳")
    _ledger(ledger_url, "set", "pkg:npm/ms", "--project", "web", "--contract", "HT-2026-099",
            "--actor", "王芳")
    _ledger(ledger_url, "set", "pkg:npm/ms", "--project", "other", "--supplier", "自研维护",
            "--actor", "王芳")
    _ledger(ledger_url, "set", "pkg:npm/ms", "--project", "other", "--supplier", "",
            "--actor", "王芳")
    typo = run_cli("ledger", "set", "pkg:npm/mss", "--supplier", "x", "--actor", "王芳",
                   "--ledger", ledger_url)
    assert typo.returncode == 2 and typo.stderr.count("\n") == 1
    assert "pkg:npm/mss: no recorded scan has seen this package" in typo.stderr
    nowhere = run_cli("ledger", "set", "pkg:npm/axios", "--project", "other",
                      "--supplier", "x", "--actor", "王芳", "--ledger", ledger_url)
    assert nowhere.returncode == 2 and "no recorded scan in other" in nowhere.stderr
    unnamed = run_cli("ledger", "set", "--project", "web", "--supplier", "x",
                      "--ledger", ledger_url)
    assert unnamed.returncode == 2 and "--actor" in unnamed.stderr

    exported = _ledger(ledger_url, "export", "--lang", "en").removeprefix("\ufeff")
    rows = {(r["Project"], r["Component"]): r for r in csv.DictReader(io.StringIO(exported))}
    web_ms, other_ms = rows[("web", "ms")], rows[("other", "ms")]
    web_express = rows[("web", "express")]
    assert (web_ms["Using department"], web_ms["Business system"],
            web_ms["Acquisition channel"]) == ("零售金融部", "手机银行", "内部镜像")
    assert (web_ms["Supplier"], web_ms["Support mode"], web_ms["Contract or agreement"]) \
        == ("某某科技有限公司", "商业支持", "HT-2026-099")
    assert (web_express["Supplier"], web_express["Contract or agreement"]) == ("", "")
    assert web_express["Using department"] == "零售金融部"
    # cleared in "other": the package-wide supplier shows again; nothing of web's leaks
    assert (other_ms["Supplier"], other_ms["Contract or agreement"],
            other_ms["Using department"]) == ("某某科技有限公司", "HT-2026-031", "")

    listed = {p["name"]: (p["department"], p["business_system"]) for p in json.loads(
        _ledger(ledger_url, "projects", "--format", "json"))}
    assert listed == {"web": ("零售金融部", "手机银行"), "other": (None, None)}
    stated = json.loads(_ledger(ledger_url, "facts", "pkg:npm/ms", "--format", "json"))
    assert [(s["project"], s["facts"], s["actor"]) for s in stated] == [
        (None, {"contract": "HT-2026-031", "supplier": "某某科技有限公司",
                "support_mode": "商业支持"}, "王芳"),
        ("web", {"contract": "HT-2026-099"}, "王芳"),
        ("other", {"supplier": "自研维护"}, "王芳"),
        ("other", {"supplier": None}, "王芳")]
    # the project's own business system is a new version of the project: one entry more
    assert _ledger(ledger_url, "verify").startswith("ledger verified: 10 entries")
    engine = create_engine(ledger_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE register_facts SET facts = '{\"supplier\": \"x\"}' "
                                "WHERE id = 2"))
    result = run_cli("ledger", "verify", "--ledger", ledger_url, "--full")
    engine.dispose()
    assert result.returncode == 1
    assert "(facts 2," in result.stdout and "its facts rows were changed" in result.stdout


def test_editing_a_row_is_detected_and_named(ledger_url):
    _record(ledger_url, EXPRESS, "web")
    _record(ledger_url, CORPUS / "npm/yarn1-app/yarn.lock", "other")
    engine = create_engine(ledger_url)
    where = "WHERE name = 'form-data' AND scan_id = 1"
    with engine.begin() as connection:
        original = connection.execute(text(f"SELECT licence FROM scan_components {where}")
                                      ).scalar()
        connection.execute(text(f"UPDATE scan_components SET licence = 'GPL-3.0-only' {where}"))
    result = run_cli("ledger", "verify", "--ledger", ledger_url)
    assert result.returncode == 1
    assert "FAILED after 1 good entries: entry 2 (scan 1," in result.stdout
    assert "its scan rows were changed since they were recorded" in result.stdout
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE scan_components SET licence = :original {where}"),
                           {"original": original})
    assert _ledger(ledger_url, "verify").startswith("ledger verified: 4 entries")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM ledger_entries WHERE seq = 1"))
    result = run_cli("ledger", "verify", "--ledger", ledger_url)
    assert result.returncode == 1 and "entry 1 is missing" in result.stdout
    engine.dispose()


def test_a_repeated_verification_recomputes_only_new_entries(ledger_url):
    """A checkpoint spares the rows already verified, never the chain: an older entry
    rewritten still fails; a row of an older scan edited in place is what only `--full`
    sees, and the output says which rows were recomputed."""
    _record(ledger_url, EXPRESS, "web")
    first = _ledger(ledger_url, "verify")
    assert first.startswith("ledger verified: 2 entries, every entry's rows recomputed")
    again = _ledger(ledger_url, "verify")
    assert again.startswith("ledger verified: 2 entries, chain walked, no new entries since "
                            "the verification of 20")
    _record(ledger_url, CORPUS / "npm/yarn1-app/yarn.lock", "other")
    newer = _ledger(ledger_url, "verify")
    assert newer.startswith("ledger verified: 4 entries, rows recomputed for entries 3-4, "
                            "those of entries 1-2 as verified on 20")
    engine = create_engine(ledger_url)
    where = "WHERE name = 'form-data' AND scan_id = 1"
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE scan_components SET licence = 'GPL-3.0-only' {where}"))
    assert _ledger(ledger_url, "verify").startswith("ledger verified: 4 entries, chain walked")
    full = run_cli("ledger", "verify", "--full", "--ledger", ledger_url)
    assert full.returncode == 1
    assert "entry 2 (scan 1," in full.stdout and "rows were changed" in full.stdout
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE scan_components SET licence = 'MIT' {where}"))
        connection.execute(text("UPDATE ledger_entries SET digest = :d WHERE seq = 2"),
                           {"d": "0" * 64})
    rewritten = run_cli("ledger", "verify", "--ledger", ledger_url)
    assert rewritten.returncode == 1 and "entry 2 (scan 1," in rewritten.stdout
    assert "the entry was edited" in rewritten.stdout
    engine.dispose()


def test_a_killed_recording_leaves_the_ledger_as_it_was(ledger_url):
    _record(ledger_url, EXPRESS, "web")
    engine = open_ledger(ledger_url)
    process = subprocess.Popen(
        [sys.executable, "-m", "fincompliance", "scan", str(CORPUS / "npm/vite/pnpm-lock.yaml"),
         "--record", "--ledger", ledger_url, "--project", "vite"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if _writing(engine, ledger_url):
            break
        time.sleep(0.005)
    assert process.poll() is None, "the recording finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(scans)).scalar() == 1
    engine.dispose()
    assert _ledger(ledger_url, "verify").startswith("ledger verified: 2 entries")
    _record(ledger_url, EXPRESS, "web")  # and it takes the next recording
    assert _ledger(ledger_url, "verify").startswith("ledger verified: 3 entries")


def _writing(engine, url) -> bool:
    """A recording transaction is open: SQLite's journal exists, or PostgreSQL shows a
    session of the recorder inside a transaction that has written."""
    if url.startswith("sqlite:///"):
        return os.path.exists(engine.url.database + "-journal")
    with engine.connect() as connection:
        return bool(connection.execute(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
            "AND l.locktype = 'relation' AND l.mode = 'RowExclusiveLock'")).scalar())


RECORDER = """
import sys
from pathlib import Path
from fincompliance.ledger.record import ProjectInfo, ScanInfo, record_scan
from fincompliance.ledger.store import open_ledger
from fincompliance.scan import scan
url, worker = sys.argv[1], sys.argv[2]
graph = scan(Path(sys.argv[3])).graph
engine = open_ledger(url)
for n in range(int(sys.argv[4])):
    record_scan(engine, ProjectInfo(f"project-{worker}"), ScanInfo(f"run {n}"), graph)
"""


def _eight_recorders(ledger_url, scans_each: int) -> list[dict]:
    """Eight processes recording `scans_each` scans each at once; the projects after."""
    workers = [subprocess.Popen([sys.executable, "-c", RECORDER, ledger_url, str(w),
                                 str(CORPUS / "npm/yarn1-app/yarn.lock"), str(scans_each)],
                                stderr=subprocess.PIPE, text=True) for w in range(8)]
    for worker in workers:
        _, errors = worker.communicate(timeout=600)
        assert worker.returncode == 0, errors
    return json.loads(_ledger(ledger_url, "projects", "--format", "json"))


def test_concurrent_recorders_lose_nothing(ledger_url):
    open_ledger(ledger_url).dispose()  # schema in place before the race
    projects = _eight_recorders(ledger_url, 20)
    assert len(projects) == 8 and {p["scans"] for p in projects} == {20}
    assert _ledger(ledger_url, "verify").startswith("ledger verified: 168 entries")


def test_upgrade_from_the_first_schema_keeps_a_populated_ledger(ledger_url):
    # Rows an earlier fincomp wrote at schema 0001 (tests/fixtures/ledger/README.md),
    # copied as they are into this database, then brought up to date by a command.
    written = create_engine(f"sqlite:///{FIXTURES / 'ledger' / 'schema-0001.sqlite3'}")
    engine = create_engine(ledger_url)
    if ledger_url.startswith("sqlite"):
        engine.dispose()
        engine = open_ledger(ledger_url, migrate=False)
    upgrade(engine, "0001")
    old = MetaData()
    old.reflect(written)
    with written.connect() as source, engine.begin() as target:
        for table in old.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [dict(r) for r in source.execute(table.select()).mappings()]
            target.execute(table.delete())
            if rows:
                target.execute(table.insert(), rows)
            if target.dialect.name == "postgresql" and "id" in table.c and rows:
                # Copied ids leave PostgreSQL's sequences behind; a restore sets them too.
                target.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                    f"'id'), {max(r['id'] for r in rows)})"))
    engine.dispose()
    # upgrades; 0004 adds the project's first version as an entry
    assert _ledger(ledger_url, "verify").startswith("ledger verified: 4 entries")
    with create_engine(ledger_url).connect() as connection:
        tables = set(connection.dialect.get_table_names(connection))
    assert {"lifecycle_events", "scan_waivers"} <= tables
    _ledger(ledger_url, "approve", "pkg:npm/express", "--actor", "a", "--reason", "b",
            "--force")      # before its first scan
    _record(ledger_url, EXPRESS, "web", "--business-system", "Payments")
    assert _ledger(ledger_url, "verify").startswith("ledger verified: 7 entries")
    projects = json.loads(_ledger(ledger_url, "projects", "--format", "json"))
    assert projects[0]["scans"] == 4 and projects[0]["business_system"] == "Payments"


def test_a_delivered_sbom_is_recorded(ledger_url, tmp_path):
    sbom = tmp_path / "vendor-portal.cdx.json"
    made = run_cli("sbom", str(EXPRESS), "--format", "cyclonedx-json", "-o", str(sbom))
    assert made.returncode == 0, made.stderr
    result = run_cli("ledger", "record", str(sbom), "--ledger", ledger_url, "--owner",
                     "Vendor X", "--policy", "financial-default")
    assert result.returncode == 0, result.stderr
    assert "recorded as scan 1 of vendor-portal.cdx" in result.stderr
    shown = json.loads(_ledger(ledger_url, "show", "vendor-portal.cdx", "--format", "json"))
    assert len(shown["components"]) == 82 and shown["scan"]["source"] == sbom.name
    assert shown["scan"]["policy_name"] == "financial-default"


def test_concurrent_first_writers_on_a_new_database(ledger_url):
    # Eight CI jobs recording into a ledger nobody has opened yet: all of them race to
    # create the schema (PostgreSQL serialises the migration with an advisory lock).
    projects = _eight_recorders(ledger_url, 5)
    assert len(projects) == 8 and sum(p["scans"] for p in projects) == 40
    assert _ledger(ledger_url, "verify").startswith("ledger verified: 48 entries")


# Row ids of the tables below a scan are surrogate keys that say nothing (a component,
# finding or waiver row reads the same under another id); every other column is evidence.
_MEANINGLESS = {("scan_components", "id"), ("scan_findings", "id"), ("scan_waivers", "id"),
                ("release_reviews", "id"), ("known_licences", "id")}


def test_editing_any_column_of_any_ledger_table_is_caught(ledger_url, tmp_path):
    from fincompliance.ledger.verify import verify

    project = tmp_path / "web"
    (project / ".fincomp").mkdir(parents=True)
    shutil.copy(EXPRESS, project / "package-lock.json")
    (project / ".fincomp" / "waivers.yaml").write_text(
        "waivers:\n  - component: pkg:npm/axios\n    rule: '*'\n    reason: vendor patch\n"
        "    approver: Wang Fang\n    expires: 2099-01-01\n    ticket: GRC-7\n")
    _record(ledger_url, project, "web", "--policy", "financial-default", "--owner", "Li Wei",
            "--business-system", "Payments", "--repository", "git@example.internal:web.git")
    _ledger(ledger_url, "approve", "pkg:npm/express", "--actor", "Zhang San", "--reason", "ok")
    _ledger(ledger_url, "set", "pkg:npm/express", "--project", "web", "--supplier", "Vendor",
            "--actor", "Zhang San")
    # a knowledge batch with a conclusion in it (an institution curation)
    curated = run_cli("knowledge", "curate", "pkg:npm/express@4.19.2", "--licence", "MIT",
                      "--reason", "read the licence file", "--actor", "Zhang San",
                      "--ledger", ledger_url)
    assert curated.returncode == 0, curated.stderr
    # a release review, so that its row is tampered with too
    review = run_cli("release-check", str(project), "--ledger", ledger_url, "--record",
                     "--project", "web", "--signed-off-by", "Wang Fang")
    assert "recorded as scan" in review.stderr, review.stderr
    engine = open_ledger(ledger_url)
    # The tampering is done the way someone with the database's credentials would: a plain
    # client (SQLite does not enforce foreign keys unless asked; fincomp asks).
    raw = create_engine(ledger_url)
    assert verify(engine).ok
    tables = MetaData()
    tables.reflect(engine)
    edited = 0
    for table in tables.sorted_tables:
        # verification checkpoints are notes about the chain, not facts in it (their own
        # test is test_a_repeated_verification_recomputes_only_new_entries)
        if table.name in ("alembic_version", "verify_checkpoints"):
            continue
        for column in table.columns:
            if (table.name, column.name) in _MEANINGLESS:
                continue
            with engine.begin() as connection:
                row = connection.execute(table.select().limit(1)).mappings().first()
            assert row is not None, f"{table.name} has no row to edit"
            key = {c.name: row[c.name] for c in table.primary_key.columns}
            match = [table.c[k] == v for k, v in key.items()]
            tampered = _other_value(row[column.name])
            with raw.begin() as connection:
                _as_an_administrator(connection)
                connection.execute(table.update().where(*match).values(
                    {column.name: tampered}))
            result = verify(engine)
            restored = [table.c[k] == (tampered if k == column.name else v)
                        for k, v in key.items()]
            with raw.begin() as connection:
                _as_an_administrator(connection)
                connection.execute(table.update().where(*restored).values(
                    {column.name: row[column.name]}))
            assert not result.ok, f"{table.name}.{column.name} edited and not caught"
            edited += 1
            assert verify(engine).ok, f"{table.name}.{column.name} not restored"
    assert edited > 60
    engine.dispose()
    raw.dispose()


def _as_an_administrator(connection) -> None:
    """PostgreSQL enforces foreign keys with triggers, which its superuser can switch off."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL session_replication_role = replica"))


def _other_value(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1000
    if value is None:
        return "tampered"
    # the last character changed, so the column's length limit still holds
    return value[:-1] + ("y" if value.endswith("x") else "x")


def test_a_tampered_scan_is_named_wherever_it_falls_among_the_batches(ledger_url):
    """`ledger verify` reads scans' rows a batch at a time: a row edited in a scan of a later
    batch, and a scan whose rows were deleted, are each named as the entry they are."""
    from fincompliance.ledger.record import ProjectInfo, ScanInfo, record_scan
    from fincompliance.ledger.verify import verify
    from fincompliance.scan import scan

    # two lockfiles in turn, so that each scan stores rows of its own
    graphs = [scan(CORPUS / path).graph for path in ("npm/yarn1-app/yarn.lock",
                                                     "npm/express-app/package-lock.json")]
    engine = open_ledger(ledger_url)
    ids = [record_scan(engine, ProjectInfo("web"), ScanInfo("test"), graphs[index % 2])
           for index in range(230)]      # 231 entries: the project's, then the scans'
    whole = verify(engine)
    assert whole.ok and whole.entries == 231
    with engine.begin() as connection:
        seq = connection.execute(select(scans.c.entry_seq).where(scans.c.id == ids[215])
                                 ).scalar()
        connection.execute(text("UPDATE scan_components SET version = '0.0.1' WHERE id = "
                                "(SELECT MIN(id) FROM scan_components WHERE scan_id = :s)"),
                           {"s": ids[215]})
    found = verify(engine)
    assert found.entries == seq - 1 and found.problem.startswith(f"entry {seq} (scan {ids[215]},")
    assert found.problem.endswith("its scan rows were changed since they were recorded")
    with engine.begin() as connection:
        for table in ("scan_components", "scan_findings", "scans"):
            column = "id" if table == "scans" else "scan_id"
            connection.execute(text(f"DELETE FROM {table} WHERE {column} >= :s"),
                               {"s": ids[3]})
    gone = verify(engine)
    assert gone.problem.startswith(f"entry 5 (scan {ids[3]},")
    assert gone.problem.endswith("its scan rows are gone")
    engine.dispose()


def test_entry_digests_are_the_standard_librarys_json(ledger_url):
    """Digests are taken over the bytes `json.dumps(sort_keys, compact, ensure_ascii=False)`
    writes, as every ledger has been digested; orjson writes them faster. The two agree on
    every character and on a recorded scan, and no ledger column stores a float (where they
    would not agree)."""
    from sqlalchemy import Float, Numeric

    from fincompliance.ledger.record import scan_content
    from fincompliance.ledger.schema import metadata
    from fincompliance.ledger.store import canonical

    def standard(document):
        return json.dumps(document, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()

    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    assert canonical(every) == standard(every)
    assert canonical({"键": "\x00\t\u2028é😀", "a": [True, None, -1, 2**53]}) == \
        standard({"键": "\x00\t\u2028é😀", "a": [True, None, -1, 2**53]})
    _record(ledger_url, EXPRESS, "支付网关", "--policy", "financial-default")
    engine = open_ledger(ledger_url)
    with engine.connect() as connection:
        content = scan_content(connection, 1)
    assert content["project"] == "支付网关"
    assert any("台账" in finding.get("texts", "") for finding in content["findings"])
    assert canonical(content) == standard(content)
    floats = [f"{t.name}.{c.name}" for t in metadata.sorted_tables for c in t.columns
              if isinstance(c.type, Float | Numeric)]
    assert floats == []
    engine.dispose()


def test_a_scan_that_repeats_the_one_before_shares_its_rows(ledger_url, tmp_path):
    """Daily scans of an unchanged repository store their component rows once; every query
    answers for each scan as if it had its own, an edit of the shared rows breaks the entry
    that stored them, and a changed lockfile stores new rows."""
    project = tmp_path / "web"
    project.mkdir()
    shutil.copy(EXPRESS, project / "package-lock.json")
    first = _record(ledger_url, project, "web")
    for _ in range(2):
        _record(ledger_url, project, "web")
    lock = json.loads(EXPRESS.read_text())
    lock["packages"]["node_modules/debug"]["version"] = "4.4.9"
    (project / "package-lock.json").write_text(json.dumps(lock))
    _record(ledger_url, project, "web")
    engine = create_engine(ledger_url)
    with engine.connect() as connection:
        stored = dict(connection.execute(text(
            "SELECT scan_id, COUNT(*) FROM scan_components GROUP BY scan_id")).all())
        sources = [row[0] for row in connection.execute(text(
            "SELECT components_from FROM scans ORDER BY id"))]
    count = len(first["components"])
    assert sources == [1, 1, 1, 4] and stored == {1: count, 4: count}
    listed = json.loads(_ledger(ledger_url, "projects", "--format", "json"))
    assert listed[0]["scans"] == 4 and listed[0]["components"] == count
    shown = json.loads(_ledger(ledger_url, "show", "web", "--scan", "3", "--format", "json"))
    assert len(shown["components"]) == count
    kinds = ("added", "removed", "upgraded", "downgraded", "licence_changes")
    same = json.loads(_ledger(ledger_url, "diff", "web", "2", "3", "--format", "json"))
    assert not any(same[kind] for kind in kinds)
    assert _ledger(ledger_url, "diff", "web", "2", "3").splitlines() == [
        "web: scan 2 -> scan 3", "no components added, removed or changed in version or "
        "licence, no new or fixed vulnerabilities, no new findings"]
    changed = json.loads(_ledger(ledger_url, "diff", "web", "3", "4", "--format", "json"))
    assert [(kind, len(changed[kind])) for kind in kinds if changed[kind]] == [("upgraded", 1)]
    affected = json.loads(_ledger(ledger_url, "affected", "debug", "--all-scans",
                                  "--format", "json"))
    assert sorted(row["scan"] for row in affected) == [1, 2, 3, 4]
    history = json.loads(_ledger(ledger_url, "history", "pkg:npm/debug", "--format", "json"))
    assert {(h["version"], h["scans"]) for h in history} == {
        (next(c["version"] for c in first["components"] if c["name"] == "debug"), 3),
        ("4.4.9", 1)}
    assert _ledger(ledger_url, "verify").startswith("ledger verified: 5 entries")
    with engine.begin() as connection:
        connection.execute(text("UPDATE scan_components SET licence = 'GPL-3.0-only' "
                                "WHERE scan_id = 1 AND name = 'form-data'"))
    tampered = run_cli("ledger", "verify", "--full", "--ledger", ledger_url)
    assert tampered.returncode == 1
    assert "entry 2 (scan 1," in tampered.stdout and "rows were changed" in tampered.stdout
    engine.dispose()


def test_a_ledger_of_a_newer_fincomp_is_refused_in_one_line(ledger_url):
    _record(ledger_url, EXPRESS, "web")
    engine = create_engine(ledger_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    result = run_cli("ledger", "projects", "--ledger", ledger_url)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert "its schema is revision 0099, which this fincomp" in result.stderr
