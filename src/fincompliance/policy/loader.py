"""Reading policies: YAML with line numbers, the published JSON Schema, checks the schema
cannot make (licence ids, version ranges, duplicate rules), and `extends:` layering.

Every error names the file, the line and where in the schema the rule was broken, and is
raised before anything is scanned.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from fincompliance.errors import InputError
from fincompliance.inputs import load_yaml, read_text
from fincompliance.licensing.knowledge import load as load_knowledge
from fincompliance.product import PROPRIETARY, Distribution
from fincompliance.release.settings import ReleaseSettings
from fincompliance.supply_chain import InternalPackages

SHIPPED = ("financial-default", "strict", "internal-tools", "release-default")


def rules_directory() -> Path:
    packaged = Path(__file__).resolve().parent.parent / "data" / "rules"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "rules"


@dataclass(frozen=True)
class Rule:
    id: str
    action: str
    article: str
    when: dict[str, Any]
    severity: str
    message: str
    remediation: str
    include_dev: bool
    defined_at: str           # file:line, for "why" in findings
    # message and remediation in other languages, by language tag
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

    def uses(self, condition: tuple[str, ...]) -> bool:
        """Whether the rule's condition asks for these facts anywhere: ("vulnerability",),
        or ("internal", "public_namesake") for one test of a condition."""
        key, *test = condition
        return any(key in node and (not test or test[0] in (
            [node[key]] if isinstance(node[key], str) else node[key]))
                   for _, node in _conditions(self.when, ()))

    def text(self, language: str) -> tuple[str, str]:
        """Message and remediation in `language` where the rule has them, else English."""
        texts = self.translations.get(language, {})
        return (texts.get("message", self.message),
                texts.get("remediation", self.remediation))

    def texts(self) -> dict[str, dict[str, str]] | None:
        """The message and remediation in every language the rule has them in (English
        from `message` and `remediation`); None when it has only English."""
        if not self.translations:
            return None
        english = {"message": self.message, "remediation": self.remediation}
        return {"en": english, **{language: {**english, **texts} for language, texts
                                  in self.translations.items()}}


@dataclass
class Policy:
    name: str
    files: list[str] = field(default_factory=list)
    outbound: str = PROPRIETARY
    distribution: Distribution = Distribution.DISTRIBUTED_BINARY
    rules: dict[str, Rule] = field(default_factory=dict)
    internal: InternalPackages = InternalPackages()
    release: ReleaseSettings = ReleaseSettings()    # the release review's section

    @property
    def digest(self) -> str:
        """sha256 of the effective policy, so a report can say which policy judged it."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.name, "version": 1,
                "product": {"outbound": self.outbound, "distribution": self.distribution.value},
                **({"internal": {"packages": list(self.internal.packages),
                                 "sources": list(self.internal.sources)}}
                   if self.internal else {}),
                **({"release_review": self.release.to_dict()} if self.release else {}),
                "rules": [{k: v for k, v in vars(r).items() if k != "defined_at"}
                          for r in self.rules.values()]}


_DEFAULT_SEVERITY = {"deny": "error", "review": "warning", "allow": "note", "info": "note"}


