#pragma once
// Overlap metrics between a model output and reference text: SQuAD token F1, BLEU (sacrebleu
// defaults) and ROUGE-1/2/L (Google's rouge-score defaults). Scores are in [0, 1]; note that
// sacrebleu reports BLEU x 100. Formulas and reference implementations: docs/metrics.md.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::eval {

// SQuAD / Prompt Flow token F1 over normalize_answer() tokens, bag-of-words overlap. When either
// side normalises to no tokens the score is 1 if both do, else 0 (SQuAD 2.0's rule).
double token_f1(std::string_view prediction, std::string_view ground_truth);

constexpr int kBleuMaxOrder = 4;

struct BleuScore {
    double score = 0.0;                               // [0, 1]; sacrebleu prints 100 x this
    std::array<double, kBleuMaxOrder> precisions{};   // smoothed n-gram precisions, [0, 1]
    std::array<std::size_t, kBleuMaxOrder> correct{}; // clipped n-gram matches
    std::array<std::size_t, kBleuMaxOrder> total{};   // hypothesis n-grams
    double brevity_penalty = 0.0;
    std::size_t sys_len = 0; // hypothesis tokens
    std::size_t ref_len = 0; // closest reference tokens (ties: the shorter)
};

// A segment's BLEU statistics; a corpus's are the sum of its segments'.
struct BleuStats {
    std::size_t sys_len = 0; // hypothesis tokens
    std::size_t ref_len = 0; // closest reference tokens (ties: the shorter)
    std::array<std::size_t, kBleuMaxOrder> correct{}; // clipped n-gram matches
    std::array<std::size_t, kBleuMaxOrder> total{};   // hypothesis n-grams
    BleuStats& operator+=(const BleuStats& other);
};

// sacrebleu's statistics of one hypothesis against its references (13a tokens); refs must
// not be empty.
BleuStats bleu_segment_stats(std::string_view hypothesis, const std::vector<std::string>& refs,
                             bool lowercase = false);
// sacrebleu's BLEU.compute_bleu with 'exp' smoothing; effective order is sentence BLEU's
// (orders without n-grams are left out), off for corpus BLEU.
BleuScore bleu_from_stats(const BleuStats& stats, bool effective_order);

// sacrebleu.sentence_bleu(hyp, refs): 13a tokens, 'exp' smoothing, effective order on.
// refs must not be empty.
BleuScore sentence_bleu_score(std::string_view hypothesis, const std::vector<std::string>& refs,
                              bool lowercase = false);
double sentence_bleu(std::string_view hypothesis, const std::vector<std::string>& refs,
                     bool lowercase = false);

// sacrebleu.corpus_bleu: statistics summed over all segments, 'exp' smoothing, effective order
// off. refs[i] holds the references of hypotheses[i] (sacrebleu takes the transpose: one stream
// per reference set).
BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& refs, bool lowercase = false);

struct RougeScore {
    double precision = 0.0; // overlap / candidate n-grams (or LCS / candidate tokens)
    double recall = 0.0;    // overlap / reference n-grams
    double fmeasure = 0.0;  // 2PR / (P + R), 0 when P + R = 0
};

// rouge-score's rougeN (n >= 1) and rougeL, tokenised by tokenize_rouge(), no stemming.
RougeScore rouge_n(std::string_view candidate, std::string_view reference, int n);
RougeScore rouge_l(std::string_view candidate, std::string_view reference);
double rouge1_f(std::string_view candidate, std::string_view reference);
double rouge2_f(std::string_view candidate, std::string_view reference);
double rouge_l_f(std::string_view candidate, std::string_view reference);

} // namespace llmops::eval
