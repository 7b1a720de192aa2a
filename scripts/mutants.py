#!/usr/bin/env python3
"""Mutation testing for chosen lib/ files: the engine behind scripts/mutants.sh.

Each mutant changes one token of one line (a comparison flipped, a constant off by one, a
logical operator swapped, a negation or a condition dropped). For each mutant the file is
compiled into the mutation build's object for it (the worktree is never touched), the unit
tests are relinked, and only the Catch2 tests that cover the file run. A mutant the tests do
not fail "survived": a change the suite cannot see. Results go to a TSV file as they come, so
that a campaign can run in chunks and resume; `report` prints the kill rate per file and every
survivor. Mutants proven equivalent to the original (no test can tell them apart) are listed,
with the reason, in scripts/mutants-equivalent.txt.
"""
import argparse
import fnmatch
import glob
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Source files (globs, relative to the root) and the Catch2 test spec that covers them.
TARGETS = [
    ("lib/stats/statistics.cpp", "[statistics]"),
    ("lib/stats/minhash.cpp", "[data_ops]"),
    ("lib/stats/hyperloglog.cpp", "[profile]"),
    ("lib/stats/distinct_counter.cpp", "[profile]"),
    ("lib/stats/top_values.cpp", "[profile]"),
    ("lib/stats/value_sample.cpp", "[profile]"),
    ("lib/data/ops/dataset_diff.cpp", "[data_diff]"),
    # The 100 MB line test is the only slow [data] test; the row limit has faster tests.
    ("lib/data/formats/*.cpp", '[data]~"a 100 MB*"'),
    ("lib/provider/retry_policy.cpp", "[retry]"),
    ("lib/json/canonical_json.cpp", '[data]~"a 100 MB*"'),
    ("lib/eval/metrics/*.cpp", "[metrics],[metric_registry],[judge],[retrieval-metrics]"),
]

EQUIVALENT_FILE = os.path.join(ROOT, "scripts", "mutants-equivalent.txt")

# --------------------------------------------------------------------------------------------
# Mutant generation


def code_mask(lines):
    """Per line, the text with string/char literals and comments blanked (same length), or None
    for lines that hold no code to mutate (preprocessor, inside a raw string or block comment)."""
    masked = []
    in_block = False
    in_raw = None  # the closing delimiter of a raw string literal
    for line in lines:
        if in_raw is not None:
            end = line.find(in_raw)
            masked.append(None)
            if end >= 0:
                in_raw = None
            continue
        stripped = line.strip()
        if stripped.startswith("#"):
            masked.append(None)
            continue
        out = []
        i = 0
        n = len(line)
        while i < n:
            c = line[i]
            if in_block:
                if line.startswith("*/", i):
                    in_block = False
                    out.append("  ")
                    i += 2
                else:
                    out.append(" ")
                    i += 1
                continue
            if line.startswith("//", i):
                out.append(" " * (n - i))
                break
            if line.startswith("/*", i):
                in_block = True
                out.append("  ")
                i += 2
                continue
            m = re.match(r'R"([^(\s]*)\(', line[i:])
            if m and (i == 0 or not (line[i - 1].isalnum() or line[i - 1] == "_")):
                close = ")" + m.group(1) + '"'
                end = line.find(close, i + m.end())
                if end < 0:
                    in_raw = close
                    out.append(" " * (n - i))
                    break
                out.append(" " * (end + len(close) - i))
                i = end + len(close)
                continue
            if c == '"' or (c == "'" and not (i > 0 and line[i - 1].isalnum())):
                j = i + 1
                while j < n and line[j] != c:
                    j += 2 if line[j] == "\\" else 1
                out.append(" " * (min(j + 1, n) - i))
                i = j + 1
                continue
            out.append(c)
            i += 1
        masked.append("".join(out)[:n].ljust(n))
    return masked


# (name, regex on the masked line, replacement(s) of the matched group 1 span)
RELATIONAL = {" < ": [" <= "], " <= ": [" < "], " > ": [" >= "], " >= ": [" > "],
              " == ": [" != "], " != ": [" == "]}
LOGICAL = {" && ": [" || "], " || ": [" && "]}
ARITH = {" + ": [" - "], " - ": [" + "]}


def find_operator(masked, table):
    for token, repls in table.items():
        start = 0
        while True:
            at = masked.find(token, start)
            if at < 0:
                break
            start = at + 1
            yield at, token, repls


