"""The release review as one call any caller makes (the CLI, a service): the dependencies
that go out with the release judged for its outbound licence, the release's files and
history checked, and everything judged by the release policy into one `Judgement`.

What was not checked (no git history, a section the policy leaves empty, files that could
not be read) is listed beside the verdict, never read as clean."""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from fincompliance.analysis.stage import Unchecked
from fincompliance.errors import UsageError
from fincompliance.ledger.gitinfo import commit_and_branch
from fincompliance.ledger.record import ProjectInfo, ReleaseRecord, ScanInfo, record_scan
from fincompliance.licensing.conclude import conclude_graph
from fincompliance.licensing.knowledge import load as load_knowledge
from fincompliance.model import Location
from fincompliance.policy.baseline import Baseline
from fincompliance.policy.gate import Judgement, judge
from fincompliance.policy.loader import Policy
from fincompliance.policy.waivers import Waiver
from fincompliance.product import Distribution
from fincompliance.release import Observation
from fincompliance.release.content import LineChecks, SecretScanner
from fincompliance.release.files import ReleaseFiles, release_files
from fincompliance.release.history import added_lines, commits, hygiene
from fincompliance.release.ownership import OwnLicensing
from fincompliance.release.texts import Speaker
from fincompliance.scan import ScanOptions, ScanResult, scan

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ReleaseOptions:
    outbound: str | None = None        # default: the release policy's product.outbound
    history: bool = False              # also scan the lines every commit added
    installed: bool = False            # read installed packages for dependency licences
    keep_going: bool = False
    exclude: tuple[str, ...] = ()      # dependency scan exclusions, as `scan --exclude`
    language: str = "en"


@dataclass
class ReleaseReview:
    root: Path
    outbound: str
    dependencies: ScanResult
    files: ReleaseFiles
    commit: str | None
    branch: str | None
    commits: int | None                # None: not a git checkout
    observations: list[Observation]
    not_checked: list[Unchecked]
    judgement: Judgement
    checks: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.judgement.failed


def review_release(path: Path, policy: Policy, options: ReleaseOptions, *,
                   waivers: list[Waiver] = (), baseline: Baseline | None = None,
                   fail_on: str = "error", on: date,
                   progress: Progress | None = None) -> ReleaseReview:
    root = path if path.is_dir() else path.parent
    outbound = options.outbound or policy.outbound
    policy = replace(policy, outbound=outbound, rules=dict(policy.rules))
    if policy.distribution in (Distribution.INTERNAL_USE, Distribution.NETWORK_SERVICE):
        policy.distribution = Distribution.DISTRIBUTED_SOURCE   # a release is distributed
    knowledge = load_knowledge()
    speaker = Speaker(options.language)
    settings = policy.release
    report = progress or (lambda step, done, total: None)

    dependencies = scan(root, ScanOptions(include_installed=options.installed,
                                          keep_going=options.keep_going,
                                          exclude=options.exclude))
    conclude_graph(dependencies.graph, dependencies.root)

    files = release_files(root, settings.exclude)
    own = OwnLicensing(files, outbound, settings, knowledge, speaker)
    lines = LineChecks(settings, speaker)
    secrets = SecretScanner(speaker)
    observations: list[Observation] = list(own.licence_file())
    reader = _FileReader(files, own, lines, secrets)
    try:
        observations += reader.read_all(
            lambda done: report("reading the files to be released", done, len(files.paths)))
        history = commits(root) if files.from_git else None
        if history is not None:
            observations += hygiene(history, settings, speaker)
        if options.history and history is not None:
            # A value still in the released files is reported there; the history adds
            # what a later commit removed but publishing the repository still publishes.
            present = {o.fingerprint for o in observations if o.fingerprint}
            observations += [o for o in reader.read_history(
                added_lines(root), lambda done: report("reading the history", done,
                                                       len(history)))
                              if o.fingerprint not in present]
    finally:
        secrets.close()
    observations += lines.notices_missing()
    observations += own.copyright()
    observations += own.notice(dependencies.graph.shipped())
    observations += own.vendored_code()
    observations = _deduplicated(observations)

    judgement = judge(dependencies.graph, dependencies.root, policy, waivers=list(waivers),
                      baseline=baseline, fail_on=fail_on, on=on, knowledge=knowledge,
                      observations=observations, language=options.language)
    commit, branch = commit_and_branch(root)
    return ReleaseReview(
        root, outbound, dependencies, files, commit, branch,
        None if history is None else len(history), observations,
        _not_checked(files, history, options, policy, speaker), judgement,
        {"release": {"files": len(files.paths), "files_not_read": sum(files.not_read.values()),
                     "commits": None if history is None else len(history),
                     "history_scanned": bool(options.history and history is not None)}})


