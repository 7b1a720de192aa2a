// Unit tests for lib/eval/metrics. Every expected value names its source:
//  [py-squad]   SQuAD v1.1's official evaluate-v1.1.py normalize_answer/f1_score, run as a
//               transcription under Debian 12's Python 3.11.
//  [nltk-bleu]  NLTK 3.8 (Debian python3-nltk) nltk.translate.bleu_score with
//               SmoothingFunction().method3 (= sacrebleu's 'exp') on tokens from a Python
//               transcription of sacrebleu's 13a regexes. sacrebleu and rouge-score are not
//               packaged in Debian 12; for hypotheses of >= 4 tokens sacrebleu's sentence BLEU
//               (effective order) and NLTK's method3 BLEU coincide.
//  [sacrebleu-readme] a value published in sacrebleu's README.
//  [py-rouge]   a Python transcription of rouge-score's tokenize/_score_ngrams/_score_lcs, and
//               the hand derivation written next to the value.
//  [nltk-edit]  nltk.edit_distance (code points), then 1 - d / max(len).
//  [hand]       derived by hand, derivation in the comment.
#include "core/error.hpp"
#include "eval/metrics/overlap.hpp"
#include "eval/metrics/string_match.hpp"
#include "eval/metrics/structured.hpp"
#include "eval/metrics/text_normalize.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace llmops::eval;

namespace {
constexpr double kMetricTol = 1e-6;
using Tokens = std::vector<std::string>;
} // namespace

TEST_CASE("split_whitespace follows Python's str.split()", "[metrics]") {
    CHECK(split_whitespace("  a\tb\u00A0c\u2003d\n") == Tokens{"a", "b", "c", "d"});
    CHECK(split_whitespace("").empty());
    CHECK(split_whitespace(" \u3000 ").empty());
}

TEST_CASE("normalize_answer matches SQuAD", "[metrics]") {
    // [py-squad] for every line.
    CHECK(normalize_answer("The Quick, brown fox!") == "quick brown fox");
    CHECK(normalize_answer("An apple a day keeps the doctor away.") ==
          "apple day keeps doctor away");
    CHECK(normalize_answer("theater anthem") == "theater anthem");
    CHECK(normalize_answer("  Hello\u00A0\u2003World\t") == "hello world");
    // Python's \b is Unicode-aware: '¿' is not a word character, 'é' is.
    CHECK(normalize_answer("¿the thé a") == "¿ thé");
    CHECK(normalize_answer("don't-stop_the music") == "dontstopthe music");
}

TEST_CASE("casefold folds Unicode case and composes", "[metrics]") {
    CHECK(casefold("STRASSE") == casefold("straße"));
    CHECK(casefold("E\u0301") == casefold("\u00E9")); // decomposed vs precomposed é
    CHECK(to_lower("ÀÉÎ Ωmega") == "àéî ωmega");
}

TEST_CASE("string match assertions", "[metrics]") {
    CHECK(equals("Paris", "Paris"));
    CHECK_FALSE(equals("Paris", "paris"));
    CHECK(exact_match("The Paris.", "paris"));
    CHECK_FALSE(exact_match("Paris, France", "paris"));
    CHECK(contains("the answer is 42", "42"));
    CHECK_FALSE(contains("the answer is 42", "Answer"));
    CHECK(icontains("the answer is 42", "ANSWER"));
    CHECK(icontains("Die STRASSE ist lang", "straße"));
    CHECK(icontains("CAFÉ", "cafe\u0301")); // NFC makes é and e + U+0301 equal
    CHECK_FALSE(icontains("cafe", "café"));
    CHECK(not_contains("safe output", "password"));
    CHECK_FALSE(not_contains("your password", "password"));
    CHECK(contains_any("red green", {"blue", "green"}));
    CHECK_FALSE(contains_any("red green", {"blue", "Green"}));
    CHECK(contains_any("red green", {"blue", "Green"}, /*ignore_case=*/true));
    CHECK_FALSE(contains_any("anything", {}));
    CHECK(contains_all("red green blue", {"blue", "red"}));
    CHECK_FALSE(contains_all("red green", {"blue", "red"}));
    CHECK(contains_all("RED GREEN", {"green", "red"}, true));
    CHECK(contains_all("anything", {}));
    CHECK(starts_with("Yes, because", "Yes"));
    CHECK_FALSE(starts_with("Yes", "Yes, because"));
    CHECK(starts_with("", ""));
}

