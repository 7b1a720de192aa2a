#!/usr/bin/env bash
# Renders a 3-message prompt with 5 variables and a 3-example few-shot section over BENCH_ROWS
# rows (default 1,000,000), side by side in one run with Jinja2 (the engine Prompt Flow uses)
# rendering the equivalent template. Every contender reads the same JSONL rows and writes one
# JSON line per row; the outputs are checked to be byte-identical first.
# Usage: bench/bench_prompt_render.sh   (BENCH_REPEAT=3, BENCH_ROWS, LLMOPS_BIN, BENCH_DRIVER;
# BENCH_SMOKE=1: 5,000 rows, one run)
source "$(dirname "$0")/common.sh"

rows=${BENCH_ROWS:-$(by_mode 1000000 5000)}
driver=${BENCH_DRIVER:-$(dirname "$LLMOPS_BIN")/bench_prompt_render}
[ -x "$driver" ] || { echo "build bench_prompt_render first (LLMOPS_BENCH=ON), or set BENCH_DRIVER" >&2; exit 1; }
python3 -c 'import jinja2' || { echo "python3 with jinja2 is needed" >&2; exit 1; }

work=$SCRATCH/prompt-render
mkdir -p "$work"

cat >"$work/support.yaml" <<'EOF'
name: support
messages:
  - role: system
    content: "You are a support assistant for {{product}}. Answer in {{language}}."
  - role: user
    content: "{{#examples}}Q: {{question}}\nA: {{answer}}\n\n{{/examples}}Context: {{context}}\nQuestion: {{question}}"
  - role: user
    content: "Reply to {{customer}} in at most three sentences."
variables:
  product: {type: string, required: true}
  language: {type: string, default: English}
  context: {type: string, default: ""}
  question: {type: string, required: true}
  customer: {type: string, required: true}
examples:
  - {question: "How do I reset my password?", answer: "Use the 'Forgot password' link on the sign-in page."}
  - {question: "Can I change my plan later?", answer: "Yes, under Settings > Billing, at any time."}
  - {question: "Where are invoices?", answer: "Settings > Billing > Invoices lists every invoice as PDF."}
EOF

# The same prompt in Jinja2, rendering rows from the same file into the same JSON lines.
cat >"$work/jinja_render.py" <<'EOF'
import json, sys
import jinja2

