#!/usr/bin/env python3
"""Lists every public (and open) declaration of Graft's library products that has no doc comment,
and fails when there is one. Run by Scripts/check-docs.sh after `swift package
generate-documentation`, from the symbol graphs that command extracts (one
<scratch>/<triple>/extracted-symbols/<package>/<Module>/ folder per module).

The rule: a symbol of a checked module must have a doc comment when
  - its access level is public or open (the symbol graphs hold only those: the DocC plugin
    extracts them at its `public` minimum), and
  - it was written in Graft's source: it has a source location. Declarations the compiler makes
    have none and are skipped: Codable's `init(from:)`, a raw-value enum's `init(rawValue:)` and
    `rawValue`, a property wrapper's `$projection`; and
  - it is not inherited: symbols whose identifier carries `::SYNTHESIZED::` (a protocol
    extension's default implementation shown on the conforming type, e.g. Equatable's `!=`,
    Error's `localizedDescription`) are skipped, and
  - it is not an extension block (`swift.extension`): its members are checked one by one.
A declaration that implements a protocol requirement and has no comment of its own inherits the
requirement's comment (the compiler copies it into the symbol graph, and DocC shows it), so it
counts as documented: `description` of CustomStringConvertible needs no comment of its own.

Usage: check-doc-comments.py <symbol-graph-root> <module>... [--exclude <module>...] [--show N]
Prints one line per module (undocumented count) and the first N offenders as file:line, kind and
symbol path; exit status 1 when a checked module has one.
"""
import collections
import glob
import json
import os
import sys


def symbol_files(root, module):
    """The module's symbol graphs (its own and the ones for extensions of other modules' types)."""
    return sorted(glob.glob(os.path.join(root, module, f"{module}.symbols.json"))
                  + glob.glob(os.path.join(root, module, f"{module}@*.symbols.json")))


def undocumented(path):
    """(file, line, kind, symbol path) of every symbol in one symbol graph that needs a doc comment and has none."""
    with open(path) as f:
        graph = json.load(f)
    found = []
    for symbol in graph["symbols"]:
        if symbol.get("accessLevel") not in ("public", "open"):
            continue
        if "::SYNTHESIZED::" in symbol["identifier"]["precise"]:
            continue
        kind = symbol["kind"]["identifier"]
        if kind == "swift.extension" or "location" not in symbol:
            continue
        lines = symbol.get("docComment", {}).get("lines", [])
        if any(line.get("text", "").strip() for line in lines):
            continue
        location = symbol["location"]
        file = location["uri"].removeprefix("file://")
        found.append((file, location["position"]["line"] + 1, kind.removeprefix("swift."),
                      ".".join(symbol["pathComponents"])))
    return found


def main(argv):
    show = 40
    modules, excluded = [], []
    target = modules
    args = iter(argv[2:])
    for arg in args:
        if arg == "--exclude":
            target = excluded
        elif arg == "--show":
            show = int(next(args))
        else:
            target.append(arg)
    root = argv[1]
    cwd = os.getcwd() + "/"
    offenders = []
    counts = collections.OrderedDict()
    for module in modules + excluded:
        files = symbol_files(root, module)
        if not files:
            print(f"check-doc-comments: no symbol graph for {module} under {root}", file=sys.stderr)
            return 2
        found = sorted(set(sum((undocumented(f) for f in files), [])))
        counts[module] = len(found)
        if module in modules:
            offenders += found
    for module, count in counts.items():
        note = "  (excluded: documented separately)" if module in excluded else ""
        print(f"  {module:<16} {count:>5} undocumented{note}")
    for file, line, kind, name in offenders[:show]:
        print(f"  {file.removeprefix(cwd)}:{line}: {kind} {name}")
    if len(offenders) > show:
        print(f"  ... and {len(offenders) - show} more")
    checked = sum(counts[m] for m in modules)
    if checked:
        print(f"check-doc-comments: FAIL: {checked} public declaration(s) without a doc comment", file=sys.stderr)
        return 1
    print(f"check-doc-comments: ok: every public declaration of {len(modules)} modules has a doc comment")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