TEST_CASE("regex assertions use RE2 and report bad patterns", "[metrics]") {
    CHECK(regex_search("order #12345 shipped", R"(#\d{5}\b)"));
    CHECK_FALSE(regex_search("order #1234 shipped", R"(#\d{5}\b)"));
    CHECK(regex_search("Hello", "(?i)^hello$"));
    CHECK(regex_search("naïve", "^na.ve$")); // '.' is one code point in UTF-8 mode
    RegexMatcher m("^[A-Z][a-z]+$");
    CHECK(m.search("Paris"));
    CHECK_FALSE(m.search("paris"));
    try {
        RegexMatcher bad("(unclosed");
        FAIL("expected an error");
    } catch (const llmops::Error& e) {
        CHECK(e.kind() == llmops::ErrorKind::BadInput);
        CHECK_THAT(e.message(), Catch::Contains("missing )")); // RE2's own message
    }
    // Backreferences are not in RE2's linear-time subset.
    CHECK_THROWS_AS(regex_search("aa", R"((a)\1)"), llmops::Error);
}

TEST_CASE("levenshtein over code points", "[metrics]") {
    // [nltk-edit] for every value.
    CHECK(levenshtein_distance("kitten", "sitting") == 3);
    CHECK(levenshtein_similarity("kitten", "sitting") ==
          Approx(0.5714285714285714).margin(kMetricTol));
    CHECK(levenshtein_distance("café", "cafe") == 1); // bytes would say 2
    CHECK(levenshtein_similarity("café", "cafe") == Approx(0.75).margin(kMetricTol));
    CHECK(levenshtein_similarity("", "abc") == Approx(0.0).margin(kMetricTol));
    CHECK(levenshtein_similarity("flaw", "lawn") == Approx(0.5).margin(kMetricTol));
    CHECK(levenshtein_similarity("日本語", "日本") ==
          Approx(0.6666666666666667).margin(kMetricTol));
    CHECK(levenshtein_similarity("", "") == Approx(1.0).margin(kMetricTol)); // [hand] defined as 1
    CHECK(levenshtein_distance("abc", "abc") == 0);
}

TEST_CASE("is_json", "[metrics]") {
    CHECK(is_json(R"({"a": [1, 2.5, "x", null, true]})"));
    CHECK(is_json("  42 \n"));
    CHECK(is_json(R"("just a string")"));
    CHECK_FALSE(is_json(R"({"a": 1,})"));
    CHECK_FALSE(is_json("{'a': 1}"));
    CHECK_FALSE(is_json(""));
    CHECK_FALSE(is_json("{} {}"));
    CHECK_FALSE(is_json("NaN"));
}

TEST_CASE("token F1 matches SQuAD / Prompt Flow", "[metrics]") {
    // [py-squad]. Hand check of the first: prediction tokens {cat, was, sitting, on, mat} (5),
    // truth {cat, sat, on, mat} (4), 3 shared: P = 3/5, R = 3/4, F1 = 2PR/(P+R) = 2/3.
    CHECK(token_f1("the cat was sitting on the mat", "a cat sat on the mat") ==
          Approx(0.6666666666666665).margin(kMetricTol));
    CHECK(token_f1("Paris", "paris!") == Approx(1.0).margin(kMetricTol));
    CHECK(token_f1("New York City", "York") == Approx(0.5).margin(kMetricTol));
    // Bag-of-words clipping: {1,2,2,3} vs {2,2,2,4} share two 2s: P = R = 1/2.
    CHECK(token_f1("1 2 2 3", "2 2 2 4") == Approx(0.5).margin(kMetricTol));
    CHECK(token_f1("yes", "no") == Approx(0.0).margin(kMetricTol));
    // [hand] SQuAD 2.0's empty rule (SQuAD 1.1 and Prompt Flow give 0 for both empty).
    CHECK(token_f1("the", "") == Approx(1.0).margin(kMetricTol));
    CHECK(token_f1("", "answer") == Approx(0.0).margin(kMetricTol));
}

