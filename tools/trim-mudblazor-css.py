#!/usr/bin/env python3
"""Writes App/wwwroot/css/mudblazor-signin.min.css: MudBlazor's stylesheet without what the pages before sign-in
(CenteredLayout: /login, /setup, /enrol) never render, so a phone's first load carries ~16 KB of it, not ~43 KB.

Dropped: the rules of MudBlazor components those pages do not use (a rule naming any of them goes), the Material
colour helpers (.red-text.text-lighten-2, ...), right-to-left variants (NasDash has no RTL provider) and the breakpoint variants (pa-md-4, ...) of utility classes, where no
Razor file of those pages names them. Everything else is
kept verbatim. Run it again after a MudBlazor upgrade (a test compares the version in the header):
    python3 tools/trim-mudblazor-css.py
"""
import pathlib
import re
import xml.etree.ElementTree as ET

repo = pathlib.Path(__file__).resolve().parent.parent
props = ET.parse(repo / "Directory.Packages.props").getroot()
version = next(e.get("Version") for e in props.iter("PackageVersion") if e.get("Include") == "MudBlazor")
source = pathlib.Path.home() / ".nuget/packages/mudblazor" / version / "staticwebassets/MudBlazor.min.css"
target = repo / "App/wwwroot/css/mudblazor-signin.min.css"

# Components no page of CenteredLayout renders, directly or inside the components it does render (MudStepper's actions
# are a mud-card-actions and MudSimpleTable is a mud-table, so "card" and "table" stay). TrimmedStylesheetBrowserTests compares every element's computed style
# under this file and under the whole one, on every step before sign-in: it fails when this list is wrong.
unused = {
    "autocomplete", "avatar", "badge", "button-group", "breadcrumbs", "carousel", "chart", "chip", "chipset", "color", "data", "date",
    "dialog", "drawer", "drop", "expand", "fab", "file", "hidden", "highlighter", "image", "list", "mask", "menu",
    "nav", "navmenu", "numeric", "pagination", "picker", "radio", "range", "rating", "select", "skeleton", "slider",
    "splitter", "swipe", "switch", "tab", "tabs", "time", "timeline", "toggle", "treeview",
}
pages = ["App/Features/Login", "App/Features/Setup", "App/Features/Enrolment", "App/Features/SecurityKeys",
         "App/Features/Sessions", "App/Components"]
named = set()
for folder in pages:
    for razor in (repo / folder).rglob("*.razor"):
        for value in re.findall(r'(?:Class|class|StepClass)="([^"@]*)"', razor.read_text()):
            named.update(value.split())


def blocks(css):
    """Top-level `selector{...}` blocks of minified CSS, nested braces kept whole."""
    out, i = [], 0
    while (start := css.find("{", i)) >= 0:
        depth, end = 1, start + 1
        while depth:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        out.append((css[i:start].strip(), css[start:end]))
        i = end
    return out


colour = re.compile(r"^\.(?:red|pink|purple|deep-purple|indigo|blue|light-blue|cyan|teal|green|light-green|lime|yellow|amber"
                    r"|orange|deep-orange|brown|grey|gray|blue-grey|blue-gray|black|white|shades|transparent)(?:-text)?"
                    r"(?:\.(?:text-)?(?:lighten|darken|accent)-\d)?$")


def colour_helper(selector):
    return colour.match(selector.strip()) and not set(re.findall(r"\.([a-zA-Z][\w-]*)", selector)) & named


# MudSimpleTable is a mud-table with these parts; MudTable's pager, sorting, grouping, editing and the rest are not used.
simple_table = {"table", "table-container", "table-root", "table-dense", "table-outlined", "table-square", "table-bordered", "table-striped", "table-hover"}


def uses_unused(selector):
    names = re.findall(r"\.mud-([\w-]+)", selector)
    return any(name == u or name.startswith(u + "-") for name in names for u in unused) or \
        any(name.startswith("table") and name not in simple_table for name in names)


def breakpoint_utility(selector):
    classes = re.findall(r"\.([a-zA-Z][\w-]*)", selector)
    return classes and all(not c.startswith("mud-") and re.search(r"-(xs|sm|md|lg|xl|xxl)-", c) for c in classes)


def kept(selector, in_media):
    # Member by member: a list such as ".mud-primary,.mud-chip-primary" keeps the members that name no unused component.
    selector = ",".join(p for p in selector.split(",") if "rtl" not in p and not uses_unused(p))
    if not selector:
        return None
    if not in_media:
        parts = [p for p in selector.split(",") if not colour_helper(p)]
        return ",".join(parts) or None
    parts = [p for p in selector.split(",")
             if not breakpoint_utility(p) or set(re.findall(r"\.([a-zA-Z][\w-]*)", p)) & named]
    return ",".join(parts) or None


# utf-8-sig: the BOM at the start of MudBlazor's file would sit after our header, where it breaks the first rule (.mud-primary).
css = source.read_text(encoding="utf-8-sig")
rules = []
for selector, body in blocks(css):
    if selector.startswith("@media"):
        inner = [s + b for s, b in ((kept(s, True), b) for s, b in blocks(body[1:-1])) if s]
        if inner:
            rules.append(selector + "{" + "".join(inner) + "}")
    elif selector.startswith("@"):
        rules.append(selector + body)
    elif (s := kept(selector, False)) is not None:
        rules.append(s + body)

target.parent.mkdir(parents=True, exist_ok=True)
target.write_text(f"/* MudBlazor {version}, trimmed for the pages before sign-in by tools/trim-mudblazor-css.py */\n"
                  + "".join(rules) + "\n")
print(f"{target.relative_to(repo)}: {len(css):,} -> {target.stat().st_size:,} bytes")
