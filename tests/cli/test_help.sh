#!/usr/bin/env bash
# The command table in use: help for every command names it in full, unknown commands fail
# with exit 2 and a "did you mean" at every level (with or without --help), groups need their
# subcommand, and the table's store needs hold (commands that need none run outside a project).
source "$(dirname "$0")/lib.sh"

# Every command of `help --all` ("llmops PATH - SUMMARY" lines): `help PATH` and `PATH --help`
# print a usage line naming the full command, and the same summary.
run help --all
expect_rc 0 "help --all"
commands=$(printf '%s\n' "$OUT" | sed -n 's/^llmops \(.*\) - .*$/\1/p')
count=$(printf '%s\n' "$commands" | wc -l)
if [ "$count" -lt 40 ]; then fail "help --all lists only $count commands"; fi
while IFS= read -r cmd; do
  # shellcheck disable=SC2086 # the path is several words
  run help $cmd
  expect_rc 0 "help $cmd"
  expect_contains "$OUT" "Usage: llmops $cmd [OPTIONS]" "help $cmd usage line"
  expect_contains "$OUT" "Global options:" "help $cmd lists the global options"
  help_text=$OUT
  # shellcheck disable=SC2086
  run $cmd --help
  expect_rc 0 "$cmd --help"
  expect_eq "$OUT" "$help_text" "$cmd --help is help $cmd"
done <<<"$commands"

run help data add
expect_contains "$OUT" "Usage: llmops data add [OPTIONS] [paths...]" "help data add"
run help
expect_rc 0 "help"
expect_contains "$OUT" "Usage: llmops [OPTIONS] [COMMAND]" "top-level usage"
for group in Store: Data: Prompts: Runs: Evaluation: Retrieval:; do
  expect_contains "$OUT" "$group" "help lists the group $group"
done
run data --help
expect_rc 0 "data --help"
expect_contains "$OUT" "Usage: llmops data [OPTIONS] COMMAND" "data --help usage"
expect_contains "$OUT" "profile" "data --help lists profile"

# Unknown commands: one line, exit 2, at any level, with or without --help.
check_unknown() { # WANT_IN_ERROR WANT_HINT ARGS...
  local want=$1 hint=$2
  shift 2
  run "$@"
  expect_rc 2 "llmops $*"
  expect_one_line_error "llmops $*"
  expect_eq "$(printf '%s\n' "$ERR" | sed -n 1p)" "llmops: error: unknown command '$want'" "llmops $*"
  expect_eq "$(printf '%s\n' "$ERR" | sed -n 2p)" "hint: $hint" "llmops $* hint"
  expect_eq "$OUT" "" "llmops $* prints nothing on stdout"
}
check_unknown frobnicate "run 'llmops help' for the list of commands" frobnicate --help
check_unknown frobnicate "run 'llmops help' for the list of commands" frobnicate qa@2
check_unknown frobnicate "run 'llmops help' for the list of commands" --json frobnicate
check_unknown frobnicate "run 'llmops help' for the list of commands" help frobnicate
check_unknown deplyo "did you mean 'deploy'?" deplyo --help
check_unknown deplyo "did you mean 'deploy'?" deplyo qa@2
check_unknown dta "did you mean 'data'?" dta list
check_unknown dta "did you mean 'data'?" -C . dta --help
check_unknown evl "did you mean 'eval'?" help evl
check_unknown "data frobnicate" "run 'llmops help data' for the list of commands" data frobnicate
check_unknown "data frobnicate" "run 'llmops help data' for the list of commands" data frobnicate --help
check_unknown "data frobnicate" "run 'llmops help data' for the list of commands" help data frobnicate
check_unknown "data lst" "did you mean 'data list'?" data lst
check_unknown "prompt rendr" "did you mean 'prompt render'?" prompt rendr --help
check_unknown "data add extra" "'llmops data add' has no subcommands" help data add extra
check_unknown "deploy statsu" "did you mean 'deploy status'?" help deploy statsu

# A group that runs itself takes arguments where its subcommands go (`deploy PROMPT`); help
# shows both.
run help deploy
expect_rc 0 "help deploy"
expect_contains "$OUT" "Usage: llmops deploy [OPTIONS] [prompt] [COMMAND]" "help deploy usage"
expect_contains "$OUT" "rollback" "help deploy lists its subcommands"

# A group without its subcommand.
run data
expect_rc 2 "data without a subcommand"
expect_one_line_error "data without a subcommand"
expect_contains "$ERR" "'llmops data' needs a command" "data without a subcommand"
expect_contains "$ERR" "llmops help data" "data without a subcommand hints at help"

# help's own options.
run help --markdown
expect_rc 2 "help --markdown without --all"
run help --all data
expect_rc 2 "help --all with a command"
run help --all --markdown
expect_rc 0 "help --all --markdown"
expect_contains "$OUT" '#### `llmops data add`' "markdown reference heading"
expect_contains "$OUT" "| [\`llmops gc\`](#llmops-gc) | write |" "markdown reference store column"

# Commands whose table entry needs no store run outside a project.
mkdir outside
run -C outside help status
expect_rc 0 "help outside a project"
run -C outside completion bash
expect_rc 0 "completion outside a project"

# ... and inside a project whose llmops.yaml is broken, which the other commands report.
mkdir broken
run init broken
printf 'limits:\n  template_steps: [\n' >broken/llmops.yaml
run -C broken help data add
expect_rc 0 "help in a project with a broken llmops.yaml"
expect_contains "$OUT" "Usage: llmops data add" "help still shows the usage"
run -C broken completion bash
expect_rc 0 "completion in a project with a broken llmops.yaml"
run -C broken data list
expect_rc 3 "a command of the project reports the broken llmops.yaml"
expect_contains "$ERR" "llmops.yaml:" "the error names the file"

finish