TEST_CASE("13a tokenisation matches sacrebleu", "[metrics]") {
    // [nltk-bleu]'s 13a transcription.
    CHECK(tokenize_13a("Hello, world! It's 3.14 - or 1,000-2,000 (approx).") ==
          Tokens{"Hello", ",", "world", "!", "It's", "3.14", "-", "or", "1,000", "-", "2,000", "(",
                 "approx", ")", "."});
    CHECK(tokenize_13a("e-mail &amp; &quot;x&quot; <skipped>a/b") ==
          Tokens{"e-mail", "&", "\"", "x", "\"", "a", "/", "b"});
    CHECK(tokenize_13a("U.S.A. 12.5% $3,50") ==
          Tokens{"U", ".", "S", ".", "A", ".", "12.5", "%", "$", "3,50"});
}

TEST_CASE("sentence BLEU matches sacrebleu.sentence_bleu", "[metrics]") {
    // [nltk-bleu] 0.4347208719449914. By hand: hyp "the cat sat on a mat today" (7 tokens),
    // ref 6 tokens so BP = 1; matches 1-4 grams: 5/7, 3/6, 2/5, 1/4;
    // BLEU = (5/7 * 1/2 * 2/5 * 1/4)^(1/4) = (1/28)^(1/4).
    CHECK(sentence_bleu("the cat sat on a mat today", {"the cat sat on the mat"}) ==
          Approx(0.4347208719449914).margin(kMetricTol));
    CHECK(sentence_bleu("The dog bit the man.",
                        {"The dog bit the man.", "The dog had bit the man."}) ==
          Approx(1.0).margin(kMetricTol));
    // [nltk-bleu] 0.29071536848410967: third segment of sacrebleu's README example.
    CHECK(sentence_bleu("The man had just bitten him.",
                        {"The man bit him first.", "The man had bitten the dog."}) ==
          Approx(0.29071536848410967).margin(kMetricTol));
    // [nltk-bleu] 0.5, two references, clipping against the max count over references.
    CHECK(sentence_bleu("the quick brown fox jumped over the dog",
                        {"a quick brown fox jumps over the lazy dog",
                         "the fast brown fox jumped over a dog"}) ==
          Approx(0.5).margin(kMetricTol));
    // [nltk-bleu] and [hand]: 'exp' smoothing. 1-grams 3/5 match; 2-, 3-, 4-grams none match,
    // so they get 1/(2*4), 1/(4*3), 1/(8*2): BLEU = (0.6/1536)^(1/4) = 0.14058533129758727.
    const BleuScore smooth = sentence_bleu_score("a b c d e", {"a x c y e"});
    CHECK(smooth.score == Approx(0.14058533129758727).margin(kMetricTol));
    CHECK(smooth.precisions[1] == Approx(0.125).margin(kMetricTol));
    CHECK(smooth.precisions[3] == Approx(0.0625).margin(kMetricTol));
    // [hand] effective order: "the cat" has only 1- and 2-grams, both all matching, so
    // BLEU = BP = exp(1 - 3/2) = 0.6065306597126334.
    const BleuScore short_hyp = sentence_bleu_score("the cat", {"the cat sat"});
    CHECK(short_hyp.score == Approx(0.6065306597126334).margin(kMetricTol));
    CHECK(short_hyp.sys_len == 2);
    CHECK(short_hyp.ref_len == 3);
    // [hand] no n-gram matches at all: sacrebleu's early stop gives 0.
    CHECK(sentence_bleu("foo bar", {"baz"}) == Approx(0.0).margin(kMetricTol));
    CHECK(sentence_bleu("", {"baz"}) == Approx(0.0).margin(kMetricTol));
    // [nltk-bleu] 1.0: refs of 4 and 6 tokens are equally close to a 5-token hypothesis; the
    // shorter wins, so BP = 1 (the longer would give exp(1 - 6/5)).
    CHECK(sentence_bleu("one two three four five",
                        {"one two three four", "one two three four five six"}) ==
          Approx(1.0).margin(kMetricTol));
    // [nltk-bleu] case-sensitive 0.6147881529512643; lowercased 1.0.
    CHECK(sentence_bleu("The Cat sat on the mat .", {"the cat sat on the mat."}) ==
          Approx(0.6147881529512643).margin(kMetricTol));
    CHECK(sentence_bleu("The Cat sat on the mat .", {"the cat sat on the mat."}, true) ==
          Approx(1.0).margin(kMetricTol));
    CHECK_THROWS_AS(sentence_bleu("x", {}), llmops::Error);
}

