"""`fincomp notice PATH`: the third-party notice (attribution) file, in text, Markdown or
HTML. Each component with its version, licence and copyright lines; each licence text once;
NOTICE files carried where the licence requires it."""

from __future__ import annotations

import html
from collections.abc import Callable

from fincompliance.licensing.attribution import Attribution, licence_text
from fincompliance.licensing.expressions import terms
from fincompliance.licensing.knowledge import Knowledge
from fincompliance.model import Component, Graph


def _licence_ids(components: list[Component]) -> list[str]:
    ids = {i for c in components for t in terms(c.concluded.expression)
           for i in (t.licence, t.exception) if i}
    return sorted(ids, key=str.lower)


def render(graph: Graph, attributions: dict[str, Attribution], knowledge: Knowledge,
           product: str, fmt: str) -> str:
    components = graph.shipped()
    texts = {i: licence_text(i, knowledge) for i in _licence_ids(components)}
    writer: Callable[..., str] = {"text": _text, "markdown": _markdown, "html": _html}[fmt]
    return writer(product, components, attributions, texts, knowledge)


def _name(component: Component) -> str:
    return f"{component.name} {component.version}" if component.version else component.name


def _text(product, components, attributions, texts, knowledge) -> str:
    lines = [f"Third-party software notices for {product}", "=" * 60, "",
             f"{product} includes the following {len(components)} open-source components.", ""]
    for component in components:
        attribution = attributions[component.ref]
        lines += [f"{_name(component)}", f"  Licence: {component.concluded.expression}",
                  f"  Package: {component.purl}"]
        lines += [f"  {c}" for c in attribution.copyrights]
        for path, notice in attribution.notices:
            lines += [f"  NOTICE ({path}):", *("    " + n for n in notice.splitlines())]
        lines.append("")
    lines += ["", "Licence texts", "=" * 60]
    for licence_id, text in texts.items():
        name = knowledge.get(licence_id).name if knowledge.get(licence_id) else licence_id
        lines += ["", f"{licence_id} — {name}", "-" * 60,
                  text or "(No standard text: see the component's own licence files.)"]
    return "\n".join(lines) + "\n"


def _markdown(product, components, attributions, texts, knowledge) -> str:
    lines = [f"# Third-party software notices for {product}", "",
             f"{product} includes the following {len(components)} open-source components.", "",
             "| Component | Version | Licence |", "|---|---|---|"]
    lines += [f"| {c.name} | {c.version or ''} | {c.concluded.expression} |" for c in components]
    for component in components:
        attribution = attributions[component.ref]
        if attribution.copyrights or attribution.notices:
            lines += ["", f"## {_name(component)}", ""]
            lines += [f"- {c}" for c in attribution.copyrights]
            for path, notice in attribution.notices:
                lines += ["", f"NOTICE ({path}):", "", "```", notice, "```"]
    lines += ["", "# Licence texts"]
    for licence_id, text in texts.items():
        name = knowledge.get(licence_id).name if knowledge.get(licence_id) else licence_id
        lines += ["", f"## {licence_id} — {name}", "", "```",
                  text or "(No standard text: see the component's own licence files.)", "```"]
    return "\n".join(lines) + "\n"


def _html(product, components, attributions, texts, knowledge) -> str:
    e = html.escape
    rows = "".join(f"<tr><td>{e(c.name)}</td><td>{e(c.version or '')}</td>"
                   f"<td>{e(c.concluded.expression)}</td></tr>" for c in components)
    details = []
    for component in components:
        attribution = attributions[component.ref]
        if attribution.copyrights or attribution.notices:
            items = "".join(f"<li>{e(c)}</li>" for c in attribution.copyrights)
            notices = "".join(f"<p>NOTICE ({e(p)}):</p><pre>{e(n)}</pre>"
                              for p, n in attribution.notices)
            details.append(f"<h3>{e(_name(component))}</h3><ul>{items}</ul>{notices}")
    licences = "".join(
        f"<h3 id=\"{e(i)}\">{e(i)} — {e(knowledge.get(i).name if knowledge.get(i) else i)}</h3>"
        f"<pre>{e(t or 'No standard text: see the component own licence files.')}</pre>"
        for i, t in texts.items())
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Third-party notices for {e(product)}</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
            "pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}"
            "</style></head><body>"
            f"<h1>Third-party software notices for {e(product)}</h1>"
            f"<p>{e(product)} includes the following {len(components)} open-source components."
            "</p><table><tr><th>Component</th><th>Version</th><th>Licence</th></tr>"
            f"{rows}</table>{''.join(details)}<h2>Licence texts</h2>{licences}</body></html>\n")
