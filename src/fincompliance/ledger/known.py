"""The licence knowledge store: what the institution already knows about package versions'
licences, kept in the ledger's database, so that a version analysed once (from a registry,
its archive, or installed files) is known to every later scan on any machine that can read
the ledger, with no network.

Each conclusion is kept with its evidence, method, source and date, keyed by purl and
artifact digest; rows are written in batches, each batch one ledger entry (`ledger verify`
recomputes it), and never changed: a newer conclusion is a new row. A scan uses the store
for what it could not conclude itself; an institution curation in the store (who, why)
wins over everything. `export` and `import` move the store as one checksummed file to
machines with no route to the shared ledger.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select

from fincompliance.errors import InputError, UsageError
from fincompliance.ledger.record import now
from fincompliance.ledger.schema import knowledge_batches, known_licences
from fincompliance.ledger.store import append, digest, locked_head, write
from fincompliance.licensing.normalise import UNKNOWN
from fincompliance.model import Component, Graph, LicenceConclusion, package_of

FORMAT = "fincomp-licence-knowledge"
FORMAT_VERSION = 1
FROM_STORE_PROPERTY = "fincomp:licence-from-knowledge-store"   # the batch's origin and date
# Where a conclusion's evidence came from, worth keeping: what the next scan may not have.
# (What the lockfile itself says is read again each time; curations from files stay files.)
KEPT_SOURCES = ("registry", "archive", "installed")
_FIELDS = ("purl", "artifact", "expression", "method", "confidence", "source", "evidence",
           "reason", "concluded_at")
_BATCH = 500      # rows looked up per query


@dataclass(frozen=True)
class Known:
    purl: str
    artifact: str
    expression: str
    method: str
    confidence: float
    source: str
    evidence: tuple[str, ...]
    reason: str | None
    concluded_at: str
    origin: str = ""
    actor: str | None = None

    def row(self) -> dict[str, object]:
        return {"purl": self.purl, "artifact": self.artifact, "expression": self.expression,
                "method": self.method, "confidence": f"{self.confidence:.2f}",
                "source": self.source, "evidence": json.dumps(list(self.evidence),
                                                              ensure_ascii=False),
                "reason": self.reason, "concluded_at": self.concluded_at}

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return self.purl, self.artifact, self.expression, self.method, self.source


@dataclass
class KnowledgeReport:
    ledger: str
    applied: int = 0          # components whose licence came from the store
    curated: int = 0          # of which by an institution curation in the store
    remembered: int = 0       # conclusions this scan added to the store
    problem: str | None = None   # why the store could not be read or this scan's kept

    def notes(self) -> list[str]:
        notes = []
        if self.applied:
            notes.append(f"{self.applied} licences from the knowledge store in {self.ledger}"
                         + (f" ({self.curated} institution curations)" if self.curated else ""))
        if self.remembered:
            notes.append(f"{self.remembered} licence conclusions added to the knowledge store")
        if self.problem:
            notes.append(f"licence knowledge store not used: {self.problem}")
        return notes


def consult(graph: Graph, url: str, origin: str, create: bool = False
            ) -> KnowledgeReport:
    """Use the store of the ledger at `url` (`analysis.stage.consult_knowledge` decides which; a
    scan being recorded, `create`, makes it) and keep this scan's new conclusions in it. A
    ledger that cannot be read or written is a note, not a failure: the scan stands on its
    own evidence."""
    from sqlalchemy.exc import SQLAlchemyError

    from fincompliance.errors import FincompError
    from fincompliance.ledger.store import open_ledger

    report = KnowledgeReport("the ledger")
    try:
        engine = open_ledger(url, create=create)
    except FincompError as exc:
        report.problem = str(exc)
        return report
    try:
        report.ledger = engine.url.render_as_string(hide_password=True)
        apply_known(graph, engine, report)
        remember(graph, engine, origin, report)
    except (SQLAlchemyError, FincompError) as exc:
        report.problem = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    finally:
        engine.dispose()
    return report


def source_of(component: Component) -> str | None:
    """Where a component's concluded licence came from, when it is worth keeping."""
    concluded = component.concluded
    if concluded is None or concluded.expression == UNKNOWN or concluded.method == "curated":
        return None
    properties = dict(component.properties)
    if FROM_STORE_PROPERTY in properties:
        return None
    declared_from = properties.get("fincomp:declared-licence-from")
    if "fincomp:licence-files-from" in properties or declared_from == "archive":
        return "archive"
    if declared_from == "registry":
        return "registry"
    if component.license_files:
        return "installed"
    return None