TEST_CASE("corpus BLEU matches sacrebleu.corpus_bleu", "[metrics]") {
    // [sacrebleu-readme]: "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944
    // hyp_len = 17 ref_len = 18)"; the full-precision value 48.53082700992989 is [nltk-bleu].
    const std::vector<std::string> sys = {"The dog bit the man.", "It wasn't surprising.",
                                          "The man had just bitten him."};
    const std::vector<std::vector<std::string>> refs = {
        {"The dog bit the man.", "The dog had bit the man."},
        {"It was not unexpected.", "No one was surprised."},
        {"The man bit him first.", "The man had bitten the dog."}};
    const BleuScore s = corpus_bleu(sys, refs);
    CHECK(s.score * 100 == Approx(48.53082700992989).margin(kMetricTol * 100));
    CHECK(s.sys_len == 17);
    CHECK(s.ref_len == 18);
    CHECK(s.brevity_penalty == Approx(std::exp(1.0 - 18.0 / 17.0)).margin(kMetricTol));
    CHECK(s.precisions[0] == Approx(14.0 / 17.0).margin(kMetricTol)); // 82.4
    CHECK(s.precisions[1] == Approx(0.5).margin(kMetricTol));         // 50.0
    CHECK(s.precisions[2] == Approx(5.0 / 11.0).margin(kMetricTol));  // 45.5
    CHECK(s.precisions[3] == Approx(3.0 / 8.0).margin(kMetricTol));   // 37.5
    CHECK_THROWS_AS(corpus_bleu(sys, {refs[0]}), llmops::Error);
    // [hand] corpus BLEU has no effective order: a 2-token corpus has no 3-grams, score 0.
    CHECK(corpus_bleu({"the cat"}, {{"the cat"}}).score == Approx(0.0).margin(kMetricTol));
}

TEST_CASE("rouge tokeniser matches rouge-score", "[metrics]") {
    // [py-rouge]: non-ASCII letters are separators, as in rouge-score.
    CHECK(tokenize_rouge("Café au lait, s'il vous plaît") ==
          Tokens{"caf", "au", "lait", "s", "il", "vous", "pla", "t"});
    CHECK(tokenize_rouge("The log.") == Tokens{"the", "log"});
    CHECK(tokenize_rouge("--").empty());
}