@lru_cache(maxsize=2)
def _validator(schema_name: str):
    # Imported here: jsonschema takes over a second to import, and only policies need it.
    from jsonschema import Draft202012Validator

    schema = json.loads((rules_directory() / schema_name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def read_checked(path: Path, shown: str, schema_name: str, what: str
                 ) -> tuple[Any, dict[tuple, int]]:
    """A YAML file checked against one of fincomp's schemas, with its line map."""
    if not path.is_file():
        raise InputError(shown, f"{what} not found")
    text = read_text(path, shown)
    data = _dates_as_text(load_yaml(text, shown))
    lines = _line_map(text)
    _check_schema(data, lines, shown, schema_name)
    return data, lines


def _dates_as_text(value: Any) -> Any:
    """YAML reads `expires: 2027-01-31` as a date; the schemas speak JSON, where it is text."""
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    return value.isoformat() if isinstance(value, date) else value


def load_policy(reference: str | Path) -> Policy:
    """A policy file (or a shipped policy by name) with everything it extends."""
    return _load(_resolve(str(reference), Path.cwd()), [])


def _resolve(reference: str, base: Path) -> Path:
    if reference in SHIPPED:
        return rules_directory() / f"{reference}.yaml"
    candidate = (base / reference) if not Path(reference).is_absolute() else Path(reference)
    return candidate


def policy_path() -> list[Path]:
    """Folders of the institution's shared policies (`FINCOMP_POLICY_PATH`, separated like
    PATH), which any policy may extend besides the files in its own folder."""
    configured = os.environ.get("FINCOMP_POLICY_PATH", "")
    return [Path(folder) for folder in configured.split(os.pathsep) if folder]


def _confined_parent(reference: str, including: Path, shown: str) -> Path:
    """The file an `extends:` entry names, refused before it is read unless it is a shipped
    policy, a YAML file under the including policy's own folder, or under a folder of the
    configured policy path: a policy from a repository must not make fincomp read, and print
    in an error, any file the user can read."""
    path = _resolve(reference, including.parent)
    if reference in SHIPPED:
        return path
    real = path.resolve()
    roots = [including.parent.resolve(), *(folder.resolve() for folder in policy_path())]
    if real.suffix not in (".yaml", ".yml") or not any(real.is_relative_to(r) for r in roots):
        raise InputError(shown, f"extends {reference[:80]!r}: refused, a policy may extend only "
                         "the shipped policies and YAML files under its own folder or "
                         "FINCOMP_POLICY_PATH")
    return path


def _load(path: Path, chain: list[Path]) -> Policy:
    shipped = path.parent.resolve() == rules_directory().resolve() and path.stem in SHIPPED
    shown = f"{path.stem} (shipped)" if shipped else str(path)
    if path.resolve() in chain:
        raise InputError(shown, "extends itself: " + " -> ".join(str(p) for p in chain + [path]))
    data, lines = read_checked(path, shown, "policy.schema.json", "policy file")
    _check_meaning(data, lines, shown)
    parents = data.get("extends", [])
    parents = [parents] if isinstance(parents, str) else parents
    policy = Policy(name=data["policy"])
    for parent in parents:
        inherited = _load(_confined_parent(parent, path, shown), chain + [path.resolve()])
        policy.files += inherited.files
        policy.outbound, policy.distribution = inherited.outbound, inherited.distribution
        policy.rules.update(inherited.rules)
        policy.internal = _joined(policy.internal, inherited.internal)
        policy.release = policy.release.joined(inherited.release)
    policy.files.append(shown)
    internal = data.get("internal", {})
    policy.internal = _joined(policy.internal, InternalPackages(
        tuple(internal.get("packages", ())), tuple(internal.get("sources", ()))))
    policy.release = policy.release.joined(ReleaseSettings.read(data.get("release_review", {})))
    product = data.get("product", {})
    policy.outbound = product.get("outbound", policy.outbound)
    policy.distribution = Distribution(product.get("distribution", policy.distribution))
    for rule_id in data.get("disable", []):
        policy.rules.pop(rule_id, None)
    for index, rule in enumerate(data.get("rules", [])):
        policy.rules[rule["id"]] = Rule(
            id=rule["id"], action=rule["action"], article=rule["article"], when=rule["when"],
            severity=rule.get("severity", _DEFAULT_SEVERITY[rule["action"]]),
            message=rule.get("message", ""), remediation=rule.get("remediation", ""),
            include_dev=rule.get("include_dev", False),
            defined_at=f"{shown}:{lines.get(('rules', index), '?')}",
            translations=rule.get("translations", {}))
    return policy


def _joined(first: InternalPackages, second: InternalPackages) -> InternalPackages:
    return InternalPackages(tuple(dict.fromkeys(first.packages + second.packages)),
                            tuple(dict.fromkeys(first.sources + second.sources)))


def _check_schema(data: Any, lines: dict[tuple, int], shown: str, schema_name: str) -> None:
    from jsonschema.exceptions import best_match

    error = best_match(_validator(schema_name).iter_errors(data))
    if error is None:
        return
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        unexpected = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        path += tuple(unexpected[:1])  # point at the key that should not be there
    message = error.message
    if not isinstance(error.instance, dict | list) and len(repr(error.instance)) > 40:
        # the schema library quotes the value; a long one may be a file the user never meant
        # to show (a policy that is not YAML at all)
        message = message.replace(repr(error.instance), f"a {type(error.instance).__name__} "
                                  f"of {len(str(error.instance)):,} characters")
    raise InputError(shown, f"{_pointer(path)}: {message} "
                     f"(schema: /{'/'.join(str(p) for p in error.absolute_schema_path)})",
                     _nearest_line(lines, path))


def _check_meaning(data: dict[str, Any], lines: dict[tuple, int], shown: str) -> None:
    knowledge = load_knowledge()
    seen: dict[str, int] = {}
    for index, rule in enumerate(data.get("rules", [])):
        if rule["id"] in seen:
            raise InputError(shown, f"rules[{index}].id: {rule['id']!r} is used twice "
                             f"(also rules[{seen[rule['id']]}])", lines.get(("rules", index, "id")))
        seen[rule["id"]] = index
        when = rule["when"]
        for path, node in _conditions(when, ("rules", index, "when")):
            if "release_check" in node and (node is not when or len(node) > 1):
                where = path + ("release_check",)
                raise InputError(shown, f"{_pointer(where)}: release_check judges what a "
                                 "release review saw, not a component: it stands alone in a "
                                 "rule's `when`", _nearest_line(lines, where))
            licence = node.get("license", {})
            ids = licence.get("id", [])
            for position, licence_id in enumerate([ids] if isinstance(ids, str) else ids):
                if knowledge.get(licence_id) is None:
                    where = path + ("license", "id") + (() if isinstance(ids, str) else (position,))
                    raise InputError(shown, f"{_pointer(where)}: unknown licence id "
                                     f"{licence_id!r} (see licenses/catalog.json)",
                                     _nearest_line(lines, where))
            version = node.get("component", {}).get("version")
            if version is not None:
                try:
                    SpecifierSet(version)
                except InvalidSpecifier:
                    where = path + ("component", "version")
                    raise InputError(shown, f"{_pointer(where)}: {version!r} is not a version "
                                     "range (use e.g. \"<2.17.1\" or \">=1.0,<2\")",
                                     _nearest_line(lines, where)) from None


def _conditions(node: dict[str, Any], path: tuple):
    yield path, node
    for key in ("all", "any"):
        for index, child in enumerate(node.get(key, [])):
            yield from _conditions(child, path + (key, index))
    if "not" in node:
        yield from _conditions(node["not"], path + ("not",))


def _pointer(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the document"


def _nearest_line(lines: dict[tuple, int], path: tuple) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


def _line_map(text: str) -> dict[tuple, int]:
    """The line of every mapping key and sequence item, by its path in the document."""
    lines: dict[tuple, int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    stack = [((), root)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = path + (key.value,)
                lines[child] = key.start_mark.line + 1
                stack.append((child, value))
        elif isinstance(node, yaml.SequenceNode):
            for index, value in enumerate(node.value):
                lines[path + (index,)] = value.start_mark.line + 1
                stack.append((path + (index,), value))
    return lines
