#include "eval/metrics/overlap.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "eval/metrics/text_normalize.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace llmops::eval {

namespace {

using NgramCounts = std::unordered_map<std::string, std::size_t>;

// Counts the n-grams of one order. Tokens never contain a space, so joining with ' ' is
// collision-free within one order.
NgramCounts count_ngrams(const std::vector<std::string>& tokens, std::size_t n) {
    NgramCounts counts;
    if (n == 0 || tokens.size() < n) return counts;
    for (std::size_t i = 0; i + n <= tokens.size(); ++i) {
        std::string key = tokens[i];
        for (std::size_t k = 1; k < n; ++k) {
            key += ' ';
            key += tokens[i + k];
        }
        ++counts[key];
    }
    return counts;
}

std::size_t clipped_overlap(const NgramCounts& a, const NgramCounts& b) {
    std::size_t overlap = 0;
    for (const auto& [ngram, count] : a) {
        const auto it = b.find(ngram);
        if (it != b.end()) overlap += std::min(count, it->second);
    }
    return overlap;
}

std::size_t total_count(const NgramCounts& counts) {
    std::size_t total = 0;
    for (const auto& entry : counts)
        total += entry.second;
    return total;
}

double f_measure(double precision, double recall) {
    return precision + recall > 0.0 ? 2.0 * precision * recall / (precision + recall) : 0.0;
}

// ---- BLEU ---------------------------------------------------------------------------------

// sacrebleu's _preprocess_segment: optional lowercase, rstrip(), then the 13a tokeniser.
std::vector<std::string> bleu_tokens(std::string_view text, bool lowercase) {
    std::u32string cps = decode_utf8(lowercase ? to_lower(text) : std::string(text));
    while (!cps.empty() && is_python_space(cps.back()))
        cps.pop_back();
    return tokenize_13a(encode_utf8(cps));
}

} // namespace

BleuStats& BleuStats::operator+=(const BleuStats& other) {
    sys_len += other.sys_len;
    ref_len += other.ref_len;
    for (int n = 0; n < kBleuMaxOrder; ++n) {
        correct[n] += other.correct[n];
        total[n] += other.total[n];
    }
    return *this;
}

BleuStats bleu_segment_stats(std::string_view hypothesis, const std::vector<std::string>& refs,
                             bool lowercase) {
    if (refs.empty()) throw Error(ErrorKind::BadInput, "BLEU needs at least one reference");
    const auto hyp = bleu_tokens(hypothesis, lowercase);

    // Reference n-gram counts are the maximum over the references (clipping), and the
    // reference length is the one closest to the hypothesis, the shorter on a tie.
    std::array<NgramCounts, kBleuMaxOrder> ref_counts;
    bool have_len = false;
    std::size_t closest_len = 0;
    for (const auto& ref_text : refs) {
        const auto ref = bleu_tokens(ref_text, lowercase);
        for (std::size_t n = 1; n <= kBleuMaxOrder; ++n)
            for (const auto& [ngram, count] : count_ngrams(ref, n)) {
                auto& slot = ref_counts[n - 1][ngram];
                slot = std::max(slot, count);
            }
        const auto diff = [&](std::size_t len) {
            return len > hyp.size() ? len - hyp.size() : hyp.size() - len;
        };
        if (!have_len || diff(ref.size()) < diff(closest_len) ||
            (diff(ref.size()) == diff(closest_len) && ref.size() < closest_len)) {
            closest_len = ref.size();
            have_len = true;
        }
    }

    BleuStats stats;
    stats.sys_len = hyp.size();
    stats.ref_len = closest_len;
    for (std::size_t n = 1; n <= kBleuMaxOrder; ++n) {
        const NgramCounts hyp_counts = count_ngrams(hyp, n);
        stats.total[n - 1] = total_count(hyp_counts);
        stats.correct[n - 1] = clipped_overlap(hyp_counts, ref_counts[n - 1]);
    }
    return stats;
}

// sacrebleu's BLEU.compute_bleu with smooth_method='exp' (NIST geometric smoothing: the k-th
// order with no match gets precision 1 / (2^k * total)).
BleuScore bleu_from_stats(const BleuStats& stats, bool effective_order) {
    BleuScore out;
    out.correct = stats.correct;
    out.total = stats.total;
    out.sys_len = stats.sys_len;
    out.ref_len = stats.ref_len;
    if (stats.sys_len < stats.ref_len) {
        out.brevity_penalty = stats.sys_len > 0
                                  ? std::exp(1.0 - static_cast<double>(stats.ref_len) /
                                                       static_cast<double>(stats.sys_len))
                                  : 0.0;
    } else {
        out.brevity_penalty = 1.0;
    }
    const bool any_match = std::any_of(stats.correct.begin(), stats.correct.end(),
                                       [](std::size_t c) { return c > 0; });
    if (!any_match) return out; // sacrebleu's early stop: no matches at all scores 0

    double smooth = 1.0;
    int order = kBleuMaxOrder;
    for (int n = 0; n < kBleuMaxOrder; ++n) {
        if (stats.total[n] == 0) break;
        if (effective_order) order = n + 1;
        const auto total = static_cast<double>(stats.total[n]);
        if (stats.correct[n] == 0) {
            smooth *= 2.0;
            out.precisions[n] = 1.0 / (smooth * total);
        } else {
            out.precisions[n] = static_cast<double>(stats.correct[n]) / total;
        }
    }
    double log_sum = 0.0;
    for (int n = 0; n < order; ++n) {
        // An order with no n-grams at all (short text, effective order off) zeroes the score,
        // as sacrebleu's my_log(0) = -9999999999 does.
        if (out.precisions[n] <= 0.0) return out;
        log_sum += std::log(out.precisions[n]);
    }
    out.score = out.brevity_penalty * std::exp(log_sum / order);
    return out;
}