def condition_span(masked, keyword_at):
    """The span (start, end) inside the parentheses of `if (` / `while (` at keyword_at."""
    open_at = masked.find("(", keyword_at)
    depth = 0
    for i in range(open_at, len(masked)):
        if masked[i] == "(":
            depth += 1
        elif masked[i] == ")":
            depth -= 1
            if depth == 0:
                return open_at + 1, i
    return None  # the condition goes on over more lines


def mutants_of_line(line, masked):
    """(column, original, replacement, operator) for every mutant of one line."""
    out = []
    if masked is None or not masked.strip():
        return out
    if re.match(r"\s*(namespace|using|template|static_assert|case .*:|default:)", masked):
        return out
    for table, op in ((RELATIONAL, "relational"), (LOGICAL, "logical"), (ARITH, "arithmetic")):
        for at, token, repls in find_operator(masked, table):
            if op == "arithmetic" and ('"' in line or "string" in line or "message" in line):
                continue  # most likely text concatenation: the mutant would not compile
            for repl in repls:
                out.append((at, token, repl, op))
    # Integer constants, off by one (not in floats, hex, identifiers or array declarations).
    for m in re.finditer(r"(?<![\w.])(\d+)([uUlL]*)(?![\w.'])", masked):
        value = int(m.group(1))
        if m.group(1).startswith("0") and len(m.group(1)) > 1:
            continue  # octal
        repl = str(value + 1) if value != 1 else "0"
        out.append((m.start(1), m.group(1), repl, "constant"))
    # Negation dropped: `!x` / `!(...)` becomes `x` / `(...)`.
    for m in re.finditer(r"(?<![!=<>])!(?=[\w(*])", masked):
        out.append((m.start(), "!", "", "negation"))
    # Condition dropped: if (C) -> if (true) and if (false), when C is on this line. (Loop
    # conditions are left alone: `while (true)` mostly tests the timeout.)
    for m in re.finditer(r"\bif\s*\(", masked):
        span = condition_span(masked, m.start())
        if span is None:
            continue
        start, end = span
        text = line[start:end]
        if not text.strip() or text.strip() in ("true", "false"):
            continue
        if ";" in text or re.match(r"\s*(const\s+)?auto\b", text):
            continue  # an init-statement or a declaration: not a plain condition
        out.append((start, text, "true", "condition"))
        out.append((start, text, "false", "condition"))
    return out


def mutant_id(path, line_text, column, original, replacement, occurrence=1):
    # Stable across unrelated edits: the line's own text, not its number. A line whose text
    # appears more than once in the file carries its occurrence (#2, #3, ...), so that the
    # copies are separate mutants with results of their own.
    mid = f"{path}|{line_text.strip()}|{column - (len(line_text) - len(line_text.lstrip()))}|" \
          f"{original.strip()}->{replacement.strip()}"
    return mid if occurrence == 1 else f"{mid}|#{occurrence}"


def generate(files):
    mutants = []
    for path in files:
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            lines = f.read().split("\n")
        masks = code_mask(lines)
        seen = {}
        for number, (line, masked) in enumerate(zip(lines, masks), start=1):
            occurrence = seen[line.strip()] = seen.get(line.strip(), 0) + 1
            for column, original, replacement, op in mutants_of_line(line, masked):
                mutated = line[:column] + replacement + line[column + len(original):]
                mutants.append({
                    "id": mutant_id(path, line, column, original, replacement, occurrence),
                    "file": path,
                    "line": number,
                    "op": op,
                    "before": line,
                    "after": mutated,
                })
    return mutants


