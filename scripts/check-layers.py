#!/usr/bin/env python3
"""Fails when a lib/ folder includes a folder above it in the layer order (docs/architecture.md).

The order is lowest first; a folder may include itself and any folder before it. Subfolders
(data/formats, data/ops, data/profile, eval/metrics) belong to their top folder. lib/ never
includes cli/. Since the order is total, passing also means no cycle between folders.
"""
import pathlib
import re
import sys

LAYERS = [
    "core", "json", "mustache", "stats", "http", "store", "data", "prompt", "provider", "run",
    "index", "safety", "eval", "deploy", "serve", "drift", "monitor", "feedback", "pipeline",
    "remote", "report",
]
RANK = {name: i for i, name in enumerate(LAYERS)}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main() -> int:
    root = pathlib.Path(__file__).resolve().parent.parent / "lib"
    problems = []
    for path in sorted(root.rglob("*.[ch]pp")):
        folder = path.relative_to(root).parts[0]
        if folder not in RANK:
            problems.append(f"lib/{path.relative_to(root)}: folder '{folder}' is not in the layer list")
            continue
        text = path.read_text(encoding="utf-8")
        for match in INCLUDE.finditer(text):
            target = match.group(1).split("/")[0]
            line = text.count("\n", 0, match.start()) + 1
            where = f"lib/{path.relative_to(root)}:{line}"
            if target not in RANK:
                if "/" in match.group(1):
                    problems.append(f"{where}: includes \"{match.group(1)}\", outside lib/")
                continue
            if RANK[target] > RANK[folder]:
                problems.append(f"{where}: {folder}/ may not include {match.group(1)} "
                                f"({target}/ is a higher layer)")
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"check-layers: {len(problems)} forbidden include(s)", file=sys.stderr)
        return 1
    print(f"check-layers: lib/ follows the layer order ({len(LAYERS)} layers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