def artifact_of(component: Component) -> str:
    """The digest that names the exact artifact: the lockfile's strongest hash, or Go's h1."""
    hashes = {h.algorithm: h.value for h in component.hashes}
    for algorithm in ("SHA-512", "SHA-256", "SHA-384", "SHA-1"):
        if algorithm in hashes:
            return f"{algorithm.replace('-', '').lower()}:{hashes[algorithm]}"
    return dict(component.properties).get("fincomp:go:sum", "")


def apply_known(graph: Graph, engine: Engine, report: KnowledgeReport) -> None:
    """Conclusions from the store: an institution curation always; otherwise the newest
    conclusion about the same version (and artifact, when both sides know it) for a
    component this scan could not conclude. Counted in `report`."""
    components = [c for c in graph.sorted_components() if c.purl and c.version]
    if not components:
        return
    with engine.connect() as connection:
        known = _lookup(connection, {p for c in components
                                     for p in (c.purl, package_of(c.purl))})
    for component in components:
        candidates = known.get(component.purl, []) + known.get(package_of(component.purl), [])
        artifact = artifact_of(component)
        fitting = [k for k in candidates if not (k.artifact and artifact
                                                 and k.artifact != artifact)]
        curation = next((k for k in fitting if k.source == "curation"), None)
        unknown = component.concluded is None or component.concluded.expression == UNKNOWN
        chosen = curation or (fitting[0] if fitting and unknown else None)
        if chosen is None:
            continue
        component.concluded = LicenceConclusion(
            expression=chosen.expression, confidence=chosen.confidence, method=chosen.method,
            evidence=(f"licence knowledge store: {chosen.source}, concluded "
                      f"{chosen.concluded_at[:10]} ({chosen.origin}"
                      + (f", {chosen.actor}" if chosen.actor else "") + ")",
                      *chosen.evidence),
            declared=component.concluded.declared if component.concluded else None,
            detected=component.concluded.detected if component.concluded else None,
            reason=chosen.reason)
        component.properties = tuple(sorted({*component.properties, (
            FROM_STORE_PROPERTY, f"{chosen.source} {chosen.concluded_at[:10]}")}))
        report.applied += 1
        report.curated += chosen is curation


def remember(graph: Graph, engine: Engine, origin: str, report: KnowledgeReport) -> None:
    """Keep this scan's conclusions from registries, archives and installed files that the
    store does not already hold, as one batch."""
    at = now()
    fresh = []
    for component in graph.sorted_components():
        source = source_of(component)
        if source is None or not component.purl or not component.version:
            continue
        concluded = component.concluded
        assert concluded is not None
        fresh.append(Known(component.purl, artifact_of(component), concluded.expression,
                           concluded.method, concluded.confidence, source,
                           concluded.evidence, concluded.reason, at))
    if fresh:
        report.remembered = add_batch(engine, fresh, origin, None)


def add_batch(engine: Engine, entries: Iterable[Known], origin: str, actor: str | None) -> int:
    """Append the entries the store does not hold yet (same purl, artifact, licence, method
    and source) as one batch and ledger entry; how many were added."""
    entries = list(entries)

    def work(connection: Connection) -> int:
        held = {k.key for found in _lookup(connection, {e.purl for e in entries}).values()
                for k in found}
        new = list({e.key: e for e in entries if e.key not in held}.values())
        if not new:
            return 0
        with locked_head(connection) as head:
            at = now()
            batch = connection.execute(insert(knowledge_batches).values(
                origin=origin, actor=actor, at=at, entry_seq=head["seq"] + 1)
            ).inserted_primary_key[0]
            connection.execute(insert(known_licences), [
                {**e.row(), "batch_id": batch} for e in new])
            append(connection, "knowledge", batch, at,
                   digest(knowledge_content(connection, batch)), head)
        return len(new)

    return write(engine, work)


def knowledge_content(connection: Connection, batch_id: int) -> dict:
    """What a knowledge entry's digest covers: the batch and its rows, as stored."""
    batch = connection.execute(select(knowledge_batches).where(
        knowledge_batches.c.id == batch_id)).mappings().one()
    rows = connection.execute(select(known_licences).where(
        known_licences.c.batch_id == batch_id).order_by(known_licences.c.id)).mappings().all()
    return {"batch": {k: v for k, v in batch.items() if k != "id"},
            "rows": [{k: r[k] for k in _FIELDS} for r in rows]}


def _lookup(connection: Connection, purls: set[str]) -> dict[str, list[Known]]:
    """Every stored conclusion about these purls, newest first."""
    found: dict[str, list[Known]] = {}
    ordered = sorted(purls)
    for start in range(0, len(ordered), _BATCH):
        rows = connection.execute(
            select(known_licences, knowledge_batches.c.origin, knowledge_batches.c.actor)
            .join(knowledge_batches, knowledge_batches.c.id == known_licences.c.batch_id)
            .where(known_licences.c.purl.in_(ordered[start:start + _BATCH]))
            .order_by(known_licences.c.concluded_at.desc(), known_licences.c.id.desc())
        ).mappings()
        for row in rows:
            found.setdefault(row["purl"], []).append(_known(row))
    return found