namespace {

// ---- ROUGE --------------------------------------------------------------------------------

RougeScore rouge_from_counts(std::size_t hits, std::size_t candidate_total,
                             std::size_t reference_total) {
    // rouge-score divides by max(count, 1), so an empty side gives 0 rather than NaN.
    RougeScore s;
    s.precision =
        static_cast<double>(hits) / static_cast<double>(std::max<std::size_t>(candidate_total, 1));
    s.recall =
        static_cast<double>(hits) / static_cast<double>(std::max<std::size_t>(reference_total, 1));
    s.fmeasure = f_measure(s.precision, s.recall);
    return s;
}

std::size_t lcs_length(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::vector<std::size_t> row(b.size() + 1, 0);
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = 0; // row[j - 1] of the previous i
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = a[i - 1] == b[j - 1] ? diagonal + 1 : std::max(above, row[j - 1]);
            diagonal = above;
        }
    }
    return row[b.size()];
}

} // namespace

double token_f1(std::string_view prediction, std::string_view ground_truth) {
    const auto pred = split_whitespace(normalize_answer(prediction));
    const auto truth = split_whitespace(normalize_answer(ground_truth));
    if (pred.empty() || truth.empty()) return pred.empty() && truth.empty() ? 1.0 : 0.0;
    const std::size_t common = clipped_overlap(count_ngrams(pred, 1), count_ngrams(truth, 1));
    if (common == 0) return 0.0;
    const double precision = static_cast<double>(common) / static_cast<double>(pred.size());
    const double recall = static_cast<double>(common) / static_cast<double>(truth.size());
    return f_measure(precision, recall);
}

BleuScore sentence_bleu_score(std::string_view hypothesis, const std::vector<std::string>& refs,
                              bool lowercase) {
    return bleu_from_stats(bleu_segment_stats(hypothesis, refs, lowercase),
                           /*effective_order=*/true);
}

double sentence_bleu(std::string_view hypothesis, const std::vector<std::string>& refs,
                     bool lowercase) {
    return sentence_bleu_score(hypothesis, refs, lowercase).score;
}

BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& refs, bool lowercase) {
    if (hypotheses.size() != refs.size())
        throw Error(ErrorKind::BadInput, "corpus BLEU: " + std::to_string(hypotheses.size()) +
                                             " hypotheses but " + std::to_string(refs.size()) +
                                             " reference lists");
    BleuStats sum;
    for (std::size_t i = 0; i < hypotheses.size(); ++i)
        sum += bleu_segment_stats(hypotheses[i], refs[i], lowercase);
    return bleu_from_stats(sum, /*effective_order=*/false);
}

RougeScore rouge_n(std::string_view candidate, std::string_view reference, int n) {
    if (n < 1) throw Error(ErrorKind::BadInput, "ROUGE-N needs n >= 1, got " + std::to_string(n));
    const auto order = static_cast<std::size_t>(n);
    const NgramCounts cand = count_ngrams(tokenize_rouge(candidate), order);
    const NgramCounts ref = count_ngrams(tokenize_rouge(reference), order);
    return rouge_from_counts(clipped_overlap(ref, cand), total_count(cand), total_count(ref));
}

RougeScore rouge_l(std::string_view candidate, std::string_view reference) {
    const auto cand = tokenize_rouge(candidate);
    const auto ref = tokenize_rouge(reference);
    if (cand.empty() || ref.empty()) return {};
    const auto lcs = static_cast<double>(lcs_length(ref, cand));
    RougeScore s;
    s.precision = lcs / static_cast<double>(cand.size());
    s.recall = lcs / static_cast<double>(ref.size());
    s.fmeasure = f_measure(s.precision, s.recall);
    return s;
}

double rouge1_f(std::string_view candidate, std::string_view reference) {
    return rouge_n(candidate, reference, 1).fmeasure;
}

double rouge2_f(std::string_view candidate, std::string_view reference) {
    return rouge_n(candidate, reference, 2).fmeasure;
}

double rouge_l_f(std::string_view candidate, std::string_view reference) {
    return rouge_l(candidate, reference).fmeasure;
}

} // namespace llmops::eval
