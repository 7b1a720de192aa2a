#!/usr/bin/env bash
# Start-up: what every llmops command pays before it does its work (the dynamic loader, the
# command line, the project store), side by side with the floor and a peer measured in the same
# run: a C program that does nothing (exec and exit of a binary linked against libc only), and
# git, a CLI of the same shape (`git --version`, `git status` in a one-file repository).
# Each command runs BENCH_RUNS times in a row; the table gives CPU (user + system, from wait4)
# and wall time per run, median of BENCH_REPEAT rounds.
# Usage: bench/bench_startup.sh
#   BENCH_RUNS    runs per command and round (default 200; smoke 5)
#   BENCH_REPEAT  rounds (default 3; smoke 1)
#   LLMOPS_BIN, BENCH_SCRATCH; BENCH_SMOKE=1 for the tiny CI run (figures mean nothing)
source "$(dirname "$0")/common.sh"
RUNS=${BENCH_RUNS:-$(by_mode 200 5)}

work=$SCRATCH/startup
rm -rf "$work" && mkdir -p "$work/project" "$work/repo"
printf 'int main(void) { return 0; }\n' >"$work/empty.c"
cc -O2 -o "$work/empty" "$work/empty.c"
(cd "$work/project" && "$LLMOPS_BIN" init >/dev/null)
(cd "$work/repo" && git init -q && echo a >a && git add a &&
  git -c user.name=bench -c user.email=bench@example.invalid commit -qm a)

echo "Start-up: $RUNS runs per command, median of $REPEAT rounds; $(ldd "$LLMOPS_BIN" | wc -l) shared libraries in $LLMOPS_BIN; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 - "$RUNS" "$REPEAT" "$work" "$LLMOPS_BIN" <<'EOF'
import os, statistics, sys, time

runs, repeat, work, llmops = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
devnull = os.open(os.devnull, os.O_RDWR)

def per_run(argv, cwd):
    """CPU and wall milliseconds per run of argv, over `runs` runs in a row."""
    cpu = 0.0
    start = time.perf_counter()
    os.chdir(cwd)
    for _ in range(runs):
        # posix_spawn (vfork): a fork of this interpreter would bill its page copies to the child.
        pid = os.posix_spawn(argv[0], argv, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1),
                                           (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status, usage = os.wait4(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"benchmark command failed: {' '.join(argv)}")
        cpu += usage.ru_utime + usage.ru_stime
    wall = time.perf_counter() - start
    return cpu * 1000 / runs, wall * 1000 / runs

git = "/usr/bin/git"
cases = [
    ("empty C program (the floor)", [f"{work}/empty"], work),
    ("git --version", [git, "--version"], work),
    ("git status", [git, "status", "--short"], f"{work}/repo"),
    ("llmops --version", [llmops, "--version"], work),
    ("llmops status", [llmops, "status"], f"{work}/project"),
    ("llmops scan --pii --text …", [llmops, "scan", "--pii", "--text", "hello world"], work),
]
results = {name: [] for name, _, _ in cases}
for _ in range(repeat):
    for name, argv, cwd in cases:  # interleaved: every round sees the machine's same state
        results[name].append(per_run(argv, cwd))

print("| command | CPU ms per run | wall ms per run |")
print("| --- | --- | --- |")
for name, _, _ in cases:
    cpu = statistics.median(r[0] for r in results[name])
    wall = statistics.median(r[1] for r in results[name])
    print(f"| {name} | {cpu:.2f} | {wall:.2f} |")
EOF
