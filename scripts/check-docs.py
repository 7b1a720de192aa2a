#!/usr/bin/env python3
"""Fails when the docs point at something that does not exist.

Checks README.md, docs/*.md, examples/**/*.md and lib/**/README.md for:
  1. links: a relative markdown link to a missing file, or to a missing anchor (GitHub heading
     slugs, or an explicit <a name/id>) in a markdown file;
  2. the config reference: every key in the tables of docs/config.md is a key of
     schemas/llmops.schema.json, and every key of the schema is in those tables;
  3. command lines (when LLMOPS_BIN names the binary, as ctest does): every `llmops ...` in
     inline code or in a shell code block names a command that `llmops help` knows, and every
     option after it is one of that command's options or a global option, and so is every
     option that starts a cell of the first column of a table under a heading that names
     `llmops COMMAND`. A line
     that calls a command "coming" may name commands that do not exist yet.
Prints one line per problem (file:line: what) and exits 1 if there is any.
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HTML_ANCHOR = re.compile(r"<a\s+[^>]*(?:name|id)\s*=\s*\"([^\"]+)\"", re.I)
SHELL_LANGS = {"sh", "bash", "shell", "console", ""}


def doc_files():
    files = [ROOT / "README.md"]
    files += sorted((ROOT / "docs").glob("*.md"))
    files += sorted((ROOT / "examples").rglob("*.md"))
    files += sorted((ROOT / "lib").rglob("README.md"))
    return [f for f in files if f.is_file()]


def rel(path):
    return path.relative_to(ROOT).as_posix()


class Doc:
    """A markdown file split into prose lines (inline code kept) and fenced code blocks."""

    def __init__(self, path):
        self.path = path
        self.prose = []  # (line number, text)
        self.code = []  # (line number, language, text)
        fence, lang = None, ""
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = FENCE.match(line)
            if fence is None and match:
                fence, lang = match.group(1), match.group(2).strip().split(" ")[0].lower()
            elif fence is not None and line.strip().startswith(fence[0] * len(fence)) \
                    and not line.strip().strip(fence[0]):
                fence = None
            elif fence is not None:
                self.code.append((number, lang, line))
            else:
                self.prose.append((number, line))


def slug(heading):
    """GitHub's heading anchor: the text without markup, lower case, punctuation removed."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links and images: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)  # \w is Unicode-aware: letters, digits, underscore
    return text.replace(" ", "-")


def anchors_of(doc):
    seen, anchors = {}, set()
    for _, line in doc.prose:
        match = HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            anchors.add(base if count == 0 else f"{base}-{count}")
        anchors.update(HTML_ANCHOR.findall(line))
    return anchors


def check_links(docs, problems):
    anchor_cache = {}

    def anchors(path):
        if path not in anchor_cache:
            anchor_cache[path] = anchors_of(docs.get(path) or Doc(path))
        return anchor_cache[path]

    for path, doc in docs.items():
        for number, line in doc.prose:
            text = INLINE_CODE.sub("", line)
            targets = LINK.findall(text)
            ref = REF_DEF.match(text)
            if ref:
                targets.append(ref.group(1))
            for target in targets:
                if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
                    continue  # an absolute URL (https:, mailto:) is not checked offline
                file_part, _, fragment = target.partition("#")
                file_part = urllib.parse.unquote(file_part)
                dest = (path.parent / file_part).resolve() if file_part else path
                where = f"{rel(path)}:{number}"
                if not dest.exists():
                    problems.append(f"{where}: link to a missing file: {target}")
                    continue
                if fragment and dest.suffix == ".md" and dest.is_file():
                    if urllib.parse.unquote(fragment) not in anchors(dest):
                        problems.append(f"{where}: link to a missing anchor: {target}")


def schema_keys(schema):
    """Dotted key paths of the schema; a map's keys appear as its propertyNames' title."""
    keys = set()

    def resolve(node):
        while isinstance(node, dict) and "$ref" in node:
            node = schema["$defs"][node["$ref"].split("/")[-1]]
        return node

    def walk(node, prefix):
        node = resolve(node)
        if not isinstance(node, dict):
            return
        for name, child in node.get("properties", {}).items():
            path = f"{prefix}{name}"
            keys.add(path)
            walk(child, path + ".")
        placeholder = node.get("propertyNames", {}).get("title")
        if placeholder and isinstance(node.get("additionalProperties"), dict):
            path = f"{prefix}{placeholder}"
            keys.add(path)
            walk(node["additionalProperties"], path + ".")
        for branch in node.get("anyOf", []) + node.get("oneOf", []) + node.get("allOf", []):
            walk(branch, prefix)

    walk(schema, "")
    return keys


def check_config_keys(problems):
    doc_path = ROOT / "docs" / "config.md"
    schema = json.loads((ROOT / "schemas" / "llmops.schema.json").read_text(encoding="utf-8"))
    documented, in_key_table = {}, False
    for number, line in Doc(doc_path).prose:
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if not cells:
            in_key_table = False
        elif cells[0] == "key":
            in_key_table = True
        elif in_key_table and not set(cells[0]) <= set("-: "):
            documented[cells[0].strip("`")] = number
    known = schema_keys(schema)
    for key, number in sorted(documented.items()):
        if key not in known:
            problems.append(f"docs/config.md:{number}: key '{key}' is not in schemas/llmops.schema.json")
    for key in sorted(known - documented.keys()):
        problems.append(f"docs/config.md: key '{key}' of schemas/llmops.schema.json is not documented")


