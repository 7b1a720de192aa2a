#!/usr/bin/env bash
# prompt add / list / show / log / diff / label / render, and every error they report.
source "$(dirname "$0")/lib.sh"

run init proj
expect_rc 0 init
cd proj

# Outside a project: exit 4 like every other command.
run -C "$WORK" prompt list
expect_rc 4 "prompt list outside a project"
expect_one_line_error "prompt list outside a project"

cat >qa.yaml <<'EOF'
name: qa-answer
description: Answer a question from the given context
messages:
  - role: system
    content: You answer strictly from the context.
  - role: user
    content: |
      {{#examples}}Q: {{question}}
      A: {{answer}}
      {{/examples}}Context: {{context}}
      Question: {{question}}
variables:
  question: {type: string, required: true}
  context: {type: string, default: ""}
examples: [{question: "2+2?", answer: "4"}]
model: {name: gpt-test, temperature: 0, max_tokens: 256, stop: ["\n\n"]}
output: {json_schema: {type: object, required: [answer]}}
EOF

# --- add ---------------------------------------------------------------------------------
run prompt list
expect_rc 0 "list with no prompts"
expect_eq "$OUT" "" "list with no prompts prints nothing on stdout"

run prompt add qa.yaml -m "first version"
expect_rc 0 "add"
expect_contains "$OUT" "added qa-answer@1" "add"
expect_eq "$ERR" "" "a clean spec gives no warnings"

before=$(store_digest)
run prompt add qa.yaml
expect_rc 0 "add unchanged"
expect_contains "$OUT" "unchanged: qa-answer@1" "add unchanged says so"
expect_eq "$(store_digest)" "$before" "unchanged content writes nothing"

# Reformatted YAML with the same content is the same version.
sed 's/^description: .*/description: "Answer a question from the given context"/' qa.yaml >qa-quoted.yaml
run prompt add qa-quoted.yaml
expect_contains "$OUT" "unchanged" "same content, other spelling"

sed 's/You answer strictly/You answer only/; s/max_tokens: 256/max_tokens: 300/' qa.yaml >qa2.yaml
run prompt add qa2.yaml -m "tighter system message" --json
expect_rc 0 "add v2 --json"
expect_eq "$(json_get .ref)" "qa-answer@2" "add --json ref"
expect_eq "$(json_get .created)" "true" "add --json created"
expect_eq "$(json_get .message)" "tighter system message" "add --json message"
hash2=$(json_get .hash)

# A variable a template uses must be declared (file:line:column of its first use, exit 3,
# nothing stored); declared optional it is fine. Declared but not used: a warning, exit 0.
cat >warn.yaml <<'EOF'
name: warn
template: |
  Hello {{who}}{{#who}}!{{/who}}
variables:
  unused: {type: string}
EOF
before=$(store_digest)
run prompt add warn.yaml
expect_rc 3 "add with an undeclared variable"
expect_one_line_error "add with an undeclared variable"
expect_contains "$ERR" "llmops: error: variable 'who' is used but not declared (warn.yaml:3:9)" "undeclared error"
expect_contains "$ERR" "required: false" "the hint says how to make it optional"
expect_eq "$(store_digest)" "$before" "a refused spec stores nothing"
printf '  who: {type: string, required: false}\n' >>warn.yaml
run prompt add warn.yaml
expect_rc 0 "add with the variable declared optional"
expect_contains "$ERR" "llmops: warning: variable 'unused' is declared but not used (warn.yaml:5:11)" "unused warning"
expect_not_contains "$ERR" "'who'" "a declared variable is not warned about"

# Errors: exit 3, one line with file:line:column, store unchanged.
add_error() { # FILE WHAT EXPECTED...
  local file=$1 what=$2
  shift 2
  local before
  before=$(store_digest)
  run prompt add "$file"
  expect_rc 3 "$what"
  expect_one_line_error "$what"
  for want in "$@"; do expect_contains "$ERR" "$want" "$what"; done
  expect_eq "$(store_digest)" "$before" "$what leaves the store unchanged"
}
printf 'name: bad\nmessages:\n  - role: robot\n    content: hi\n' >bad-role.yaml
add_error bad-role.yaml "schema error" "/messages/0/role: must be one of" "(bad-role.yaml:3:11)"
printf 'name: bad\ntemplate: t\nmodel: {temperature: 9}\n' >bad-temp.yaml
add_error bad-temp.yaml "out-of-range parameter" "/model/temperature: must be <= 2" "bad-temp.yaml:3:"
printf 'name: bad\nmessages:\n  - role: user\n    content: |\n      fine\n      {{#open}} never closed\n' >bad-tmpl.yaml
add_error bad-tmpl.yaml "template compile error" "unclosed section 'open'" "(bad-tmpl.yaml:6:7)"
printf 'name: bad\ntemplate: "{{x}"\n' >bad-tag.yaml
add_error bad-tag.yaml "unclosed tag" "bad-tag.yaml:2:"
printf 'name: bad\n' >bad-empty.yaml
add_error bad-empty.yaml "no messages" "needs 'messages' or 'template'"
printf 'name: bad\ntemplate: "{{n}}"\nvariables: {n: {type: integer, default: many}}\n' >bad-default.yaml
add_error bad-default.yaml "default of the wrong type" "default of variable 'n' must be integer" "bad-default.yaml:3:"
printf 'name: bad\ntemplate: t\noutput: {json_schema: {type: 7}}\n' >bad-schema.yaml
add_error bad-schema.yaml "invalid output schema" "invalid output JSON schema" "bad-schema.yaml:3:"
printf 'name: bad\nextends: nobody\n' >bad-parent.yaml
add_error bad-parent.yaml "unknown parent" "no prompt named 'nobody'" "bad-parent.yaml:2:"
printf 'name: bad\ntemplate: [unclosed\n' >bad-yaml.yaml
add_error bad-yaml.yaml "YAML syntax error" "bad-yaml.yaml:"
add_error missing.yaml "missing file" "missing.yaml"

run prompt add
expect_rc 2 "add without a file"
expect_one_line_error "add without a file"

# --- list, show, log ---------------------------------------------------------------------
run prompt list
expect_rc 0 list
expect_contains "$OUT" "qa-answer" "list names the prompt"
expect_contains "$OUT" "Answer a question" "list shows the description"
run prompt list --json
expect_eq "$(json_get '.[] | select(.name == "qa-answer") | .latest')" "2" "list --json latest"
expect_eq "$(json_get '.[] | select(.name == "qa-answer") | .versions')" "2" "list --json versions"

run prompt show qa-answer
expect_rc 0 show
expect_contains "$OUT" "# qa-answer@2  (latest)" "show header"
expect_contains "$OUT" "You answer only from the context." "show prints the spec"
expect_contains "$OUT" "max_tokens: 300" "show prints parameters"
# show's output is itself a spec: adding it back changes nothing.
printf '%s\n' "$OUT" >shown.yaml
run prompt add shown.yaml
expect_contains "$OUT" "unchanged: qa-answer@2" "show output round-trips"

run prompt show qa-answer@1 --json
expect_rc 0 "show --json"
expect_eq "$(json_get .version)" "1" "show NAME@1"
expect_eq "$(json_get .spec.model.max_tokens)" "256" "show --json spec"
run prompt show "qa-answer@${hash2:0:7}" --json
expect_eq "$(json_get .version)" "2" "show NAME@hash-prefix"

ref_error() { # EXIT WHAT EXPECTED ARGS...
  local rc=$1 what=$2 want=$3
  shift 3
  local before
  before=$(store_digest)
  run "$@"
  expect_rc "$rc" "$what"
  expect_one_line_error "$what"
  expect_contains "$ERR" "$want" "$what"
  expect_eq "$(store_digest)" "$before" "$what leaves the store unchanged"
}
ref_error 3 "show unknown prompt" "no prompt named 'nope'" prompt show nope
expect_contains "$ERR" "hint: run 'llmops prompt list'" "unknown prompt hint"
ref_error 3 "show unknown version" "has no version or label '9'" prompt show qa-answer@9
ref_error 3 "show unknown label" "has no version or label 'production'" prompt show qa-answer@production
ref_error 3 "show malformed ref" "invalid prompt reference" prompt show "qa answer"
ref_error 3 "log unknown prompt" "no prompt named 'nope'" prompt log nope

# --- label -------------------------------------------------------------------------------
run prompt label qa-answer@1 production
expect_rc 0 "label set"
expect_contains "$OUT" "set qa-answer@production -> 1" "label set"
run prompt show qa-answer@production --json
expect_eq "$(json_get .version)" "1" "NAME@label resolves"
before=$(store_digest)
run prompt label qa-answer@1 production
expect_contains "$OUT" "already names" "label unchanged"
expect_eq "$(store_digest)" "$before" "setting a label to where it is writes nothing"
run prompt label qa-answer production --json
expect_eq "$(json_get .from)" "1" "label move from"
expect_eq "$(json_get .to)" "2" "label move to"
run prompt label qa-answer@1 staging
ref_error 2 "label latest" "'latest' is automatic" prompt label qa-answer@1 latest
ref_error 2 "bad label" "invalid label '1st'" prompt label qa-answer@1 1st
ref_error 3 "label unknown version" "has no version or label '7'" prompt label qa-answer@7 staging

run prompt log qa-answer
expect_rc 0 log
expect_contains "$OUT" "qa-answer@2" "log lists v2"
expect_contains "$OUT" "tighter system message" "log shows messages"
expect_contains "$OUT" "(latest, production)" "log shows labels"
expect_contains "$OUT" "label history:" "log shows label history"
expect_contains "$OUT" "production  moved 1 -> 2" "log shows the move"
expect_contains "$OUT" "production  set to 1" "log shows the first set"
run prompt log qa-answer --json
expect_eq "$(json_get '.versions | length')" "2" "log --json versions"
expect_eq "$(json_get '.label_events | length')" "3" "log --json label events"
expect_eq "$(json_get '.label_events[0].label')" "staging" "newest event first"

# --- diff --------------------------------------------------------------------------------
run prompt diff qa-answer@1 qa-answer@production
expect_rc 0 diff
expect_contains "$OUT" "--- qa-answer@1" "diff header a"
expect_contains "$OUT" "+++ qa-answer@2" "diff header b"
expect_contains "$OUT" "-    content: You answer strictly from the context." "diff removed line"
expect_contains "$OUT" "+    content: You answer only from the context." "diff added line"
expect_contains "$OUT" "+  max_tokens: 300" "diff parameters"
run prompt diff qa-answer@1 qa-answer@2 --exit-code
expect_rc 1 "diff --exit-code on different versions"
run prompt diff qa-answer@2 qa-answer@latest --exit-code
expect_rc 0 "diff of identical versions"
expect_eq "$OUT" "" "identical diff prints nothing"
run prompt diff qa-answer@1 qa-answer@2 --json
expect_eq "$(json_get .identical)" "false" "diff --json"
ref_error 3 "diff unknown ref" "no version or label 'x1'" prompt diff qa-answer@1 qa-answer@x1

# --- render ------------------------------------------------------------------------------
run prompt render qa-answer --var question="Why is the sky blue?" --var context="Rayleigh scattering."
expect_rc 0 render
expect_eq "$OUT" "[system]
You answer only from the context.

[user]
Q: 2+2?
A: 4
Context: Rayleigh scattering.
Question: Why is the sky blue?" "render text"
expect_not_contains "$OUT" "{{" "render leaves no tags"

run prompt render qa-answer@1 --var question=Q --format json
expect_eq "$(json_get .prompt)" "qa-answer@1" "render json prompt"
expect_eq "$(json_get '.messages[1].role')" "user" "render json role"
expect_eq "$(json_get '.messages[1].content')" "Q: 2+2?
A: 4
Context: 
Question: Q" "render json uses the default context"

run prompt render qa-answer@production --var question=Q --format openai
expect_rc 0 "render openai"
expect_eq "$(json_get .model)" "gpt-test" "openai model"
expect_eq "$(json_get .max_tokens)" "300" "openai max_tokens"
expect_eq "$(json_get '.stop[0] | @json')" '"\n\n"' "openai stop"
expect_eq "$(json_get '.messages | length')" "2" "openai messages"
expect_eq "$(json_get .response_format.type)" "json_schema" "openai response_format"
expect_eq "$(json_get '.response_format.json_schema.schema.required[0]')" "answer" "openai schema"

printf '{"question": "From JSON?", "context": "ctx"}' >vars.json
run prompt render qa-answer --vars vars.json --format json
expect_contains "$(json_get '.messages[1].content')" "Question: From JSON?" "--vars json"
printf 'question: From YAML?\n' >vars.yaml
run prompt render qa-answer --vars vars.yaml --var question=Override --format json
expect_contains "$(json_get '.messages[1].content')" "Question: Override" "--var wins over --vars"

render_error() { # EXIT WHAT EXPECTED ARGS...
  local rc=$1 what=$2 want=$3
  shift 3
  run "$@"
  expect_rc "$rc" "$what"
  expect_one_line_error "$what"
  expect_contains "$ERR" "$want" "$what"
  expect_eq "$OUT" "" "$what prints nothing on stdout"
}
render_error 3 "missing required variable" "missing required variable 'question' for prompt qa-answer@2" \
  prompt render qa-answer
render_error 3 "unknown prompt" "no prompt named 'nope'" prompt render nope
printf '[1, 2]' >list.json
render_error 3 "--vars not an object" "must hold an object" prompt render qa-answer --vars list.json
render_error 3 "--vars missing file" "nofile.json" prompt render qa-answer --vars nofile.json
render_error 2 "--var without =" "--var expects NAME=VALUE" prompt render qa-answer --var question
render_error 2 "neither REF nor template" "needs either a prompt REF or --template-file" prompt render
render_error 2 "--row without --data" "--row, --id and --limit need --data" prompt render qa-answer --row 1
render_error 2 "--escape with a REF" "apply to --template-file only" prompt render qa-answer --escape html
render_error 2 "bad --format" "--format" prompt render qa-answer --format xml

# Typed variables from the command line; an undeclared interpolation is an error, not a hole.
cat >summ.yaml <<'EOF'
name: summarize
template: "Summarise in {{sentences}} sentences: {{text}}{{#loud}}!{{/loud}} {{tone}}"
variables:
  text: {type: string, required: true}
  sentences: {type: integer, default: 3}
  loud: {type: boolean, default: false}
EOF
run prompt add summ.yaml
expect_rc 3 "summ with tone undeclared"
expect_contains "$ERR" "variable 'tone' is used but not declared (summ.yaml:2:" "summ error"
printf '  tone: {type: string, required: true}\n' >>summ.yaml
run prompt add summ.yaml
expect_rc 0 "summ with tone declared"
run prompt render summarize --var text=T --var sentences=2 --var loud=true --var tone=calm
expect_rc 0 "completion render"
expect_eq "$OUT" "Summarise in 2 sentences: T! calm" "completion text"
render_error 3 "required variable missing" "missing required variable 'tone' for prompt summarize@1" \
  prompt render summarize --var text=T
render_error 3 "bad integer" "variable 'sentences' for prompt summarize@1 must be integer, got 'two'" \
  prompt render summarize --var text=T --var sentences=two
run prompt render summarize --var text=T --var tone=x --format openai
expect_eq "$(json_get .prompt)" "Summarise in 3 sentences: T x" "completion openai body"

# --- extends -----------------------------------------------------------------------------
cat >base.yaml <<'EOF'
name: base
messages:
  - role: system
    content: "Rules: {{$rules}}be brief{{/rules}}."
  - role: user
    content: "{{question}}"
variables: {question: {type: string, required: true}}
model: {temperature: 0.5}
EOF
cat >child.yaml <<'EOF'
name: child
extends: base@production
messages:
  - role: system
    content: "{{<base}}{{$rules}}cite sources{{/rules}}{{/base}}"
  - role: user
    content: "{{<base}}{{/base}}"
EOF
run prompt add base.yaml
run prompt label base production
run prompt add child.yaml
expect_rc 0 "add child"
run prompt show child --json
expect_eq "$(json_get .parent)" "base@1" "child pins its parent"
run prompt render child --var question=Q
expect_eq "$OUT" "[system]
Rules: cite sources.

[user]
Q" "child renders through the parent"
render_error 3 "child inherits required variables" "missing required variable 'question' for prompt child@1" \
  prompt render child

# --- raw templates -----------------------------------------------------------------------
mkdir partials
printf 'Dear {{name}},\n{{> body}}{{> sig}}' >letter.mustache
printf 'Your order <{{order}}> shipped.\n' >partials/body.mustache
printf -- '-- {{team}}\n' >partials/sig.mustache
run prompt render --template-file letter.mustache --partials-dir partials --var name=Ann --var order='A&B' --var team=Shop
expect_rc 0 "template file"
expect_eq "$OUT" "Dear Ann,
Your order <A&B> shipped.
-- Shop" "template file with partials, unescaped"
run prompt render --template-file letter.mustache --partials-dir partials --var name=Ann --var order='A&B' --var team=Shop --escape html
expect_contains "$OUT" "Your order <A&amp;B> shipped." "--escape html escapes values, not the template"
run -C "$WORK" prompt render --template-file proj/letter.mustache --partials-dir proj/partials --vars proj/vars.yaml --allow-missing
expect_rc 0 "template file works outside a project"
render_error 3 "template missing variable" "missing variable 'order'" \
  prompt render --template-file letter.mustache --partials-dir partials --var name=Ann --var team=T
render_error 3 "template unknown partial" "unknown partial 'body'" \
  prompt render --template-file letter.mustache --var name=A --var order=1 --var team=T
printf 'oops {{#x}}' >broken.mustache
render_error 3 "template compile error" "broken.mustache:1:6" prompt render --template-file broken.mustache
render_error 2 "REF and template" "not both" prompt render qa-answer --template-file letter.mustache

# --- render --data -----------------------------------------------------------------------
cat >rows.jsonl <<'EOF'
{"question": "q0", "context": "c0", "id": 0}
{"question": "q1", "context": "c1", "id": 1}
{"question": "q2", "id": 2}
{"context": "no question", "id": 3}
EOF
run data add rows.jsonl -n questions
expect_rc 0 "data add"
run prompt render qa-answer --data questions --limit 3
expect_rc 0 "render --data --limit"
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" "3" "one line per row"
expect_eq "$(printf '%s\n' "$OUT" | sed -n 2p | jq -r .row)" "1" "rows are numbered"
expect_eq "$(printf '%s\n' "$OUT" | sed -n 3p | jq -r '.messages[1].content')" "Q: 2+2?
A: 4
Context: 
Question: q2" "row without context uses the default"
run prompt render qa-answer --data questions --row 1 --format openai
expect_rc 0 "render --data --row --format openai"
expect_eq "$(json_get .custom_id)" "row-1" "batch line custom_id"
expect_eq "$(json_get .url)" "/v1/chat/completions" "batch line url"
expect_contains "$(json_get '.body.messages[1].content')" "Question: q1" "batch line body"
run prompt render qa-answer --data questions --var context=fixed --limit 1
expect_contains "$(printf '%s' "$OUT" | jq -r '.messages[1].content')" "Context: fixed" "--var applies to every row"
render_error 3 "missing variable in a row" "missing required variable 'question' for prompt qa-answer@2 (row 3)" \
  prompt render qa-answer --data questions --row 3
run prompt render qa-answer --data questions
expect_rc 3 "a bad row stops the run"
expect_contains "$ERR" "(row 3)" "the error names the row"
render_error 3 "--row past the end" "has no row 9" prompt render qa-answer --data questions --row 9
render_error 2 "--data with text format" "--format text renders one row: add --row N or --id ID" prompt render qa-answer --data questions --format text
render_error 2 "--row and --limit" "not both" prompt render qa-answer --data questions --row 1 --limit 2

# --- the store stays sound ---------------------------------------------------------------
run fsck
expect_rc 0 "fsck after prompt commands"
run gc --dry-run --json
expect_eq "$(json_get '.removed_objects | length')" "0" "gc keeps every prompt spec"
run status --json
expect_eq "$(json_get '.counts.prompts')" "5" "status counts prompts"
expect_eq "$(json_get '."counts"."prompt versions"')" "6" "status counts prompt versions"

# --- template budgets and Ctrl-C ----------------------------------------------------------
# Nested sections over a list multiply: 60 levels over 2 items is 2^60 renders.
nested() { # DEPTH: {{#a}} x DEPTH, x, {{/a}} x DEPTH
  local i open="" close=""
  for i in $(seq "$1"); do open+="{{#a}}"; close+="{{/a}}"; done
  printf '%sx%s\n' "$open" "$close"
}
nested 60 >deep60.mustache
nested 500 >deep500.mustache
printf '{"a": [1, 2]}' >two.json
render_error 3 "a render over the step limit" \
  "over the template step limit: more than 10000000 steps (tags and text runs) in one render (deep60.mustache:1:" \
  prompt render --template-file deep60.mustache --vars two.json
expect_contains "$ERR" "hint: raise limits.template_steps" "the step limit error says how to raise it"
render_error 3 "500 levels over the depth limit" \
  "sections nested deeper than 100 levels (the template depth limit) (deep500.mustache:1:601)" \
  prompt render --template-file deep500.mustache --vars two.json
LLMOPS_TEMPLATE_DEPTH=600 LLMOPS_TEMPLATE_STEPS=5000 run prompt render --template-file deep500.mustache --vars two.json
expect_rc 3 "500 levels with the depth raised: the step limit"
expect_contains "$ERR" "more than 5000 steps" "LLMOPS_TEMPLATE_STEPS sets the step limit"
LLMOPS_TEMPLATE_OUTPUT_BYTES=100 run prompt render --template-file letter.mustache --var name="$(printf '%0200d' 0)" --var order=1 --var team=T --partials-dir partials
expect_rc 3 "a render over the output limit"
expect_contains "$ERR" "over the template output limit: more than 100 bytes from one render" "output limit named"
LLMOPS_TEMPLATE_STEPS=lots run prompt render --template-file letter.mustache --var name=A
expect_rc 2 "a bad LLMOPS_TEMPLATE_STEPS"
expect_contains "$ERR" "LLMOPS_TEMPLATE_STEPS must be a whole number" "bad variable named"
# llmops.yaml `limits:` applies to stored prompts too.
cp llmops.yaml llmops.yaml.saved 2>/dev/null || : >llmops.yaml.saved
printf 'limits:\n  template_steps: 20\n' >>llmops.yaml
cat >listing.yaml <<'YAML'
name: listing
template: "{{#items}}- {{.}}\n{{/items}}"
variables:
  items: {type: array, required: true}
YAML
run prompt add listing.yaml
expect_rc 0 "prompt add listing"
run prompt render listing --var items='[1,2,3]'
expect_rc 0 "a small list fits 20 steps"
run prompt render listing --var items='[1,2,3,4,5,6,7,8,9,10,11,12]'
expect_rc 3 "llmops.yaml limits.template_steps"
expect_contains "$ERR" "more than 20 steps" "the configured limit is named"
expect_contains "$ERR" "for prompt listing@1" "the prompt is named"
printf 'limits:\n  template_stpes: 20\n' >llmops.yaml
run prompt render listing --var items='[1]'
expect_rc 3 "an unknown limit"
expect_contains "$ERR" "limits: unknown key 'template_stpes'" "unknown limit named"
expect_contains "$ERR" "llmops.yaml:2:" "at its line"
mv llmops.yaml.saved llmops.yaml

# Ctrl-C in the middle of one endless render: exit 130 within moments.
LLMOPS_TEMPLATE_STEPS=9007199254740992 "$LLMOPS_BIN" prompt render --template-file deep60.mustache \
  --vars two.json >int.out 2>int.err &
pid=$!
if wait_busy $pid; then
  kill -INT $pid
  wait_exit $pid
  expect_eq "$EXIT_CODE" 130 "Ctrl-C during a long render exits 130"
  expect_contains "$(cat int.err)" "llmops: error: interrupted" "Ctrl-C says so"
else
  fail "the long render ended before it could be interrupted: $(cat int.err)"
  kill -KILL $pid 2>/dev/null || true
fi

run fsck
expect_rc 0 "fsck after the template budget checks"

finish