_PARALLEL_FROM = 200   # files; fewer are read in process
_CHUNK = 50


@dataclass
class _Chunk:
    """What reading some files found, and the state the checks keep across files."""

    observations: list[Observation]
    mentions: dict[str, tuple[Location, int]]
    notices_seen: set[str]
    holder_seen: bool
    unread: dict[str, str]


Change = tuple[str, str, list[tuple[int, str]]]   # commit, path, added lines


class _FileReader:
    """Released files and added lines through the per-file checks: from a few hundred
    files on, in two forked workers (detect-secrets costs milliseconds a file), results
    merged in order."""

    def __init__(self, files: ReleaseFiles, own: OwnLicensing, lines: LineChecks,
                 secrets: SecretScanner) -> None:
        self.files, self.own, self.lines, self.secrets = files, own, lines, secrets

    def read_all(self, done: Callable[[int], None]) -> list[Observation]:
        paths = self.files.paths
        chunks = [paths[i:i + _CHUNK] for i in range(0, len(paths), _CHUNK)]
        # what the licence file check already saw is kept
        merged = _Chunk([], {}, set(), self.own.holder_seen, dict(self.files.unread))
        for number, chunk in enumerate(self._results("read", chunks,
                                                     len(paths) >= _PARALLEL_FROM), 1):
            for name, (first, count) in chunk.mentions.items():
                earlier, seen = merged.mentions.get(name, (first, 0))
                merged.mentions[name] = (earlier, seen + count)
            merged.notices_seen |= chunk.notices_seen
            merged.holder_seen = merged.holder_seen or chunk.holder_seen
            merged.unread.update(chunk.unread)
            merged.observations += chunk.observations
            done(min(number * _CHUNK, len(paths)))
        self.lines.mentions, self.lines.notices_seen = merged.mentions, merged.notices_seen
        self.own.holder_seen, self.files.unread = merged.holder_seen, merged.unread
        return merged.observations

    def read(self, paths: list[str]) -> _Chunk:
        """One chunk of files, its cross-file state started afresh (merged by the caller)."""
        observations: list[Observation] = []
        lines, own = self.lines, self.own
        lines.mentions, lines.notices_seen, own.holder_seen = {}, set(), False
        self.files.unread = {}
        for relative in paths:
            content = self.files.lines(relative)
            if content is None:
                continue
            observations += own.headers(relative, content)
            observations += lines.scan(relative, enumerate(content, 1))
            observations += self.secrets.file(self.files.root, relative)
            lines.look_for_notices(content)
        return _Chunk(observations, lines.mentions, lines.notices_seen, own.holder_seen,
                      self.files.unread)

    def read_history(self, changes: Iterator[Change], done: Callable[[int], None]
                     ) -> list[Observation]:
        """What every commit added, less the lines the released version of the same file
        still has (read there already)."""
        released = set(self.files.paths)
        current: dict[str, frozenset[str]] = {}
        chunk: list[Change] = []
        chunks: list[list[Change]] = [chunk]
        for sha, relative, added in changes:
            if relative not in current:
                current[relative] = frozenset(
                    (self.files.lines(relative) or ()) if relative in released else ())
            kept = [(number, text) for number, text in added if text not in current[relative]]
            if kept:
                if len(chunk) == _CHUNK:
                    chunk = []
                    chunks.append(chunk)
                chunk.append((sha, relative, kept))
        found: list[Observation] = []
        commits_read: set[str] = set()
        for shas, observations in self._results("history", chunks, True):
            found += observations
            commits_read |= shas
            done(len(commits_read))
        return found

    def history(self, changes: list[Change]) -> tuple[set[str], list[Observation]]:
        observations: list[Observation] = []
        for sha, relative, added in changes:
            observations += self.lines.scan(relative, added, subject=f"{relative}@{sha[:12]}")
            observations += self.secrets.added_lines(sha, relative, added)
        return {sha for sha, _, _ in changes}, observations

    def _results(self, method: str, chunks: list, many: bool) -> Iterator:
        if not many or multiprocessing.get_start_method() != "fork":
            yield from map(getattr(self, method), chunks)
            return
        global _READER
        _READER = self   # the forked workers inherit it, loaded settings and all
        with ProcessPoolExecutor(max_workers=2) as pool:
            yield from pool.map(_in_worker, itertools.repeat(method), chunks)


_READER: _FileReader | None = None


def _in_worker(method: str, chunk: list):
    return getattr(_READER, method)(chunk)