examples = [
    {"question": "How do I reset my password?", "answer": "Use the 'Forgot password' link on the sign-in page."},
    {"question": "Can I change my plan later?", "answer": "Yes, under Settings > Billing, at any time."},
    {"question": "Where are invoices?", "answer": "Settings > Billing > Invoices lists every invoice as PDF."},
]
env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
templates = [
    ("system", env.from_string("You are a support assistant for {{ product }}. Answer in {{ language }}.")),
    ("user", env.from_string("{% for ex in examples %}Q: {{ ex.question }}\nA: {{ ex.answer }}\n\n{% endfor %}"
                             "Context: {{ context }}\nQuestion: {{ question }}")),
    ("user", env.from_string("Reply to {{ customer }} in at most three sentences.")),
]
defaults = {"language": "English", "context": ""}
out = sys.stdout
with open(sys.argv[1], encoding="utf-8") as f:
    for row, line in enumerate(f):
        data = dict(defaults)
        data.update(json.loads(line))
        data["examples"] = examples
        messages = [{"role": role, "content": t.render(data)} for role, t in templates]
        out.write(json.dumps({"row": row, "prompt": "support.yaml", "messages": messages},
                             ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
EOF
sed -i "s|\"support.yaml\"|\"$work/support.yaml\"|" "$work/jinja_render.py"

data=$work/rows-$rows.jsonl
if [ ! -f "$data" ]; then
  python3 - "$data" "$rows" <<'EOF'
import json, random, sys
random.seed(7)
products = ["Acme Cloud", "Acme Mail", "Acme Drive"]
languages = ["English", "French", "German", "Spanish"]
words = "the a billing account password invoice plan storage quota user admin team export import sync error limit".split()
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        ctx = " ".join(random.choice(words) for _ in range(40))
        q = " ".join(random.choice(words) for _ in range(10)) + "?"
        row = {"id": i, "product": random.choice(products), "language": random.choice(languages),
               "context": ctx, "question": q, "customer": "customer-%d" % i}
        f.write(json.dumps(row) + "\n")
EOF
fi

# Same output, byte for byte, on a sample.
head -n 2000 "$data" >"$work/sample.jsonl"
"$driver" "$work/support.yaml" "$work/sample.jsonl" 2>/dev/null | sha256sum >"$work/a.sum"
python3 "$work/jinja_render.py" "$work/sample.jsonl" | sha256sum >"$work/b.sum"
cmp -s "$work/a.sum" "$work/b.sum" || { echo "llmops and Jinja2 outputs differ" >&2; exit 1; }

# The whole command too: the rows stored as a dataset, the prompt in the registry.
rm -rf "$work/proj" && "$LLMOPS_BIN" init -q "$work/proj"
"$LLMOPS_BIN" -C "$work/proj" -q data add "$data" -n rows >/dev/null
"$LLMOPS_BIN" -C "$work/proj" -q prompt add "$work/support.yaml" >/dev/null

cat "$data" >/dev/null # warm the page cache for every contender alike
declare -a t_llm t_cli t_jinja rss_llm rss_cli rss_jinja
for i in $(seq 1 "$REPEAT"); do
  measure "$driver" "$work/support.yaml" "$data"; t_llm+=("$SECONDS_TAKEN"); rss_llm+=("$PEAK_RSS_KB")
  measure "$LLMOPS_BIN" -C "$work/proj" prompt render support --data rows
  t_cli+=("$SECONDS_TAKEN"); rss_cli+=("$PEAK_RSS_KB")
  measure python3 "$work/jinja_render.py" "$data"; t_jinja+=("$SECONDS_TAKEN"); rss_jinja+=("$PEAK_RSS_KB")
done
rm -rf "$work/proj"

llm=$(median "${t_llm[@]}"); cli=$(median "${t_cli[@]}"); jinja=$(median "${t_jinja[@]}")
mem_llm=$(median "${rss_llm[@]}"); mem_cli=$(median "${rss_cli[@]}"); mem_jinja=$(median "${rss_jinja[@]}")
printf '\nprompt render: 3 messages, 5 variables, 3 few-shot examples, %s rows, median of %s runs\n\n' "$rows" "$REPEAT"
printf '| %-30s | %8s | %10s | %12s |\n' "contender" "seconds" "rows/s" "peak RSS MiB"
printf '|%s|%s|%s|%s|\n' "--------------------------------" "----------" "------------" "--------------"
row() { printf '| %-30s | %8.2f | %10.0f | %12.1f |\n' "$1" "$2" "$(echo "$rows / $2" | bc -l)" "$(echo "$3 / 1024" | bc -l)"; }
row "llmops renderer (driver)" "$llm" "$mem_llm"
row "llmops prompt render --data" "$cli" "$mem_cli"
row "Jinja2 $(python3 -c 'import jinja2; print(jinja2.__version__)') (python3)" "$jinja" "$mem_jinja"
printf '\nthroughput llmops / Jinja2 = %.1fx  (goal >= 10)\n' "$(echo "$jinja / $llm" | bc -l)"
printf 'memory     llmops / Jinja2 = %.2f   (goal <= 0.25)\n' "$(echo "$mem_llm / $mem_jinja" | bc -l)"
printf 'whole command: %.1fx the throughput, %.2f the memory of Jinja2\n' \
  "$(echo "$jinja / $cli" | bc -l)" "$(echo "$mem_cli / $mem_jinja" | bc -l)"