TEST_CASE("ROUGE-1/2/L match rouge-score", "[metrics]") {
    // [py-rouge] + [hand]: cand "the cat was found under the bed" (7 tokens), ref "the cat was
    // under the bed" (6). ROUGE-1: 6 shared unigrams, P = 6/7, R = 1, F = 12/13.
    // ROUGE-2: cand bigrams 6, ref 5, shared {the cat, cat was, under the, the bed} = 4:
    // P = 4/6, R = 4/5, F = 8/11. ROUGE-L: LCS "the cat was under the bed" = 6, F = 12/13.
    const char* cand = "the cat was found under the bed";
    const char* ref = "the cat was under the bed";
    CHECK(rouge1_f(cand, ref) == Approx(12.0 / 13.0).margin(kMetricTol));
    CHECK(rouge2_f(cand, ref) == Approx(8.0 / 11.0).margin(kMetricTol));
    CHECK(rouge_l_f(cand, ref) == Approx(12.0 / 13.0).margin(kMetricTol));
    const RougeScore r1 = rouge_n(cand, ref, 1);
    CHECK(r1.precision == Approx(6.0 / 7.0).margin(kMetricTol));
    CHECK(r1.recall == Approx(1.0).margin(kMetricTol));

    // [py-rouge]: rouge-score README's sentences, 0.7058823529411765 / 0.26666666666666666 /
    // 0.5882352941176471. By hand, ROUGE-L: LCS "the quick brown jumps the" = 5, P = 5/8,
    // R = 5/9, F = 2*5/(8+9) = 10/17.
    const char* c2 = "The quick brown dog jumps on the log.";
    const char* r2 = "The quick brown fox jumps over the lazy dog";
    CHECK(rouge1_f(c2, r2) == Approx(0.7058823529411765).margin(kMetricTol));
    CHECK(rouge2_f(c2, r2) == Approx(0.26666666666666666).margin(kMetricTol));
    CHECK(rouge_l_f(c2, r2) == Approx(10.0 / 17.0).margin(kMetricTol));

    // [py-rouge] 1.0 / 0.6666666666666666 / 0.5: word order matters only to ROUGE-2 and -L.
    CHECK(rouge1_f("police killed the gunman", "the gunman police killed") ==
          Approx(1.0).margin(kMetricTol));
    CHECK(rouge2_f("police killed the gunman", "the gunman police killed") ==
          Approx(2.0 / 3.0).margin(kMetricTol));
    CHECK(rouge_l_f("police killed the gunman", "the gunman police killed") ==
          Approx(0.5).margin(kMetricTol));

    // [py-rouge] 0.36363636363636365: 8 candidate tokens, 3 reference, 2 shared (au, lait).
    CHECK(rouge1_f("Café au lait, s'il vous plaît", "cafe au lait") ==
          Approx(0.36363636363636365).margin(kMetricTol));

    // [hand] empty sides score 0 (rouge-score divides by max(count, 1)).
    CHECK(rouge1_f("", "text") == Approx(0.0).margin(kMetricTol));
    CHECK(rouge_l_f("text", "!!!") == Approx(0.0).margin(kMetricTol));
    CHECK(rouge2_f("one", "one") == Approx(0.0).margin(kMetricTol)); // no bigrams on either side
    CHECK_THROWS_AS(rouge_n("a", "a", 0), llmops::Error);
}

TEST_CASE("contains_any and contains_all are case-sensitive unless asked", "[metrics]") {
    CHECK_FALSE(contains_all("RED GREEN", {"red"}));
    CHECK(contains_all("RED GREEN", {"red"}, true));
    CHECK_FALSE(contains_any("RED GREEN", {"red", "blue"}));
    CHECK(contains_any("RED GREEN", {"red", "blue"}, true));
}

TEST_CASE("every ASCII punctuation character is removed, and nothing else", "[metrics]") {
    // [py-squad] string.punctuation, at the edges of its four ranges: ! / : @ [ ` { ~
    CHECK(normalize_answer("a!b/c:d@e[f`g{h~i") == "abcdefghi");
    CHECK(normalize_answer("x0y9zAZaz") == "x0y9zazaz");
}

TEST_CASE("BLEU without any matching n-gram scores 0 (sacrebleu's early stop)", "[metrics]") {
    BleuStats stats;
    stats.sys_len = 4;
    stats.ref_len = 4;
    stats.total = {4, 3, 2, 1};
    const BleuScore none = bleu_from_stats(stats, true);
    CHECK(none.score == 0.0);
    CHECK(none.brevity_penalty == 1.0);
    for (double p : none.precisions)
        CHECK(p == 0.0);
    // One unigram match: smoothing gives every empty order a small precision.
    stats.correct = {1, 0, 0, 0};
    const BleuScore one = bleu_from_stats(stats, true);
    CHECK(one.precisions[0] == 0.25);
    CHECK(one.precisions[1] == Approx(1.0 / (2 * 3)));
    CHECK(one.score > 0.0);
}
