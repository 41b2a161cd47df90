"""The `fincomp` command line: parses options, runs the stages, picks the reporter.

It holds no logic of its own; every decision lives in the stage it belongs to.
"""

from __future__ import annotations

import dataclasses
import gc
import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from typer.core import TyperGroup

from fincompliance import __version__
from fincompliance.clock import today
from fincompliance.errors import FincompError, UsageError, one_line
from fincompliance.inputs import read_text
from fincompliance.language import LANGUAGES, default_language, parse_language
from fincompliance.locations import vulnerability_db
from fincompliance.product import PROPRIETARY, Distribution
from fincompliance.supply_chain import NO_INTERNAL_PACKAGES, InternalPackages

# The stages and reporters load when a command runs, not for `--help` or a usage error.
if TYPE_CHECKING:
    from fincompliance.licensing.knowledge import Curation
    from fincompliance.policy.baseline import Baseline
    from fincompliance.policy.loader import Policy
    from fincompliance.policy.waivers import Waiver
    from fincompliance.scan import ScanResult


class _Commands(TyperGroup):
    """The top-level commands, also under the spelling every output uses (`licences`)."""

    aliases = {"licences": "licenses"}

    def get_command(self, ctx, cmd_name: str):
        return super().get_command(ctx, self.aliases.get(cmd_name, cmd_name))


app = typer.Typer(
    name="fincomp", cls=_Commands,
    help="SBOM and licence-compliance scanning for financial institutions.\n\n"
         "Reads lockfiles, manifests and installed trees (never runs the project's code, "
         "never uses the network unless told to) and writes SBOMs and reports.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_show_locals=False,
    rich_markup_mode=None)
# Piped output is read by people too (CI logs): give tables room instead of 80 columns.
# No emoji codes: a path such as `proj:x:backup` must print as written.
stdout = Console(highlight=False, emoji=False, width=None if sys.stdout.isatty() else 120)
stderr = Console(stderr=True, highlight=False, emoji=False)

EXIT_PASS, EXIT_POLICY_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class ScanFormat(StrEnum):
    table = "table"
    json = "json"


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"
    codequality = "codequality"


class SbomFormat(StrEnum):
    cyclonedx_json = "cyclonedx-json"
    cyclonedx_xml = "cyclonedx-xml"
    spdx_json = "spdx-json"
    spdx_tv = "spdx-tv"



def _sbom_writer(sbom_format: SbomFormat):
    # Imported here, and only the one asked for: the SBOM libraries take most of start-up.
    if sbom_format in (SbomFormat.cyclonedx_json, SbomFormat.cyclonedx_xml):
        from fincompliance.sbom import cyclonedx

        return cyclonedx.write_json if sbom_format is SbomFormat.cyclonedx_json \
            else cyclonedx.write_xml
    from fincompliance.sbom import spdx

    return spdx.write_json if sbom_format is SbomFormat.spdx_json else spdx.write_tag_value

PathArgument = Annotated[Path, typer.Argument(
    metavar="PATH", help="A folder to scan (or a single lockfile or manifest).",
    show_default=False)]
InstalledOption = Annotated[bool, typer.Option(
    "--installed", help="Also read installed trees: node_modules and virtual environments.")]
RootfsOption = Annotated[bool, typer.Option(
    "--rootfs", help="PATH is an operating system's root filesystem (a container's or a "
    "machine's): read its package databases and installed trees, skip /proc, /sys, /dev. "
    "A `docker save` tarball as PATH is read this way without this flag.")]
KeepGoingOption = Annotated[bool, typer.Option(
    "--keep-going", help="Report bad files and scan the rest (exit code stays 2).")]
ExcludeOption = Annotated[list[str] | None, typer.Option(
    "--exclude", metavar="GLOB", help="Skip paths matching this glob (repeatable).",
    show_default=False)]
OutputOption = Annotated[Path | None, typer.Option(
    "--output", "-o", metavar="FILE", help="Write to this file instead of standard output.",
    show_default=False)]
CurationsOption = Annotated[list[Path] | None, typer.Option(
    "--curations", metavar="FILE",
    help="Reviewed licence conclusions of your institution (YAML, repeatable; "
    "see licenses/curations.yaml).", show_default=False)]
OutboundOption = Annotated[str, typer.Option(
    "--outbound", metavar="SPDX-ID",
    help="The product's own licence; LicenseRef-fincomp-proprietary for a closed product.")]
OnlineOption = Annotated[bool, typer.Option(
    "--online", help="Also ask the configured registry mirrors: release history, deprecated "
    "and yanked versions, declared licences, and for a package whose metadata names no "
    "licence precisely (a Go module, an old wheel) the archive the lockfile pins, checked "
    "against its hash (a mismatch is refused), for its licence files. Off by default: a scan "
    "sends nothing.")]
FetchArchivesOption = Annotated[bool, typer.Option(
    "--fetch-archives", help="With --online: read every package's archive, not only those "
    "whose metadata names no licence (declared against detected licences for all, copyright "
    "lines for a notice); each checked against the lockfile's or mirror's hash, cached by "
    "digest.")]
DistributionOption = Annotated[Distribution, typer.Option(
    "--distribution", help="How the product reaches people.")]

licenses_app = typer.Typer(help="Licence knowledge and licence review.", no_args_is_help=True)
app.add_typer(licenses_app, name="licenses")
policy_app = typer.Typer(help="Institution policies: check, show, start one.",
                         no_args_is_help=True)
