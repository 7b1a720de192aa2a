#!/bin/sh
# A stand-in model for the offline example: it answers with the first sentence of the
# "Context:" line of the prompt (an extractive reader, the simplest honest QA baseline).
awk '/^Context: /{
  sub(/^Context: /, "")
  n = index($0, ". ")
  print (n > 0 ? substr($0, 1, n) : $0)
  found = 1
  exit
}
END { if (!found) print "I do not know." }'
