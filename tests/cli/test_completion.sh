#!/usr/bin/env bash
# `llmops completion bash|zsh`: the bash script completes commands, subcommands and options
# when sourced; the zsh script parses (zsh -n) and its completer offers the same words.
source "$(dirname "$0")/lib.sh"

run completion bash
expect_rc 0 "completion bash"
printf '%s\n' "$OUT" >llmops.bash
run completion zsh
expect_rc 0 "completion zsh"
printf '%s\n' "$OUT" >_llmops
run completion fish
expect_rc 2 "completion of an unknown shell"

# complete WORDS...: what the bash completer offers for the last word, space-separated.
complete_bash() {
  bash -c 'source ./llmops.bash
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
    _llmops
    printf "%s\n" "${COMPREPLY[*]}"' complete_bash "$@"
}
expect_bash() { # WANT WORDS...
  local want=$1
  shift
  expect_eq "$(complete_bash "$@")" "$want" "bash completion of '$*'"
}
expect_bash "data" llmops da
expect_bash "run runs" llmops ru
expect_bash "add" llmops data a
expect_bash "diff dedup" llmops data d
expect_bash "run report" llmops eval r
expect_bash "--name" llmops data add --na
expect_bash "--format" llmops data add -n x --fo
expect_bash "data" llmops -C /tmp da
expect_bash "data" llmops --json da
expect_bash "data" llmops help da
expect_bash "add" llmops help data a
expect_bash "--dry-run" llmops gc --dr
expect_bash "status" llmops deploy st
expect_bash "--env" llmops deploy --en
expect_bash "--route" llmops deploy rollback prod --ro
# An option's value and a command's arguments: nothing from us (bash falls back to files).
expect_bash "" llmops run -p ""
expect_bash "" llmops data add ""
top=$(complete_bash llmops "")
for cmd in init status data prompt run runs cache eval index help completion; do
  expect_contains " $top " " $cmd " "top-level completion offers $cmd"
done
grep -q '^complete -o default -F _llmops llmops$' llmops.bash || fail "bash script registers _llmops"

# zsh: the script parses, and its completer (with _describe and _files stubbed, as outside
# the completion system) offers commands with descriptions and options.
if command -v zsh >/dev/null; then
  zsh -n _llmops || fail "zsh completion does not parse"
  complete_zsh() {
    zsh -c 'compdef() { :; }
      _describe() { print -r -- "${(j:|:)${(P)${@[-1]}}}"; }
      _files() { print -r -- FILES; }
      source ./_llmops
      words=("$@"); CURRENT=${#words}
      _llmops' complete_zsh "$@"
  }
  expect_contains "$(complete_zsh llmops da)" "data:Versioned datasets" "zsh completion of commands"
  expect_contains "$(complete_zsh llmops data "")" "profile:Statistics of a version" "zsh subcommands"
  expect_contains "$(complete_zsh llmops data add --)" "--name:Dataset name" "zsh options"
  expect_eq "$(complete_zsh llmops run -p "")" "FILES" "zsh option values are files"
  expect_contains "$(complete_zsh llmops help data "")" "add:Store files" "zsh help topics"
else
  fail "zsh is not installed (scripts/install-deps.sh installs it)"
fi

finish