app.add_typer(policy_app, name="policy")
ledger_app = typer.Typer(help="The open-source ledger (台账): recorded scans, queries, "
                         "lifecycle decisions, tamper evidence.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
knowledge_app = typer.Typer(
    help="The licence knowledge store in the ledger: what the institution already knows "
    "about package versions' licences, used by every scan that can read the ledger.",
    no_args_is_help=True)
app.add_typer(knowledge_app, name="knowledge")
db_app = typer.Typer(help="The local vulnerability database (OSV data, offline).",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")


def _version(value: bool) -> None:
    if value:
        stdout.print(f"fincomp {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False
                 ) -> None:
    """SBOM and licence-compliance scanning for financial institutions."""


@contextmanager
def user_errors() -> Iterator[None]:
    """Bad input or usage: one line on stderr and exit 2, never a traceback."""
    try:
        yield
    except FincompError as error:
        print_error(str(error))
        raise typer.Exit(error.exit_code) from None
    except OSError as error:
        # a path the user named that the system refuses (too long, unreadable, a loop)
        where = f"{error.filename}: " if error.filename is not None else ""
        print_error(f"{where}{error.strerror or error}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except Exception as error:
        # A database error can only come from the ledger, which loads SQLAlchemy on use.
        database = sys.modules.get("sqlalchemy.exc")
        if database is None or not isinstance(error, database.SQLAlchemyError):
            raise
        reason = getattr(error, "orig", None) or error
        print_error(f"ledger: {str(reason).splitlines()[0]}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


def print_error(message: str) -> None:
    """One line on stderr, printed literally: no markup, no emoji, no wrapping."""
    stderr.print(f"fincomp: error: {one_line(message)}", markup=False, soft_wrap=True)


def _curations(files: list[Path] | None) -> tuple[Curation, ...]:
    from fincompliance.licensing import knowledge

    found: tuple[Curation, ...] = ()
    for file in files or ():
        try:
            found += knowledge.read_curations(file)
        except (OSError, KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"{file}: not a curations file ({exc})") from None
    return found


def _scan(path: Path, installed: bool, keep_going: bool, exclude: list[str] | None,
          curations: list[Path] | None, online: bool = False, rootfs: bool = False,
          allow_empty: bool = False, internal: InternalPackages = NO_INTERNAL_PACKAGES,
          fetch_archives: bool = False, ledger: str | None = None,
          record: bool = False) -> ScanResult:
    """The scan stage, then the analysis and licence conclusions every command reports."""
    result = _run_scan(path, installed, keep_going, exclude, rootfs)
    if not result.tasks and not allow_empty:
        # A mistyped path in a pipeline must not pass a gate on zero components.
        raise UsageError(f"{path}: no lockfile, manifest or package database found, nothing "
                         "was scanned (scan and sbom take --allow-empty when that is "
                         "expected)")
    _analyse(result, curations, online, internal, fetch_archives, ledger, record)
    return result


def _analyse(result: ScanResult, curations: list[Path] | None, online: bool,
             internal: InternalPackages = NO_INTERNAL_PACKAGES,
             fetch_archives: bool = False, ledger: str | None = None,
             record: bool = False) -> None:
    from fincompliance.analysis.stage import analyse, consult_knowledge, enrich_online
    from fincompliance.licensing.conclude import conclude_graph

    if fetch_archives and not online:
        raise UsageError("--fetch-archives asks the configured mirrors: add --online")
    report = None
    if online:
        with _progress("asking the registry mirrors"):
            report = enrich_online(result.graph, result.root, internal,
                                   every_archive=fetch_archives)
    with _progress("detecting licences in licence files") as on_progress:
        conclude_graph(result.graph, result.root, curations=_curations(curations),
                       on_progress=on_progress,
                       archive_files=report.archive_files if report else None)
    known = consult_knowledge(result.graph, ledger, f"scan of {result.root.resolve().name}",
                              create=record)
    result.analysis = analyse(result.graph, report=report, internal=internal)
    if known is not None:
        result.analysis.knowledge = known
        result.analysis.notes += known.notes()


@contextmanager
def _progress(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress line on stderr for a step that may take more than a moment, on a
    terminal only (a CI log keeps no animation); it disappears when the step is done."""
    if not stderr.is_terminal:
        yield lambda done, total: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=stderr, transient=True) as progress:
        task = progress.add_task(description, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def _run_scan(path: Path, installed: bool, keep_going: bool, exclude: list[str] | None,
              rootfs: bool = False) -> ScanResult:
    # The stages load when a command runs, not for `--help` or a usage error.
    from fincompliance.scan import ScanOptions, scan

    options = ScanOptions(include_installed=installed, rootfs=rootfs, keep_going=keep_going,
                          exclude=tuple(exclude or ()))
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    if not stderr.is_terminal:
        return scan(path, options)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  MofNCompleteColumn(), console=stderr, transient=True) as progress:
        bar = progress.add_task("discovering files", total=None)

        def on_task(task, number: int, total: int) -> None:
            progress.update(bar, completed=number - 1, total=total,
                            description=f"reading {task.path or '.'}")
        return scan(path, options, on_task)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise UsageError(f"{output}: cannot write: {exc.strerror}") from None


def _report_errors(result: ScanResult) -> None:
    for error in result.errors:
        print_error(str(error))
    if result.errors:
        raise typer.Exit(EXIT_BAD_INPUT)


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    never = "never"


FormatOption = Annotated[ReportFormat, typer.Option(
    "--format", "-f", help="table for people, json for machines; with --policy also sarif "
    "(code scanning), junit (CI test reports), codequality (GitLab merge requests) and "
    "markdown (pull-request comments).")]
PolicyOption = Annotated[str | None, typer.Option(
    "--policy", metavar="FILE", help="Judge against this policy (or a shipped name).",
    show_default=False)]
FailOnOption = Annotated[FailOn, typer.Option(
    "--fail-on", help="Exit 1 when an open finding is at least this severe.")]
WaiversOption = Annotated[Path | None, typer.Option(
    "--waivers", metavar="FILE",
    help="Approved exceptions (default: .fincomp/waivers.yaml beside what is checked).",
    show_default=False)]
LedgerOption = Annotated[str | None, typer.Option(
    "--ledger", metavar="URL", help="The ledger: a SQLite path or a database URL "
    "(postgresql+psycopg://...); default FINCOMP_LEDGER, else a SQLite file in your data "
    "folder. Lifecycle decisions in it become facts for policy rules.", show_default=False)]
RecordOption = Annotated[bool, typer.Option(
    "--record", help="Record this scan in the ledger (one transaction, hash-chained).")]
ProjectOption = Annotated[str | None, typer.Option(
    "--project", help="The project's name in the ledger (default: the folder's name).",
    show_default=False)]
RepositoryOption = Annotated[str | None, typer.Option(
    "--repository", help="Its source repository, for the register.", show_default=False)]
BusinessSystemOption = Annotated[str | None, typer.Option(
    "--business-system", help="The business system it belongs to (业务系统).",
    show_default=False)]
OwnerOption = Annotated[str | None, typer.Option(
    "--owner", help="The person responsible for it (责任人).", show_default=False)]


def _language(value: str | None) -> str:
    if value is None:
        return default_language()
    language = parse_language(value)
    if language is None:
        raise typer.BadParameter(f"{value!r}: choose one of {', '.join(LANGUAGES)}")
    return language


LanguageOption = Annotated[str | None, typer.Option(
    "--lang", metavar="zh-CN|en", callback=_language,
    help="Language for people (default: zh-CN where the locale is Chinese, else en; zh is "
    "accepted for zh-CN).", show_default=False)]
VerboseOption = Annotated[bool, typer.Option(
    "--verbose", "-v", help="List everything in the terminal summary, not only the first "
    "entries of each list.")]
AllowEmptyOption = Annotated[bool, typer.Option(
    "--allow-empty", help="Finding no lockfile or manifest is not an error (it is by "
    "default: a mistyped path must not pass a gate).")]
RepoRootOption = Annotated[Path | None, typer.Option(
    "--repo-root", metavar="DIR", help="Paths in SARIF, JUnit and Markdown are relative to "
    "this folder (default: the git checkout that holds PATH).", show_default=False)]
ExpiringOption = Annotated[int, typer.Option(
    "--warn-expiring", metavar="DAYS", min=0,
    help="Warn about waivers that expire within this many days.")]
BaselineOption = Annotated[Path | None, typer.Option(
    "--baseline", metavar="FILE",
    help="A previous scan JSON: only findings new since then fail, and changes since then "
    "(new packages, dev to runtime, licence) are facts rules can use.", show_default=False)]


@dataclass(frozen=True)
class _Gate:
    """The policy inputs, all read (and checked) before anything is scanned."""

    policy: Policy
    waivers: list[Waiver]
    baseline: Baseline | None
    fail_on: str


def _gate(policy_file: str | None, output_format: ReportFormat, root: Path,
          waivers_file: Path | None, baseline: Path | None, fail_on: FailOn) -> _Gate | None:
    if policy_file is None:
        if output_format not in (ReportFormat.table, ReportFormat.json):
            raise UsageError(f"--format {output_format.value} reports policy findings: "
                             "add --policy")
        return None
    from fincompliance.policy.baseline import load_baseline
    from fincompliance.policy.loader import load_policy
    from fincompliance.policy.waivers import DEFAULT_LOCATION as DEFAULT_WAIVERS
    from fincompliance.policy.waivers import load_waivers

    policy = load_policy(policy_file)
    waivers_path = waivers_file or (root / DEFAULT_WAIVERS)
    waivers = load_waivers(waivers_path) if waivers_file or waivers_path.is_file() else []
    return _Gate(policy, waivers, load_baseline(baseline) if baseline else None, fail_on.value)


@dataclass(frozen=True)
class _Recording:
    """Where and as what a scan goes into the ledger (--record), or only read (--ledger)."""

    url: str | None
    record: bool
    name: str
    repository: str | None = None
    business_system: str | None = None
    owner: str | None = None


def _recording(ledger: str | None, record: bool, project: str | None, repository: str | None,
               business_system: str | None, owner: str | None, root: Path) -> _Recording | None:
    if not record and ledger is None:
        return None
    return _Recording(ledger, record, project or root.resolve().name, repository,
                      business_system, owner)


@dataclass(frozen=True)
class _Output:
    """What the user asked to see, and where."""

    format: ReportFormat
    file: Path | None = None
    verbose: bool = False
    expiring_within: int = 30
    base: str = ""      # the scanned folder relative to the repository root, for code hosts

    @contextmanager
    def failure_reported(self) -> Iterator[None]:
        """A scan stopped at a bad input still leaves the report a CI step uploads next,
        saying so, instead of a missing file that fails the upload too."""
        try:
            yield
        except FincompError as error:
            render = _policy_format(self.format)
            if self.file is not None and render is not None:
                _emit(render(None, [error], self.base), self.file)
            raise


def _output(output_format: ReportFormat, output: Path | None, verbose: bool,
            expiring_within: int, repo_root: Path | None, root: Path) -> _Output:
    from fincompliance.ledger.gitinfo import checkout_root

    anchor = repo_root or checkout_root(root)
    base = ""
    if anchor is not None:
        try:
            base = root.resolve().relative_to(anchor.resolve()).as_posix()
        except ValueError:
            raise UsageError(f"--repo-root {anchor}: {root} is not inside it") from None
    return _Output(output_format, output, verbose, expiring_within,
                   "" if base == "." else base)


def _judge_and_report(result: ScanResult, gate: _Gate | None, out: _Output,
                      recording: _Recording | None = None, source: str = "") -> None:
    # The ledger (and SQLAlchemy) load only for scans that use it.
    from fincompliance.analysis.assessment import assess_for_the_ledger
    from fincompliance.ledger import queries as ledger_queries
    from fincompliance.ledger.gitinfo import commit_and_branch
    from fincompliance.ledger.lifecycle import apply_states
    from fincompliance.ledger.record import Assessed, ProjectInfo, ScanInfo, record_scan
    from fincompliance.ledger.store import open_ledger
    from fincompliance.licensing.knowledge import load as load_knowledge
    from fincompliance.licensing.review import review
    from fincompliance.policy.gate import judge
    from fincompliance.report import findings as findings_report
    from fincompliance.report import markdown, terminal

    engine = open_ledger(recording.url, create=recording.record) if recording else None
    if engine is not None:
        with engine.connect() as connection:
            apply_states(result.graph, ledger_queries.lifecycle_states(connection))
    judgement = None if gate is None else judge(
        result.graph, result.root, gate.policy, waivers=gate.waivers, baseline=gate.baseline,
        fail_on=gate.fail_on, on=today())
    if engine is not None and recording.record:
        commit, branch = commit_and_branch(result.root)
        project = ProjectInfo(recording.name, recording.repository, recording.business_system,
                              recording.owner)
        # Grades go into the ledger as of the scan, for the audit report's maturity section.
        licence = judgement.review if judgement else review(
            result.graph, result.root, knowledge=load_knowledge())
        assessed = Assessed(*assess_for_the_ledger(
            result.graph, result.root, licence.assessments, today(),
            result.analysis.advisory_ecosystems))
        scan_id = record_scan(engine, project, ScanInfo(
            source or result.root.resolve().name, commit, branch), result.graph, judgement,
            assessed, result.analysis.checks())
        stderr.print(f"recorded as scan {scan_id} of {project.name} in the ledger "
                     f"{engine.url.render_as_string(hide_password=True)}", markup=False,
                     soft_wrap=True)
    table_on_stdout = out.format is ReportFormat.table and out.file is None
    not_checked = result.analysis.not_checked()
    verdict = None if judgement is None else judgement.verdict() + "".join(
        f"; {unchecked.text}" for unchecked in not_checked)
    if out.format is ReportFormat.json:
        from fincompliance.report import scan_json

        extra = findings_report.judgement_dict(judgement) if judgement else None
        _emit(scan_json.render(result, extra), out.file)
    elif out.format is ReportFormat.markdown:
        _emit(markdown.render(judgement, result.graph, verdict, out.base,
                              out.expiring_within), out.file)
    elif (render := _policy_format(out.format)) is not None:
        _emit(render(judgement, result.errors, out.base, not_checked), out.file)
    else:
        console = stdout if table_on_stdout else \
            Console(record=True, width=120, file=io.StringIO())
        terminal.render(result, console, verbose=out.verbose)
        if judgement is not None:
            findings_report.render(judgement, result.graph, console, verbose=out.verbose,
                                   expiring_within=out.expiring_within)
            # the summary above says what was not checked; the line itself stays short
            console.print(judgement.verdict(), markup=False, highlight=False)
        if out.file:
            _emit(console.export_text(), out.file)
    if judgement is not None and not table_on_stdout:
        # The gate's answer reaches the CI log whatever the report format and destination.
        stderr.print(f"fincomp: {verdict}", markup=False, highlight=False, soft_wrap=True)
        for use in judgement.expiring(out.expiring_within):
            stderr.print(f"fincomp: warning: waiver {use.waiver.rule} for "
                         f"{use.waiver.component} expires {use.waiver.expires.isoformat()}",
                         markup=False, highlight=False, soft_wrap=True)
    _report_errors(result)
    if judgement is not None and judgement.failed:
        raise typer.Exit(EXIT_POLICY_FAILURE)


def _policy_format(output_format: ReportFormat) -> Callable[..., str] | None:
    """The renderer of a report of findings for CI servers and code hosts (which also carry
    unreadable inputs), None for the other formats."""
    from fincompliance.report import codequality, junit, sarif

    return {ReportFormat.sarif: sarif.render, ReportFormat.junit: junit.render,
            ReportFormat.codequality: codequality.render}.get(output_format)


@app.command("scan")
def scan_command(path: PathArgument, output_format: FormatOption = ReportFormat.table,
                 output: OutputOption = None, installed: InstalledOption = False,
                 keep_going: KeepGoingOption = False, exclude: ExcludeOption = None,
                 curations: CurationsOption = None, policy_file: PolicyOption = None,
                 fail_on: FailOnOption = FailOn.error, waivers_file: WaiversOption = None,
                 baseline: BaselineOption = None, online: OnlineOption = False,
                 ledger: LedgerOption = None, record: RecordOption = False,
                 project: ProjectOption = None, repository: RepositoryOption = None,
                 business_system: BusinessSystemOption = None,
                 owner: OwnerOption = None, rootfs: RootfsOption = False,
                 verbose: VerboseOption = False, allow_empty: AllowEmptyOption = False,
                 repo_root: RepoRootOption = None,
                 expiring_within: ExpiringOption = 30,
                 fetch_archives: FetchArchivesOption = False) -> None:
    """Find every dependency under PATH, conclude its licence, and summarise; with --policy,
    judge it and exit 1 on failure; with --record, keep it in the ledger."""
    with user_errors():
        root = path if path.is_dir() else path.parent
        gate = _gate(policy_file, output_format, root, waivers_file, baseline, fail_on)
        recording = _recording(ledger, record, project, repository, business_system, owner,
                               root)
        out = _output(output_format, output, verbose, expiring_within, repo_root, root)
        with out.failure_reported():
            result = _scan(path, installed, keep_going, exclude, curations, online, rootfs,
                           allow_empty, gate.policy.internal if gate else NO_INTERNAL_PACKAGES,
                           fetch_archives, ledger, record)
        _judge_and_report(result, gate, out, recording)


@app.command("release-check")
def release_check_command(
        path: Annotated[Path, typer.Argument(
            help="The repository (or folder) to be published.", show_default=False)],
        outbound: Annotated[str | None, typer.Option(
            "--outbound", metavar="SPDX-ID", help="The licence the release goes out under "
            "(default: the release policy's, MulanPSL-2.0 in release-default).",
            show_default=False)] = None,
        policy_file: Annotated[str, typer.Option(
            "--policy", metavar="FILE", help="The release policy (a file or a shipped name).")
        ] = "release-default",
        history: Annotated[bool, typer.Option(
            "--history", help="Also scan what every commit added (secrets, personal data, "
            "internal hosts later deleted are still published with the history).")] = False,
        output_format: Annotated[ReportFormat, typer.Option(
            "--format", "-f", help="table for people, json for machines, sarif (code "
            "scanning), junit (CI test reports), codequality (GitLab) or markdown (a "
            "pull-request comment).")] = ReportFormat.table,
        output: OutputOption = None,
        installed: InstalledOption = False, keep_going: KeepGoingOption = False,
        exclude: ExcludeOption = None, fail_on: FailOnOption = FailOn.error,
        waivers_file: WaiversOption = None,
        baseline: Annotated[Path | None, typer.Option(
            "--baseline", metavar="FILE", help="A previous `release-check --format json`: "
            "only findings new since then fail.", show_default=False)] = None,
        ledger: LedgerOption = None,
        record: Annotated[bool, typer.Option(
            "--record", help="Record the review in the ledger (needs --signed-off-by).")
        ] = False,
        signed_off_by: Annotated[str | None, typer.Option(
            "--signed-off-by", metavar="NAME", help="Who signed the release review off, for "
            "the ledger.", show_default=False)] = None,
        project: ProjectOption = None, repository: RepositoryOption = None,
        business_system: BusinessSystemOption = None, owner: OwnerOption = None,
        verbose: VerboseOption = False, repo_root: RepoRootOption = None,
        language: LanguageOption = None) -> None:
    """Review a project before it is published as open source (art. 13, 20): what goes out
    with it under its licence, its own licensing, secrets, personal data and internal hosts,
    sign-offs, names and marks. Exit 1 when the release policy fails."""
    with user_errors():
        if not path.is_dir():
            raise UsageError(f"{path}: no such folder (release-check reviews a repository "
                             "or folder)")
        root = path
        if record and not (signed_off_by or "").strip():
            raise UsageError("a release review recorded in the ledger names who signed it off "
                             "(--signed-off-by NAME)")
        if outbound is not None:
            outbound = _known_licence(outbound, "--outbound")
        gate = _gate(policy_file, output_format, root, waivers_file, baseline, fail_on)
        recording = _recording(ledger, record, project, repository, business_system, owner,
                               root)
        out = _output(output_format, output, verbose, 30, repo_root, root)
        with out.failure_reported():
            review = _review_release(root, gate, outbound, history, installed, keep_going,
                                     exclude, language or "en")
        _report_release(review, out, recording, signed_off_by, language or "en")


def _known_licence(text: str, option: str) -> str:
    """A licence the user names on the command line, as an SPDX expression; a usage error
    when fincomp does not know it."""
    from fincompliance.licensing.knowledge import load as load_knowledge
    from fincompliance.licensing.normalise import normalise

    declared = normalise(text, option, load_knowledge())
    if not declared.identified:
        raise UsageError(f"{option} {text!r}: not a licence fincomp knows (see "
                         "`fincomp licenses explain`)")
    return declared.expression


def _review_release(root: Path, gate: _Gate, outbound: str | None, history: bool,
                    installed: bool, keep_going: bool, exclude: list[str] | None,
                    language: str):
    from fincompliance.release.review import ReleaseOptions, review_release

    options = ReleaseOptions(outbound, history, installed, keep_going, tuple(exclude or ()),
                             language)
    with _progress("reviewing the release") as on_progress:
        return review_release(root, gate.policy, options, waivers=gate.waivers,
                              baseline=gate.baseline, fail_on=gate.fail_on, on=today(),
                              progress=lambda step, done, total: on_progress(done, total))


def _report_release(review, out: _Output, recording: _Recording | None,
                    signed_off_by: str | None, language: str) -> None:
    from fincompliance.report import markdown
    from fincompliance.report import release as release_report

    if recording is not None and recording.record:
        from fincompliance.ledger.record import ProjectInfo
        from fincompliance.ledger.store import open_ledger
        from fincompliance.release.review import record_review

        engine = open_ledger(recording.url, create=True)
        scan_id = record_review(engine, ProjectInfo(
            recording.name, recording.repository, recording.business_system, recording.owner),
            review, signed_off_by or "")
        stderr.print(f"recorded as scan {scan_id} of {recording.name} in the ledger "
                     f"{engine.url.render_as_string(hide_password=True)}", markup=False,
                     soft_wrap=True)
    judgement = review.judgement
    verdict = release_report.verdict(review, language)
    table_on_stdout = out.format is ReportFormat.table and out.file is None
    if out.format is ReportFormat.json:
        _emit(release_report.render_json(review, language), out.file)
    elif out.format is ReportFormat.markdown:
        _emit(markdown.render(judgement, review.dependencies.graph, verdict, out.base,
                              out.expiring_within, language), out.file)
    elif (render := _policy_format(out.format)) is not None:
        _emit(render(judgement, review.dependencies.errors, out.base, review.not_checked),
              out.file)
    else:
        console = stdout if table_on_stdout else \
            Console(record=True, width=120, file=io.StringIO())
        release_report.render(review, console, language, verbose=out.verbose)
        if out.file:
            _emit(console.export_text(), out.file)
    if not table_on_stdout:
        stderr.print(f"fincomp: {verdict}", markup=False, highlight=False, soft_wrap=True)
    _report_errors(review.dependencies)
    if judgement.failed:
        raise typer.Exit(EXIT_POLICY_FAILURE)


@app.command("check")
def check_sbom_command(sbom: Annotated[Path, typer.Argument(
                      help="A CycloneDX (JSON/XML) or SPDX (JSON/tag-value) SBOM.",
                      show_default=False)],
                  policy_file: Annotated[str, typer.Option(
                      "--policy", metavar="FILE",
                      help="Judge against this policy (or a shipped name).")],
                  output_format: FormatOption = ReportFormat.table,
                  output: OutputOption = None, fail_on: FailOnOption = FailOn.error,
                  waivers_file: WaiversOption = None, baseline: BaselineOption = None,
                  curations: CurationsOption = None, online: OnlineOption = False) -> None:
    """Judge an existing SBOM (a supplier's, or one fincomp wrote) against a policy."""
    with user_errors():
        if not sbom.is_file():
            raise UsageError(f"{sbom}: no such file")
        gate = _gate(policy_file, output_format, sbom.parent, waivers_file, baseline, fail_on)
        out = _output(output_format, output, False, 30, None, sbom.parent)
        from fincompliance.scan import ScanResult
        from fincompliance.scanners.sbom_document import read_document

        with out.failure_reported():
            result = ScanResult(sbom.parent, read_document(
                read_text(sbom, str(sbom)), sbom.name), tasks=[])
        _analyse(result, curations, online,
                 gate.policy.internal if gate else NO_INTERNAL_PACKAGES)
        _judge_and_report(result, gate, out)


@app.command("sbom")
def sbom_command(path: PathArgument,
                 sbom_format: Annotated[SbomFormat, typer.Option(
                     "--format", "-f", help="CycloneDX 1.6 or SPDX 2.3.")
                 ] = SbomFormat.cyclonedx_json,
                 output: OutputOption = None, installed: InstalledOption = False,
                 keep_going: KeepGoingOption = False, exclude: ExcludeOption = None,
                 curations: CurationsOption = None, online: OnlineOption = False,
                 rootfs: RootfsOption = False, allow_empty: AllowEmptyOption = False,
                 fetch_archives: FetchArchivesOption = False) -> None:
    """Write an SBOM of PATH: dependency graph, declared and concluded licences."""
    with user_errors():
        result = _scan(path, installed, keep_going, exclude, curations, online, rootfs,
                       allow_empty, fetch_archives=fetch_archives)
        name = path.resolve().name if path.is_dir() else path.name
        _emit(_sbom_writer(sbom_format)(result.graph, name), output)
        _report_errors(result)


@licenses_app.command("explain")
def explain_command(expression: Annotated[str, typer.Argument(
                        help="An SPDX expression or a licence as packages write it.")],
                    outbound: OutboundOption = PROPRIETARY,
                    output_format: Annotated[ScanFormat, typer.Option("--format", "-f")
                                             ] = ScanFormat.table,
                    language: LanguageOption = None) -> None:
    """Explain a licence: category, obligations, compatibility in each distribution model."""
    with user_errors():
        from fincompliance.licensing.knowledge import load as load_knowledge
        from fincompliance.licensing.normalise import normalise
        from fincompliance.report import explain

        knowledge = load_knowledge()
        normalised = normalise(expression, "command line", knowledge)
        if output_format is ScanFormat.json:
            _emit(explain.render_json(normalised, outbound, knowledge), None)
        else:
            explain.render(normalised, outbound, knowledge, stdout, language)


@licenses_app.command("check")
def check_command(path: PathArgument, outbound: OutboundOption = PROPRIETARY,
                  distribution: DistributionOption = Distribution.DISTRIBUTED_BINARY,
                  output_format: Annotated[ScanFormat, typer.Option("--format", "-f")
                                           ] = ScanFormat.table,
                  output: OutputOption = None, installed: InstalledOption = False,
                  keep_going: KeepGoingOption = False, exclude: ExcludeOption = None,
                  curations: CurationsOption = None) -> None:
    """Conclude every component's licence and judge it for the product's outbound licence
    and distribution model: verdicts, conflicts, obligations."""
    with user_errors():
        from fincompliance.licensing.knowledge import load as load_knowledge
        from fincompliance.licensing.review import review
        from fincompliance.report import licence_check

        result = _scan(path, installed, keep_going, exclude, curations)
        knowledge = load_knowledge()
        outcome = review(result.graph, result.root, outbound, distribution, knowledge=knowledge)
        if output_format is ScanFormat.json:
            _emit(licence_check.render_json(result.graph, outcome, knowledge), output)
        else:
            console = Console(record=True, width=120, file=io.StringIO()) if output else stdout
            licence_check.render(result.graph, outcome, knowledge, console)
            if output:
                _emit(console.export_text(), output)
        _report_errors(result)


class NoticeFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    html = "html"


@app.command("notice")
def notice_command(path: PathArgument,
                   notice_format: Annotated[NoticeFormat, typer.Option("--format", "-f")
                                            ] = NoticeFormat.text,
                   output: OutputOption = None, installed: InstalledOption = False,
                   keep_going: KeepGoingOption = False, exclude: ExcludeOption = None,
                   curations: CurationsOption = None, online: OnlineOption = False,
                   fetch_archives: FetchArchivesOption = False) -> None:
    """Write the third-party notice file: components, licences, copyrights (from installed
    licence files, or with --online --fetch-archives from every archive's), licence texts."""
    with user_errors():
        from fincompliance.licensing.attribution import collect as collect_attributions
        from fincompliance.licensing.knowledge import load as load_knowledge
        from fincompliance.report import notice

        result = _scan(path, installed, keep_going, exclude, curations, online,
                       fetch_archives=fetch_archives)
        knowledge = load_knowledge()
        attributions = collect_attributions(
            result.graph, result.root, knowledge,
            result.analysis.archive_files if result.analysis else None)
        name = path.resolve().name if path.is_dir() else path.name
        _emit(notice.render(result.graph, attributions, knowledge, name, notice_format.value),
              output)
        _report_errors(result)


@policy_app.command("validate")
def policy_validate_command(files: Annotated[list[str], typer.Argument(
        help="Policy files (or shipped names: financial-default, strict, internal-tools).")]
                            ) -> None:
    """Check policy files against the schema and the licence catalogue."""
    with user_errors():
        from fincompliance.policy.loader import load_policy

        for file in files:
            policy = load_policy(file)
            stdout.print(f"{file}: valid ({len(policy.rules)} rules, digest {policy.digest[:12]})",
                         markup=False, soft_wrap=True)


@policy_app.command("show")
def policy_show_command(file: Annotated[str, typer.Argument(help="A policy file or name.")]
                        ) -> None:
    """Print the effective policy, after everything it extends."""
    with user_errors():
        import yaml

        from fincompliance.policy.loader import load_policy

        policy = load_policy(file)
        document = {"files": policy.files, "digest": policy.digest, **policy.to_dict()}
        _emit(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), None)


@policy_app.command("init")
def policy_init_command(output: Annotated[Path, typer.Option(
        "--output", "-o", metavar="FILE", help="Where to write it.")
                        ] = Path(".fincomp/policy.yaml"),
                        force: Annotated[bool, typer.Option(
                            "--force", help="Replace an existing file.")] = False) -> None:
    """Write a commented starting policy for a project."""
    with user_errors():
        if output.exists() and not force:
            raise UsageError(f"{output}: exists already (use --force to replace it)")
        from fincompliance.policy.loader import rules_directory

        output.parent.mkdir(parents=True, exist_ok=True)
        _emit((rules_directory() / "starter.yaml").read_text(encoding="utf-8"), output)
        stdout.print(f"wrote {output}", markup=False, soft_wrap=True)


@app.command("assess")
def assess_command(path: PathArgument,
                   model_file: Annotated[Path | None, typer.Option(
                       "--model", metavar="FILE", help="An assessment model (default: the "
                       "shipped GB/T 42927-2023 model, rules/assessment-model.yaml).",
                       show_default=False)] = None,
                   assessments_file: Annotated[Path | None, typer.Option(
                       "--assessments", metavar="FILE",
                       help="The institution's own assessments (default: "
                       ".fincomp/assessments.yaml in PATH).", show_default=False)] = None,
                   outbound: OutboundOption = PROPRIETARY,
                   distribution: DistributionOption = Distribution.DISTRIBUTED_BINARY,
                   output_format: Annotated[ScanFormat, typer.Option("--format", "-f")
                                            ] = ScanFormat.table,
                   language: LanguageOption = None,
                   output: OutputOption = None, installed: InstalledOption = False,
                   keep_going: KeepGoingOption = False, exclude: ExcludeOption = None,
                   curations: CurationsOption = None, online: OnlineOption = False) -> None:
    """Assess every component after GB/T 42927-2023: licence, security, vitality and the
    institution's own judgements, weighted into a score and a grade (art. 9)."""
    with user_errors():
        # Loaded here: only `assess` (and recording) need the assessment model.
        from fincompliance.analysis.assessment import (
            assess_graph,
            institution_assessments,
            load_model,
        )
        from fincompliance.licensing.knowledge import load as load_knowledge
        from fincompliance.licensing.review import review
        from fincompliance.report import assessment as assessment_report

        model = load_model(model_file)
        root = path if path.is_dir() else path.parent
        institution = institution_assessments(root, model, assessments_file)
        result = _scan(path, installed, keep_going, exclude, curations, online)
        outcome = review(result.graph, result.root, outbound, distribution,
                         knowledge=load_knowledge())
        assessments = assess_graph(result.graph, outcome.assessments, model, institution,
                                   today(), result.analysis.advisory_ecosystems)
        if output_format is ScanFormat.json:
            _emit(assessment_report.render_json(result.graph, assessments, model), output)
        else:
            console = Console(record=True, width=160, file=io.StringIO()) if output else stdout
            assessment_report.render(result.graph, assessments, model, console, language)
            if output:
                _emit(console.export_text(), output)
        _report_errors(result)


DatabaseOption = Annotated[Path | None, typer.Option(
    "--db", metavar="FILE", help="The vulnerability database (default: FINCOMP_DB, else "
    "vulndb.sqlite3 in the cache folder).", show_default=False)]


@db_app.command("update")
def db_update_command(source: Annotated[str, typer.Option(
                          "--from", metavar="PATH|URL",
                          help="OSV data: a folder of JSON/YAML advisories, one file, an "
                          "ecosystem zip archive, or the URL of one on your mirror.")],
                      name: Annotated[str | None, typer.Option(
                          "--name", help="Name of this source (default: its location).",
                          show_default=False)] = None,
                      database: DatabaseOption = None) -> None:
    """Import OSV advisories into the local database (incremental, all or nothing)."""
    with user_errors():
        path = database or vulnerability_db()
        from fincompliance.analysis.vulndb import update as update_database

        report = update_database(path, source, name)
        stdout.print(f"{report.source}: {report.added} added, {report.updated} updated, "
                     f"{report.unchanged} unchanged ({report.withdrawn} withdrawn, ignored "
                     f"when matching) into {path}", markup=False, soft_wrap=True)


@db_app.command("aliases")
def db_aliases_command(feed: Annotated[Path, typer.Argument(
                           help="CSV (UTF-8) with a header row: id, and cnvd and/or cnnvd.")],
                       name: Annotated[str | None, typer.Option(
                           "--name", help="Name of this feed (default: its location); a "
                           "feed imported again replaces its earlier pairs.",
                           show_default=False)] = None,
                       database: DatabaseOption = None) -> None:
    """Import the institution's CNVD and CNNVD ids for advisories: they show as aliases of
    the vulnerabilities a scan finds, and `ledger affected CNVD-...` finds them."""
    with user_errors():
        path = database or vulnerability_db()
        from fincompliance.analysis.vulndb import import_national_ids

        source, count = import_national_ids(path, feed, name)
        stdout.print(f"{source}: {count} CNVD/CNNVD ids for advisories, in {path}",
                     markup=False, soft_wrap=True)


@db_app.command("status")
def db_status_command(database: DatabaseOption = None,
                      output_format: Annotated[ScanFormat, typer.Option("--format", "-f")
                                               ] = ScanFormat.table) -> None:
    """Show the database's sources, counts and age."""
    with user_errors():
        path = database or vulnerability_db()
        if not path.exists():
            # Not an error: "is there a database?" is the question, and no is an answer.
            if output_format is ScanFormat.json:
                _emit(json.dumps({"path": str(path), "present": False}, indent=2) + "\n",
                      None)
            else:
                stdout.print(f"no vulnerability database at {path}: import one with "
                             "`fincomp db update --from PATH` (OSV files or archives)",
                             markup=False, highlight=False, soft_wrap=True)
            return
        from fincompliance.analysis.vulndb import VulnerabilityDatabase
        from fincompliance.report import database as database_report

        with VulnerabilityDatabase(path) as opened:
            status = opened.status()
        if output_format is ScanFormat.json:
            _emit(json.dumps(dataclasses.asdict(status), indent=2) + "\n", None)
        else:
            database_report.render_status(status, today(), stdout)


ListFormatOption = Annotated[ScanFormat, typer.Option(
    "--format", "-f", help="table for people, json for machines.")]
JsonOption = Annotated[bool, typer.Option(
    "--json", hidden=True, help="Deprecated spelling of --format json.")]


def _ledger_emit(value, output_format: ScanFormat, json_output: bool, render) -> None:
    from fincompliance.report import ledger as ledger_report

    if json_output:
        stderr.print("fincomp: warning: --json is deprecated; use --format json",
                     markup=False, highlight=False)
    if json_output or output_format is ScanFormat.json:
        _emit(ledger_report.to_json(value), None)
    else:
        render(value)


def _ledger() -> SimpleNamespace:
    """The ledger modules, loaded when a ledger command runs (SQLAlchemy is slow to load)."""
    from fincompliance.ledger import queries, record, store, verify
    from fincompliance.report import ledger as report

    return SimpleNamespace(queries=queries, open=store.open_ledger, report=report,
                           record_lifecycle=record.record_lifecycle,
                           record_facts=record.record_facts, verify=verify.verify)


@ledger_app.command("record")
def ledger_record_command(sbom: Annotated[Path, typer.Argument(
                              help="A CycloneDX or SPDX SBOM to record.", show_default=False)],
                          ledger: LedgerOption = None, project: ProjectOption = None,
                          repository: RepositoryOption = None,
                          business_system: BusinessSystemOption = None,
                          owner: OwnerOption = None, policy_file: PolicyOption = None,
                          curations: CurationsOption = None) -> None:
    """Record an existing SBOM (a supplier's delivery, or a CI artifact) in the ledger."""
    with user_errors():
        if not sbom.is_file():
            raise UsageError(f"{sbom}: no such file")
        gate = _gate(policy_file, ReportFormat.json, sbom.parent, None, None, FailOn.never)
        from fincompliance.scan import ScanResult
        from fincompliance.scanners.sbom_document import read_document

        result = ScanResult(sbom.parent, read_document(read_text(sbom, str(sbom)), sbom.name),
                            tasks=[])
        _analyse(result, curations, online=False)
        recording = _Recording(ledger, True, project or sbom.stem, repository,
                               business_system, owner)
        with open(os.devnull, "w", encoding="utf-8") as sink, redirect_stdout(sink):
            _judge_and_report(result, gate, _Output(ReportFormat.json), recording,
                              source=sbom.name)


@ledger_app.command("projects")
def ledger_projects_command(ledger: LedgerOption = None,
                            output_format: ListFormatOption = ScanFormat.table,
                            json_output: JsonOption = False
                            ) -> None:
    """Every project in the ledger, with its latest scan."""
    with user_errors():
        api = _ledger()
        rows = api.queries.list_projects(api.open(ledger, create=False))
        _ledger_emit(rows, output_format, json_output, lambda r: api.report.table(
            r, ["name", "department", "business_system", "owner", "scans", "last_recorded",
                "components"],
            "Projects", stdout))


@ledger_app.command("show")
def ledger_show_command(project: Annotated[str, typer.Argument(help="A project's name.")],
                        scan: Annotated[int | None, typer.Option(
                            "--scan", help="A scan id (default: the latest).",
                            show_default=False)] = None,
                        ledger: LedgerOption = None,
                        output_format: ListFormatOption = ScanFormat.table,
                        json_output: JsonOption = False) -> None:
    """A project's latest (or given) scan: components, licences, vulnerabilities."""
    with user_errors():
        api = _ledger()
        shown = api.queries.show(api.open(ledger, create=False), project, scan)
        for component in shown["components"]:
            component["vulnerability_ids"] = " ".join(
                v["id"] for v in component["vulnerabilities"])
        _ledger_emit(shown, output_format, json_output, lambda s: api.report.table(
            s["components"], ["name", "version", "scope", "direct", "licence",
                              "vulnerability_ids", "path"],
            f"{project}: scan {s['scan']['id']} ({s['scan']['recorded_at']}, commit "
            f"{s['scan']['commit_id'] or '-'})", stdout))


@ledger_app.command("diff")
def ledger_diff_command(project: Annotated[str, typer.Argument(help="A project's name.")],
                        scans: Annotated[list[int] | None, typer.Argument(
                            help="Two scan ids (default: the last two).",
                            show_default=False)] = None,
                        ledger: LedgerOption = None,
                        output_format: ListFormatOption = ScanFormat.table,
                        json_output: JsonOption = False) -> None:
    """What changed between two scans of a project."""
    with user_errors():
        api = _ledger()
        if scans and len(scans) != 2:
            raise UsageError("ledger diff: give two scan ids, or none for the last two")
        before, after = scans if scans else (None, None)
        result = api.queries.diff(api.open(ledger, create=False), project, before, after)
        _ledger_emit(result, output_format, json_output,
                     lambda d: api.report.render_diff(d, stdout))


@ledger_app.command("affected")
def ledger_affected_command(query: Annotated[str, typer.Argument(
                                help="A purl, a package name with an optional range "
                                "(\"log4j-core <2.17.1\"), or an advisory id.")],
                            all_scans: Annotated[bool, typer.Option(
                                "--all-scans", help="Every recorded scan, not only each "
                                "project's latest: where it was ever used.")] = False,
                            ledger: LedgerOption = None,
                            output_format: ListFormatOption = ScanFormat.table,
                            json_output: JsonOption = False
                            ) -> None:
    """Which projects use a package now (each one's latest scan), with the path to it;
    with --all-scans, every scan that ever did (latest first)."""
    with user_errors():
        api = _ledger()
        rows = api.queries.affected(api.open(ledger, create=False), query, all_scans)
        _ledger_emit(rows, output_format, json_output, lambda r: api.report.table(
            r, ["project", "scan", "recorded_at", "name", "version", "scope", "path"],
            f"Affected by {query}", stdout))


@ledger_app.command("decisions")
def ledger_decisions_command(package: Annotated[str | None, typer.Argument(
                                 help="Only this package (a purl without version).",
                                 show_default=False)] = None,
                             ledger: LedgerOption = None,
                             output_format: ListFormatOption = ScanFormat.table,
                             json_output: JsonOption = False
                             ) -> None:
    """Every lifecycle decision in the ledger, oldest first: what, which versions, which
    state, who decided, why and when."""
    with user_errors():
        api = _ledger()
        rows = api.queries.decisions(api.open(ledger, create=False), package)
        _ledger_emit(rows, output_format, json_output, lambda r: api.report.table(
            r, ["id", "at", "package", "versions", "state", "actor", "reason"],
            f"Lifecycle decisions{f' on {package}' if package else ''}", stdout))


@ledger_app.command("history")
def ledger_history_command(package: Annotated[str, typer.Argument(
                               help="A purl without version, or a package name.")],
                           ledger: LedgerOption = None,
                           output_format: ListFormatOption = ScanFormat.table,
                           json_output: JsonOption = False
                           ) -> None:
    """Where and when a package has been in use."""
    with user_errors():
        api = _ledger()
        rows = api.queries.history(api.open(ledger, create=False), package)
        _ledger_emit(rows, output_format, json_output, lambda r: api.report.table(
            r, ["project", "version", "first_seen", "last_seen", "scans", "in_latest_scan"],
            f"History of {package}", stdout))


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


@ledger_app.command("export")
def ledger_export_command(export_format: Annotated[ExportFormat, typer.Option(
                              "--format", "-f")] = ExportFormat.csv,
                          output: OutputOption = None, ledger: LedgerOption = None,
                          language: LanguageOption = None) -> None:
    """The register (台账): every project's latest components with licence, vulnerabilities,
    lifecycle decision (who, why, when), grade, release facts, first use, system and
    responsible person; CSV in UTF-8 with a byte-order mark, or a workbook."""
    with user_errors():
        from fincompliance.report.audit import register
        from fincompliance.report.audit.locale import Locale

        api = _ledger()
        locale = Locale(language)
        if export_format is ExportFormat.xlsx and output is None:
            raise UsageError("--format xlsx writes a file: add -o FILE.xlsx")
        rows = api.queries.register(api.open(ledger, create=False))
        if export_format is ExportFormat.xlsx:
            register.to_xlsx(rows, locale, output)
        else:
            _emit(register.to_csv(rows, locale), output)


def _decide(state: str):
    def command(package: Annotated[str, typer.Argument(
                    help="The package as a purl without version (pkg:maven/g/a).")],
                actor: Annotated[str, typer.Option("--actor", help="Who decided.")],
                reason: Annotated[str, typer.Option("--reason", help="Why.")],
                versions: Annotated[str, typer.Option(
                    "--versions", help="Which versions (\"*\", \"<2.17.1\").")] = "*",
                force: Annotated[bool, typer.Option(
                    "--force", help="Record it though no recorded scan has seen the "
                    "package (a decision before first use).")] = False,
                ledger: LedgerOption = None) -> None:
        with user_errors():
            api = _ledger()
            event = api.record_lifecycle(api.open(ledger), package, state, actor,
                                         reason, versions, force)
            stdout.print(f"{package} {versions}: {state} by {actor} (lifecycle event {event})",
                         markup=False, soft_wrap=True)
    command.__doc__ = f"Record that a package is {state} (with who and why)."
    return command


for _state, _name in (("proposed", "propose"), ("approved", "approve"), ("in-use", "use"),
                      ("deprecated", "deprecate"), ("retired", "retire"),
                      ("rejected", "reject")):
    ledger_app.command(_name)(_decide(_state))


def _fact_option(name: str, what: str):
    return Annotated[str | None, typer.Option(f"--{name}", help=what, show_default=False)]


@ledger_app.command("set")
def ledger_set_command(
        package: Annotated[str | None, typer.Argument(
            help="A package as a purl without version; leave out for the project's own facts.",
            show_default=False)] = None,
        project: Annotated[str | None, typer.Option(
            "--project", help="The project (with a package: the package in that project "
            "only).", show_default=False)] = None,
        actor: Annotated[str, typer.Option("--actor", help="Who states these facts.")] = "",
        department: _fact_option("department", "The department using it (使用部门).") = None,
        business_system: _fact_option("business-system", "The business system it serves "
                                      "(业务系统).") = None,
        acquisition_channel: _fact_option("acquisition-channel", "How it was acquired "
                                          "(获取渠道): internal mirror, vendor delivery…") = None,
        support_mode: _fact_option("support-mode", "How it is supported (支持方式): "
                                   "community, commercial, in-house…") = None,
        supplier: _fact_option("supplier", "Who provides it (供应商).") = None,
        contract: _fact_option("contract", "The contract or agreement reference (合同或协议"
                               "编号; art. 12).") = None,
        force: Annotated[bool, typer.Option(
            "--force", help="Record it though no recorded scan has seen the project or "
            "package.")] = False,
        ledger: LedgerOption = None) -> None:
    """State the institution's register facts about a project, a package, or a package in
    one project (an empty value clears one); each statement is a ledger entry."""
    with user_errors():
        api = _ledger()
        facts = {field: value for field, value in (
            ("department", department), ("business_system", business_system),
            ("acquisition_channel", acquisition_channel), ("support_mode", support_mode),
            ("supplier", supplier), ("contract", contract)) if value is not None}
        entry = api.record_facts(api.open(ledger), project, package, facts, actor, force)
        subject = " in ".join(s for s in (package, project) if s)
        stdout.print(f"{subject}: {', '.join(sorted(facts))} stated by {actor} (ledger "
                     f"entry {entry})", markup=False, soft_wrap=True)


@ledger_app.command("facts")
def ledger_facts_command(subject: Annotated[str | None, typer.Argument(
                             help="Only statements about this project or package.",
                             show_default=False)] = None,
                         ledger: LedgerOption = None,
                         output_format: ListFormatOption = ScanFormat.table) -> None:
    """Every register statement in the ledger, oldest first: about what, which facts, who
    stated them and when."""
    with user_errors():
        api = _ledger()
        rows = api.queries.stated_facts(api.open(ledger, create=False), subject)
        _ledger_emit(rows, output_format, False, lambda r: api.report.table(
            [{**row, "facts": "; ".join(f"{k}={v if v is not None else '(cleared)'}"
                                        for k, v in row["facts"].items())} for row in r],
            ["id", "at", "project", "package", "facts", "actor"],
            f"Register facts{f' about {subject}' if subject else ''}", stdout))


@knowledge_app.command("list")
def knowledge_list_command(
        about: Annotated[str | None, typer.Argument(
            help="Only this package (a purl without version: every version) or version.",
            show_default=False)] = None,
        ledger: LedgerOption = None,
        output_format: ListFormatOption = ScanFormat.table) -> None:
    """Every licence conclusion the store holds, oldest first: the licence, how and from
    what it was concluded, when, and which scan, import or curation (and who) added it."""
    with user_errors():
        from fincompliance.ledger.known import listed

        api = _ledger()
        rows = listed(api.open(ledger, create=False), about)
        _ledger_emit(rows, output_format, False, lambda r: api.report.table(
            [{**row, "concluded_at": str(row["concluded_at"])[:10],
              "actor": row["actor"] or ""} for row in r],
            ["purl", "licence", "method", "source", "concluded_at", "origin", "actor"],
            f"Licence knowledge{f' about {about}' if about else ''}", stdout))


@knowledge_app.command("export")
def knowledge_export_command(
        file: Annotated[Path, typer.Argument(help="The file to write (JSON, checksummed).",
                                             show_default=False)],
        ledger: LedgerOption = None) -> None:
    """Write every licence conclusion the store holds to one file, for a machine with no
    route to the ledger (`fincomp knowledge import` there)."""
    with user_errors():
        from fincompliance.ledger.known import export

        done = export(_ledger().open(ledger, create=False), file)
        stderr.print(f"{done.entries:,} licence conclusions written to {file} ({done.checksum})",
                     highlight=False, soft_wrap=True)


@knowledge_app.command("import")
def knowledge_import_command(
        file: Annotated[Path, typer.Argument(help="A file `fincomp knowledge export` wrote.",
                                             show_default=False)],
        actor: Annotated[str, typer.Option("--actor", help="Who imports it.")],
        ledger: LedgerOption = None) -> None:
    """Add the conclusions of an exported file the store does not hold yet (one ledger
    entry); a file whose checksum does not match is refused whole."""
    with user_errors():
        from fincompliance.ledger.known import import_file

        if not actor.strip():
            raise UsageError("--actor: say who imports the file")
        done = import_file(_ledger().open(ledger), file, actor)
        stderr.print(f"{done.added:,} of {done.entries:,} licence conclusions added from "
                     f"{file} ({done.checksum} verified)", highlight=False, soft_wrap=True)


@knowledge_app.command("curate")
def knowledge_curate_command(
        purl: Annotated[str, typer.Argument(help="The package: a purl with a version (that "
                                            "version) or without (every version).",
                                            show_default=False)],
        licence: Annotated[str, typer.Option("--licence", help="The licence (SPDX).")],
        reason: Annotated[str, typer.Option("--reason", help="Why.")],
        actor: Annotated[str, typer.Option("--actor", help="Who decided.")],
        ledger: LedgerOption = None) -> None:
    """An institution curation: this licence for the package over anything concluded,
    with who and why, for every scan that reads the ledger."""
    with user_errors():
        from fincompliance.ledger.known import curate

        expression = _known_licence(licence, "--licence")
        if not purl.startswith("pkg:"):
            raise UsageError(f"{purl}: not a purl (pkg:TYPE/NAME[@VERSION])")
        added = curate(_ledger().open(ledger), purl, expression, reason, actor)
        stderr.print(f"{purl}: {expression} "
                     + ("curated" if added else "was already curated so"), highlight=False)


@ledger_app.command("verify")
def ledger_verify_command(ledger: LedgerOption = None,
                          full: Annotated[bool, typer.Option(
                              "--full", help="Recompute the rows of every entry, not only "
                              "of those after the last verification.")] = False) -> None:
    """Check the hash chain and the recorded rows (those of entries newer than the last
    verification, or with --full all of them); exit 1 naming the first bad entry."""
    with user_errors():
        api = _ledger()
        result = api.verify(api.open(ledger, create=False), full=full, checkpoint=True)
        if result.ok:
            when = f"{result.checkpoint_at[:19].replace('T', ' ')} UTC" \
                if result.checkpoint_at else ""
            if result.checkpoint_at is None:
                how = "every entry's rows recomputed"
            elif result.recomputed_from > result.entries:
                how = (f"chain walked, no new entries since the verification of {when} "
                       "(--full recomputes every entry's rows)")
            else:
                how = (f"rows recomputed for entries {result.recomputed_from}-"
                       f"{result.entries}, those of entries 1-{result.recomputed_from - 1} "
                       f"as verified on {when} (--full recomputes them)")
            stdout.print(f"ledger verified: {result.entries} entries, {how}, chain head "
                         f"{result.head}", soft_wrap=True)
            return
        stdout.print(f"ledger verification FAILED after {result.entries} good entries: "
                     f"{result.problem}", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_POLICY_FAILURE)


def _day(value: str | None, option: str):
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


@app.command("report")
def report_command(
        output_format: Annotated[str, typer.Option(
            "--format", "-f", help="html (one self-contained page), pdf (A4, printed from "
            "the page) or xlsx (a sheet a section).")] = "html",
        output: OutputOption = None,
        project: Annotated[str | None, typer.Option(
            "--project", help="Report one project (default: every project in the ledger).",
            show_default=False)] = None,
        scan: Annotated[int | None, typer.Option(
            "--scan", help="Report one recorded scan.", show_default=False)] = None,
        since: Annotated[str | None, typer.Option(
            "--since", metavar="YYYY-MM-DD", help="The period's first day; changes are "
            "against each project's state before it (default: against its scan before).",
            show_default=False)] = None,
        until: Annotated[str | None, typer.Option(
            "--until", metavar="YYYY-MM-DD", help="The period's last day: each project's "
            "latest scan up to then is reported (default: today, FINCOMP_TODAY).",
            show_default=False)] = None,
        language: LanguageOption = None,
        institution: Annotated[str, typer.Option(
            "--institution", envvar="FINCOMP_INSTITUTION",
            help="The institution named in the report.")] = "-",
        prepared_by: Annotated[str | None, typer.Option(
            "--prepared-by", help="Who prepares the report (its sign-off block; blank to "
            "sign by hand when left out).", show_default=False)] = None,
        reviewed_by: Annotated[str | None, typer.Option(
            "--reviewed-by", help="Who reviews it.", show_default=False)] = None,
        ledger: LedgerOption = None) -> None:
    """An audit report from the ledger for compliance officers and auditors: summary and
    verdict, licences, policy findings, waivers, vulnerabilities, lifecycle, changes,
    maturity, and the articles of 银办发〔2021〕146号 each section evidences."""
    with user_errors():
        from fincompliance.ledger.audit import Scope
        from fincompliance.ledger.store import open_ledger
        from fincompliance.report import audit

        try:
            chosen = audit.Format(output_format)
        except ValueError:
            raise UsageError(f"--format {output_format}: one of "
                             f"{', '.join(audit.Format)}") from None
        if chosen is not audit.Format.html and output is None:
            raise UsageError(f"--format {chosen.value} writes a file: add -o FILE.{chosen.value}")
        scope = Scope(project, scan, _day(since, "--since"), _day(until, "--until"))
        report, locale = audit.prepare(
            open_ledger(ledger, create=False), scope, language,
            institution, today(), prepared_by, reviewed_by)
        with _progress(f"writing the {chosen.value.upper()} report"):
            page = audit.write(report, locale, chosen, output)
        if page is not None:
            sys.stdout.write(page)
        if not report.data.chain.ok:
            stderr.print(f"warning: the ledger does not verify: {report.data.chain.problem}",
                         markup=False)


def main() -> None:
    # A scan builds hundreds of thousands of long-lived objects (a graph of 50,000 packages,
    # then its documents): collecting the youngest generation every 700 allocations spent
    # a fifth of such a run walking them. Cycles are still collected, less often.
    gc.set_threshold(50_000, 20, 100)
    app()