def _known(row) -> Known:  # type: ignore[no-untyped-def]
    return Known(row["purl"], row["artifact"], row["expression"], row["method"],
                 float(row["confidence"]), row["source"], tuple(json.loads(row["evidence"])),
                 row["reason"], row["concluded_at"], row.get("origin") or "",
                 row.get("actor"))


def listed(engine: Engine, about: str | None = None) -> list[dict[str, object]]:
    """Every stored conclusion, oldest first (about one purl, or one package's versions
    when `about` names no version), with the batch it came in: which scan, import or
    curation, and who."""
    query = select(known_licences, knowledge_batches.c.origin, knowledge_batches.c.actor,
                   knowledge_batches.c.entry_seq).join(
        knowledge_batches, knowledge_batches.c.id == known_licences.c.batch_id)
    if about:
        query = query.where(known_licences.c.purl.startswith(about, autoescape=True))
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(known_licences.c.id)).mappings().all()
    return [{"purl": r["purl"], "licence": r["expression"], "method": r["method"],
             "source": r["source"], "artifact": r["artifact"],
             "concluded_at": r["concluded_at"], "origin": r["origin"], "actor": r["actor"],
             "ledger_entry": r["entry_seq"], "reason": r["reason"],
             "evidence": json.loads(r["evidence"])} for r in rows
            if not about or "@" in about or r["purl"] == about
            or r["purl"].startswith(about + "@")]


# -- moving the store between machines -----------------------------------------------------

@dataclass
class Transfer:
    entries: int = 0
    added: int = 0
    checksum: str = ""
    origins: list[str] = field(default_factory=list)


def export(engine: Engine, path: Path) -> Transfer:
    """Every stored conclusion, oldest first, as one JSON file whose checksum covers them."""
    with engine.connect() as connection:
        rows = connection.execute(select(known_licences).order_by(
            known_licences.c.concluded_at, known_licences.c.purl, known_licences.c.id)
        ).mappings().all()
    # The batches (which scan, import or curation, who) stay with the ledger's chain; the
    # file carries the conclusions, and a curation's evidence names who made it and why.
    entries = [{**{k: row[k] for k in _FIELDS}, "confidence": float(row["confidence"]),
                "evidence": json.loads(row["evidence"])} for row in rows]
    checksum = _checksum(entries)
    document = {"format": FORMAT, "version": FORMAT_VERSION, "entries": entries,
                "checksum": checksum}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                    encoding="utf-8")
    return Transfer(len(entries), checksum=checksum)


def import_file(engine: Engine, path: Path, actor: str) -> Transfer:
    """The conclusions of an exported file that the store does not hold yet, as one batch;
    a file whose checksum does not cover its entries is refused whole."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(str(path), f"not a knowledge export: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(str(path), f"not a knowledge export (no \"format\": \"{FORMAT}\")")
    if document.get("version") != FORMAT_VERSION:
        raise InputError(str(path), f"knowledge export version {document.get('version')!r}; "
                                    f"this fincomp reads version {FORMAT_VERSION}")
    entries = document.get("entries")
    if not isinstance(entries, list) or _checksum(entries) != document.get("checksum"):
        raise InputError(str(path), "the checksum does not match the entries (changed or cut "
                                    "short since it was exported); nothing imported")
    try:
        known = [Known(str(e["purl"]), str(e["artifact"]), str(e["expression"]),
                       str(e["method"]), float(e["confidence"]), str(e["source"]),
                       tuple(str(line) for line in e["evidence"]),
                       None if e["reason"] is None else str(e["reason"]),
                       str(e["concluded_at"])) for e in entries]
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(str(path), f"an entry lacks {exc}; nothing imported") from None
    added = add_batch(engine, known, f"import of {path.name}", actor) if known else 0
    return Transfer(len(known), added, document["checksum"])


def curate(engine: Engine, purl: str, expression: str, reason: str, actor: str) -> int:
    """An institution curation: this licence for the purl (every version when it names
    none), over anything concluded, with who and why."""
    if not reason.strip() or not actor.strip():
        raise UsageError("a curation says why (--reason) and who decided (--actor)")
    entry = Known(purl, "", expression, "curated", 1.0, "curation",
                  (f"curated by {actor}: {reason}",), reason, now())
    return add_batch(engine, [entry], "curation", actor)


def _checksum(entries: list) -> str:  # type: ignore[type-arg]
    text = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
