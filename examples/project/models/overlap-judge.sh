#!/bin/sh
# A stand-in judge for the offline example: rates groundedness by the share of the answer's
# words that occur in the <context> of the judge prompt (1 = none, 5 = all), and replies in
# the JSON form the built-in judge prompts ask for. A real eval points `judge` at a model.
awk '
/^<context>$/ { part = "context"; next }
/^<\/context>$/ { part = ""; next }
/^<answer>$/ { part = "answer"; next }
/^<\/answer>$/ { part = ""; next }
part == "context" { context = context " " tolower($0) }
part == "answer" { answer = answer " " tolower($0) }
END {
  gsub(/[^a-z0-9 ]/, " ", context)
  gsub(/[^a-z0-9 ]/, " ", answer)
  n = split(context, cw, " ")
  for (i = 1; i <= n; i++) seen[cw[i]] = 1
  m = split(answer, aw, " ")
  hits = 0
  for (i = 1; i <= m; i++) if (aw[i] in seen) hits++
  share = (m > 0) ? hits / m : 0
  score = 1 + int(share * 4 + 0.5)
  printf "{\"score\": %d, \"reason\": \"%d of %d answer words occur in the context\"}\n", score, hits, m
}'
