#!/usr/bin/env bash
# An exec alert hook (docs/monitoring.md): the alert arrives as JSON on stdin. A real team would
# open a ticket here, e.g. `gh issue create --title ... --body-file -`; the example files it.
set -euo pipefail
cat >>tickets.jsonl
echo >>tickets.jsonl