class CommandTree:
    """The commands and options `llmops help` shows, read from the binary once per command."""

    def __init__(self, binary):
        self.binary = binary
        self.cache = {}
        self.global_options = self.node(())["options"]

    def node(self, path):
        if path not in self.cache:
            result = subprocess.run([self.binary, "help", *path], capture_output=True, text=True)
            subcommands, options, section = set(), set(), None
            for line in result.stdout.splitlines():
                if re.match(r"^\S.*:$", line):
                    section = line[:-1]
                    continue
                match = re.match(r"^  (\S+)", line)
                if not match:
                    continue
                if section in ("Options", "Global options"):
                    options.update(re.findall(r"(?:^|,)(--?[A-Za-z][\w-]*)", match.group(1)))
                elif section not in (None, "Positionals"):
                    # Commands are listed under their command-table group ("Data:", "Store:")
                    # at the top level and under "Commands:" in a group's help.
                    subcommands.add(match.group(1))
            self.cache[path] = {"ok": result.returncode == 0, "subcommands": subcommands,
                                "options": options}
        return self.cache[path]


def command_mentions(doc):
    """(line number, line, text after 'llmops ') for every command line the doc shows."""
    for number, line in doc.prose:
        for match in INLINE_CODE.finditer(line):
            code = match.group(2).strip()
            if code.startswith("llmops "):
                yield number, line, code[len("llmops "):]
    for number, lang, line in doc.code:
        if lang not in SHELL_LANGS:
            continue
        code = re.sub(r"^\s*\$\s+", "", line)
        for part in re.split(r"&&|\|\||;|\$\(", code):
            part = part.strip()
            if part.startswith("llmops "):
                yield number, line, part[len("llmops "):]


def check_command_line(tree, rest, line, where, problems):
    """Checks the words after `llmops`; returns the command they name, or None."""
    rest = re.sub(r"\s#\s.*$", "", rest)  # a shell comment
    rest = re.sub(r"\s*/\s*", "/", rest)  # "add / list" is one list of subcommands
    rest = re.sub(r"'[^']*'|\"[^\"]*\"", "ARG", rest)  # quoted arguments
    command, options_known, descending, skip_next = (), True, True, False
    for word in rest.replace("\\|", " ").split():
        if word in ("|", ">", ">>", "<", "--") or word.startswith(("2>", ">")):
            break
        if skip_next:
            skip_next = False
            continue
        token = word.strip("[]()`,…")
        if re.match(r"^--?[A-Za-z]", token):
            name = token.split("=")[0].split("|")[0]
            skip_next = name == "-C"
            if options_known:
                check_option(tree, command, name, where, problems)
            continue
        if not descending:
            continue
        node = tree.node(command)
        alternatives = token.split("/")
        if not all(re.match(r"^[a-z][a-z0-9-]*$", a) for a in alternatives) \
                or not node["subcommands"]:
            descending = False  # a placeholder or argument: the command is complete
            continue
        missing = [a for a in alternatives if a not in node["subcommands"]]
        if missing:
            if "coming" not in line.lower():
                shown = " ".join(("llmops",) + command + (missing[0],))
                problems.append(f"{where}: unknown command '{shown}'")
            return None
        if len(alternatives) > 1:
            return None  # a list of subcommands: their options are not checked
        command += (token,)
    return command if options_known else None


def check_option(tree, command, name, where, problems):
    if name not in tree.node(command)["options"] and name not in tree.global_options:
        shown = " ".join(("llmops",) + command)
        problems.append(f"{where}: '{shown}' has no option {name}")


def check_option_tables(tree, doc, where_of, problems):
    """Options in the first column of a table under a heading naming `llmops COMMAND`."""
    command, level = None, 0
    for number, line in doc.prose:
        heading = HEADING.match(line)
        if heading:
            depth = len(heading.group(1))
            named = [m.group(2).strip()[len("llmops "):] for m in INLINE_CODE.finditer(line)
                     if m.group(2).strip().startswith("llmops ")]
            if named:
                command = check_command_line(tree, named[0], line, where_of(number), [])
                level = depth
            elif depth <= level:
                command, level = None, 0
            continue
        if command is None or not line.startswith("|"):
            continue
        first_cell = line.strip().strip("|").split("|")[0]
        for match in INLINE_CODE.finditer(first_cell):
            if not match.group(2).startswith("-"):
                continue  # an argument, or another program's command line
            for token in match.group(2).replace(",", " ").split():
                if re.match(r"^--?[A-Za-z]", token):
                    check_option(tree, command, token.split("=")[0], where_of(number), problems)


def check_commands(docs, binary, problems):
    tree = CommandTree(binary)
    for path, doc in docs.items():
        def where_of(number):
            return f"{rel(path)}:{number}"
        for number, line, rest in command_mentions(doc):
            check_command_line(tree, rest, line, where_of(number), problems)
        check_option_tables(tree, doc, where_of, problems)


def main():
    problems = []
    docs = {path.resolve(): Doc(path) for path in doc_files()}
    check_links(docs, problems)
    check_config_keys(problems)
    binary = os.environ.get("LLMOPS_BIN")
    if binary:
        check_commands(docs, binary, problems)
    else:
        print("check-docs: LLMOPS_BIN not set; command lines not checked", file=sys.stderr)
    for problem in problems:
        print(problem)
    if problems:
        print(f"check-docs: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check-docs: {len(docs)} files ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