def record_review(engine: Engine, project: ProjectInfo, review: ReleaseReview,
                  signed_off_by: str) -> int:
    """The review into the ledger as one scan entry (its dependencies and findings) with its
    release row: outbound licence, result, who signed it off, what was read and not
    checked. Returns the scan id."""
    if not signed_off_by.strip():
        raise UsageError("a release review recorded in the ledger names who signed it off "
                         "(--signed-off-by NAME)")
    policy = review.judgement.policy
    facts = {**review.checks["release"],
             "not_checked": [u.text for u in review.not_checked],
             "not_checked_checks": sorted({u.check for u in review.not_checked})}
    return record_scan(
        engine, project, ScanInfo(review.root.resolve().name, review.commit, review.branch),
        review.dependencies.graph, review.judgement, checks=review.checks,
        release=ReleaseRecord(review.outbound, policy.distribution.value,
                              "pass" if review.passed else "fail", signed_off_by.strip(),
                              facts))


def _deduplicated(observations: list[Observation]) -> list[Observation]:
    """One observation per thing at one place, named by that place (`src/app.py:12`, so
    that each is its own row wherever findings are listed by subject): detect-secrets'
    plugins may each find the same value (a keyword and a high-entropy string), which is
    one secret to remove."""
    seen: dict[tuple, Observation] = {}
    for observation in observations:
        where = observation.location
        if where is not None and where.line and observation.subject == where.path:
            observation = replace(observation, subject=str(where))
        place = (observation.check, observation.subject, str(where))
        if observation.check.startswith("secret"):
            seen.setdefault(place, observation)
        else:
            seen.setdefault(place + (observation.key,), observation)
    return list(seen.values())


_UNCHECKED = {
    "en": {
        "history": ("in the git history", "what {count} earlier commits added (no --history)"),
        "no-git": ("{what}", "not a git checkout (or git is not installed)"),
        "sign-off": ("for sign-offs", "the policy asks for none (release_review.sign_off)"),
        "domains": ("for authors outside the institution",
                    "the policy names no e-mail domain (release_review.domains)"),
        "hosts": ("for internal hosts", "the policy lists no internal host or network "
                  "(release_review.internal_hosts, internal_networks)"),
        "names": ("for names and marks", "the policy lists none (release_review.names)"),
        "holders": ("copyright statements", "the policy names no copyright holder "
                    "(release_review.copyright_holders)"),
        "not-read": ("the content of {count} files", "{why}"),
        "patents": ("patents", "no patent data: whether the release practises patents is "
                    "for the institution's IP review (art. 20)"),
    },
    "zh-CN": {
        "history": ("Git 历史", "之前 {count} 次提交添加的内容（未使用 --history）"),
        "no-git": ("{what}", "不是 Git 检出目录（或未安装 git）"),
        "sign-off": ("提交签署（Signed-off-by）", "策略未要求（release_review.sign_off）"),
        "domains": ("机构外作者", "策略未列出电子邮件域名（release_review.domains）"),
        "hosts": ("内部主机名和地址", "策略未列出内部主机名或网段"
                  "（release_review.internal_hosts、internal_networks）"),
        "names": ("名称和商标", "策略未列出（release_review.names）"),
        "holders": ("版权声明", "策略未写明版权人（release_review.copyright_holders）"),
        "not-read": ("{count} 个文件的内容", "{why}"),
        "patents": ("专利", "没有专利数据：发布内容是否实施了专利须由机构的知识产权审查确定"
                    "（第二十条）"),
    },
}
_WHY_NOT_READ = {"zh-CN": {"binary": "二进制文件", "unreadable": "无法读取",
                           "over the size limit or a link": "超过大小限制或为链接"}}


def _not_checked(files: ReleaseFiles, history, options: ReleaseOptions, policy: Policy,
                 speaker: Speaker) -> list[Unchecked]:
    texts = _UNCHECKED.get(speaker.language, _UNCHECKED["en"])
    settings = policy.release
    found = []

    def add(key: str, check: str, **values) -> None:
        what, which = texts[key]
        found.append(Unchecked(check, what.format(**values), which.format(**values),
                               ("release_check", check)))

    if history is None:
        add("no-git", "sign-off", what=texts["sign-off"][0])
        add("no-git", "outside-author", what=texts["domains"][0])
    else:
        if not options.history and history:
            add("history", "secret-in-history", count=len(history))
        if settings.sign_off != "dco":
            add("sign-off", "sign-off")
        if not settings.domains:
            add("domains", "outside-author")
    if not settings.internal_hosts and not settings.internal_networks:
        add("hosts", "internal-host")
    if not settings.names:
        add("names", "trademark")
    if not settings.copyright_holders:
        add("holders", "copyright")
    if files.not_read:
        words = _WHY_NOT_READ.get(speaker.language, {})
        add("not-read", "secret", count=sum(files.not_read.values()), why=", ".join(
            f"{words.get(why, why)}: {count}" for why, count in sorted(files.not_read.items())))
    add("patents", "patent")
    return found