def sampled(mutant, percent):
    """True for a deterministic `percent` of the mutants (by a hash of the id)."""
    if percent is None or percent >= 100:
        return True
    digest = hashlib.sha256(mutant["id"].encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10000 < percent * 100


def target_files(patterns):
    files = []
    for pattern, spec in TARGETS:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
            rel = os.path.relpath(path, ROOT)
            if patterns and not any(fnmatch.fnmatch(rel, p) for p in patterns):
                continue
            files.append((rel, spec))
    return files


def load_equivalents():
    equivalent = {}
    if not os.path.exists(EQUIVALENT_FILE):
        return equivalent
    with open(EQUIVALENT_FILE, encoding="utf-8") as f:
        for raw in f:
            if not raw.strip() or raw.startswith("#"):
                continue
            mid, _, reason = raw.rstrip("\n").partition("\t")
            equivalent[mid] = reason.strip()
    return equivalent


# --------------------------------------------------------------------------------------------
# Building and testing one mutant


class Build:
    def __init__(self, build_dir):
        self.dir = os.path.abspath(build_dir)
        with open(os.path.join(self.dir, "compile_commands.json"), encoding="utf-8") as f:
            self.commands = {os.path.abspath(os.path.join(e["directory"], e["file"])): e
                             for e in json.load(f)}
        self.tests = os.path.join(self.dir, "llmops_unit_tests")
        # The archive and link steps, run by hand: ninja would see an object compiled outside
        # it as out of date and compile the original source again.
        commands = subprocess.run(["ninja", "-C", self.dir, "-t", "commands", "llmops_unit_tests"],
                                  capture_output=True, text=True, check=True).stdout.splitlines()
        self.archive = next(c for c in commands if "ar qc libllmops_lib.a" in c)
        self.link = commands[-1]
        if "-o llmops_unit_tests" not in self.link:
            raise SystemExit("mutants: cannot find the unit tests' link command")

    def compile(self, source_rel, text):
        """Compiles `text` as source_rel into that file's object; False if it does not compile."""
        source = os.path.join(ROOT, source_rel)
        entry = self.commands[source]
        args = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
        if os.path.basename(args[0]) == "ccache":
            args = args[1:]  # mutants would only fill the cache
        kept = []
        skip = False
        for a in args:
            if skip:
                skip = False
                continue
            if a in ("-MF", "-MT", "-MQ"):
                skip = True
                continue
            if a in ("-MD", "-MMD"):
                continue
            kept.append(a)
        with tempfile.NamedTemporaryFile("w", suffix=os.path.splitext(source)[1],
                                         delete=False, encoding="utf-8") as tmp:
            tmp.write(text)
        try:
            compiled = [tmp.name if os.path.abspath(os.path.join(entry["directory"], a)) == source
                        else a for a in kept]
            compiled[1:1] = ["-iquote", os.path.dirname(source)]
            result = subprocess.run(compiled, cwd=entry["directory"], capture_output=True)
            return result.returncode == 0
        finally:
            os.unlink(tmp.name)

    def relink(self):
        for command in (self.archive, self.link):
            result = subprocess.run(command, shell=True, cwd=self.dir, capture_output=True,
                                    text=True)
            if result.returncode != 0:
                raise SystemExit("mutants: relinking the unit tests failed:\n" +
                                 result.stderr[-3000:])

    def rebuild(self):
        """Back to the original sources: ninja recompiles what was compiled outside it."""
        result = subprocess.run(["ninja", "-C", self.dir, "llmops_unit_tests"],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit("mutants: rebuilding the unit tests failed:\n" + result.stdout[-3000:])

    def run_tests(self, spec, timeout):
        start = time.monotonic()
        try:
            result = subprocess.run([self.tests, spec, "--abort"], capture_output=True,
                                    timeout=timeout)
            rc = result.returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
        return rc, time.monotonic() - start


def read_results(path):
    done = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for raw in f:
                parts = raw.rstrip("\n").split("\t")
                if len(parts) >= 2:
                    done[parts[0]] = parts[1]
    return done


def run_campaign(args):
    build = Build(args.build)
    files = target_files(args.files)
    equivalents = load_equivalents()
    done = read_results(args.results)
    plan = []
    for path, spec in files:
        for m in generate([path]):
            if sampled(m, args.sample):
                m["spec"] = spec
                plan.append(m)
    if args.chunk:
        index, count = (int(x) for x in args.chunk.split("/"))
        size = -(-len(plan) // count)
        plan = plan[(index - 1) * size:index * size]
    todo = [m for m in plan if m["id"] not in done and m["id"] not in equivalents]
    print(f"mutants: {len(plan)} in this selection, {len(plan) - len(todo)} of them done before "
          f"or listed as equivalent", flush=True)
    if args.limit:
        todo = todo[:args.limit]
    if not todo:
        return 0

    baselines = {}
    try:
        run_mutants(build, todo, baselines, args.results, restore_state := {})
    finally:
        # Whatever happened, the build goes back to the original sources.
        if restore_state.get("file"):
            restore(build, restore_state["file"], restore_state["text"])
    return 0


def run_mutants(build, todo, baselines, results_path, state):
    with open(results_path, "a", encoding="utf-8") as results:
        current_file = None
        original_text = None
        for n, m in enumerate(todo, start=1):
            if m["file"] != current_file:
                if current_file is not None:
                    restore(build, current_file, original_text)
                    state.clear()
                current_file = m["file"]
                with open(os.path.join(ROOT, current_file), encoding="utf-8") as f:
                    original_text = f.read()
            if m["spec"] not in baselines:
                rc, seconds = build.run_tests(m["spec"], timeout=1800)
                if rc != 0:
                    raise SystemExit(f"mutants: the unmutated tests {m['spec']} fail ({rc}); "
                                     "fix them first")
                baselines[m["spec"]] = seconds
            state.update(file=current_file, text=original_text)
            lines = original_text.split("\n")
            assert lines[m["line"] - 1] == m["before"]
            lines[m["line"] - 1] = m["after"]
            if not build.compile(m["file"], "\n".join(lines)):
                status, seconds = "stillborn", 0.0
            else:
                build.relink()
                timeout = max(30.0, 10 * baselines[m["spec"]])
                rc, seconds = build.run_tests(m["spec"], timeout)
                status = "survived" if rc == 0 else "killed"
            results.write(f"{m['id']}\t{status}\t{m['file']}:{m['line']}\t{m['op']}\t"
                          f"{seconds:.1f}\n")
            results.flush()
            mark = "SURVIVED" if status == "survived" else status
            print(f"[{n}/{len(todo)}] {mark:9} {m['file']}:{m['line']} {m['op']}: "
                  f"{m['after'].strip()}", flush=True)


def restore(build, path, text):
    if not build.compile(path, text):
        raise SystemExit(f"mutants: the original {path} does not compile in the mutation build")
    build.relink()


# --------------------------------------------------------------------------------------------
# Reports


def report(args):
    done = read_results(args.results)
    equivalents = load_equivalents()
    files = target_files(args.files)
    total_killed = total_survived = total_equivalent = total_stillborn = total_missing = 0
    survivors = []
    print(f"{'file':48} {'mutants':>8} {'killed':>7} {'survived':>9} {'equiv.':>7} "
          f"{'not run':>8} {'kill rate':>10}")
    for path, _ in files:
        killed = survived = equivalent = stillborn = missing = 0
        for m in generate([path]):
            if not sampled(m, args.sample):
                continue
            if m["id"] in equivalents:
                equivalent += 1
                continue
            status = done.get(m["id"])
            if status == "killed":
                killed += 1
            elif status == "survived":
                survived += 1
                survivors.append(m)
            elif status == "stillborn":
                stillborn += 1
            else:
                missing += 1
        scored = killed + survived
        rate = f"{100.0 * killed / scored:.1f}%" if scored else "-"
        print(f"{path:48} {killed + survived + equivalent + missing:>8} {killed:>7} "
              f"{survived:>9} {equivalent:>7} {missing:>8} {rate:>10}")
        total_killed += killed
        total_survived += survived
        total_equivalent += equivalent
        total_stillborn += stillborn
        total_missing += missing
    scored = total_killed + total_survived
    rate = f"{100.0 * total_killed / scored:.1f}%" if scored else "-"
    print(f"{'total':48} {scored + total_equivalent + total_missing:>8} {total_killed:>7} "
          f"{total_survived:>9} {total_equivalent:>7} {total_missing:>8} {rate:>10}")
    print(f"(kill rate = killed / (killed + survived); {total_stillborn} mutants did not compile "
          f"and are not counted)")
    stale = set(equivalents) - {m["id"] for path, _ in files for m in generate([path])}
    if stale and not args.files:
        print(f"\n{len(stale)} entries of scripts/mutants-equivalent.txt match no mutant now:")
        for mid in sorted(stale):
            print("  " + mid)
    if survivors:
        print("\nsurvivors:")
        for m in survivors:
            print(f"  {m['file']}:{m['line']} ({m['op']})\n    - {m['before'].strip()}\n"
                  f"    + {m['after'].strip()}\n    id: {m['id']}")
    if args.min_rate is not None and scored and 100.0 * total_killed / scored < args.min_rate:
        return 1
    return 0


def list_mutants(args):
    for path, spec in target_files(args.files):
        for m in generate([path]):
            if sampled(m, args.sample):
                print(f"{m['file']}:{m['line']}\t{m['op']}\t{spec}\t{m['after'].strip()}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "report", "list"):
        p = sub.add_parser(name)
        p.add_argument("--build", default=os.path.join(ROOT, "build-mutants"))
        p.add_argument("--results", default=None)
        p.add_argument("--files", nargs="*", default=[],
                       help="only these files (globs relative to the root)")
        p.add_argument("--sample", type=float, default=None,
                       help="only a deterministic PERCENT of the mutants (by a hash of each id)")
        if name == "run":
            p.add_argument("--chunk", help="I/N: the I-th of N equal parts of the mutant list")
            p.add_argument("--limit", type=int, help="run at most this many mutants")
        if name == "report":
            p.add_argument("--min-rate", type=float, help="exit 1 below this kill rate (%%)")
    args = parser.parse_args()
    if args.results is None:
        args.results = os.path.join(args.build, "mutants-results.tsv")
    return {"run": run_campaign, "report": report, "list": list_mutants}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
