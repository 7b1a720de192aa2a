#include "drift/domain_classifier.hpp"

#include "core/error.hpp"
#include "drift/text_words.hpp"
#include "stats/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

namespace llmops::drift {

namespace {

constexpr std::uint64_t kSeed = 42;
constexpr int kEpochs = 30;
constexpr double kL2 = 1e-4;
constexpr std::size_t kTerms = 10, kExamples = 3;

// Common English function words, left out of the features as Evidently's TF-IDF does with
// scikit-learn's English stop words (this list is a shorter one of our own).
const std::unordered_set<std::string>& stop_words() {
    static const std::unordered_set<std::string> words = {
        "a",     "about", "above", "after", "again",  "all",     "am",    "an",     "and",
        "any",   "are",   "as",    "at",    "be",     "been",    "being", "both",   "but",
        "by",    "can",   "could", "did",   "do",     "does",    "doing", "down",   "during",
        "each",  "few",   "for",   "from",  "had",    "has",     "have",  "having", "he",
        "her",   "here",  "hers",  "him",   "his",    "how",     "i",     "if",     "in",
        "into",  "is",    "it",    "its",   "itself", "me",      "more",  "most",   "my",
        "no",    "nor",   "not",   "of",    "off",    "on",      "once",  "only",   "or",
        "other", "our",   "ours",  "out",   "over",   "own",     "same",  "she",    "should",
        "so",    "some",  "such",  "than",  "that",   "the",     "their", "them",   "then",
        "there", "these", "they",  "this",  "those",  "through", "to",    "too",    "under",
        "until", "up",    "very",  "was",   "we",     "were",    "what",  "when",   "where",
        "which", "while", "who",   "whom",  "why",    "will",    "with",  "would",  "you",
        "your",  "yours"};
    return words;
}

using SparseRow = std::vector<std::pair<std::uint32_t, double>>;

double sigmoid(double x) {
    return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
}

double score(const SparseRow& row, const std::vector<double>& w, double bias) {
    double s = bias;
    for (const auto& [f, v] : row)
        s += w[f] * v;
    return s;
}

} // namespace

double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels) {
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
    double positives = 0, negatives = 0, rank_sum = 0;
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j < order.size() && scores[order[j]] == scores[order[i]])
            ++j;
        const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
        for (std::size_t t = i; t < j; ++t)
            if (labels[order[t]] == 1) rank_sum += rank;
        i = j;
    }
    for (int l : labels)
        (l == 1 ? positives : negatives) += 1;
    if (positives == 0 || negatives == 0)
        throw Error(ErrorKind::BadInput, "roc_auc: both classes must occur");
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

nlohmann::json DomainClassifierResult::to_json() const {
    auto terms = [](const std::vector<std::pair<std::string, double>>& list) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& [t, w] : list)
            out.push_back({{"term", t}, {"weight", w}});
        return out;
    };
    return {{"test", "domain_classifier"},
            {"roc_auc", roc_auc},
            {"threshold", threshold},
            {"threshold_rule", threshold_rule},
            {"drifted", drifted},
            {"train_rows", train_rows},
            {"test_rows", test_rows},
            {"features", features},
            {"current_terms", terms(current_terms)},
            {"reference_terms", terms(reference_terms)},
            {"current_examples", current_examples},
            {"reference_examples", reference_examples}};
}

DomainClassifierResult classify_domains(const std::vector<std::string>& reference,
                                        const std::vector<std::string>& current,
                                        std::size_t reference_rows) {
    if (reference.size() < 2 || current.size() < 2)
        throw Error(ErrorKind::BadInput, "domain classifier: needs at least 2 texts per side");
    // Documents and labels (0 reference, 1 current), shuffled, halved.
    std::vector<std::pair<const std::string*, int>> docs;
    for (const auto& t : reference)
        docs.emplace_back(&t, 0);
    for (const auto& t : current)
        docs.emplace_back(&t, 1);
    stats::Xoshiro256 rng(kSeed);
    for (std::size_t i = docs.size() - 1; i > 0; --i)
        std::swap(docs[i], docs[rng.below(i + 1)]);
    const std::size_t train_size = docs.size() / 2;
    // Term counts per document.
    std::vector<std::unordered_map<std::string, double>> counts(docs.size());
    for (std::size_t d = 0; d < docs.size(); ++d)
        for (auto& w : text_words(*docs[d].first))
            if (!stop_words().count(w)) counts[d][w] += 1;
    // Vocabulary: terms of the training half in at most half of its documents (max_df 0.5).
    std::unordered_map<std::string, double> document_frequency;
    for (std::size_t d = 0; d < train_size; ++d)
        for (const auto& [w, n] : counts[d])
            document_frequency[w] += 1;
    std::vector<std::string> terms;
    std::unordered_map<std::string, std::uint32_t> index;
    for (const auto& [w, df] : document_frequency)
        if (df <= 0.5 * static_cast<double>(train_size)) terms.push_back(w);
    std::sort(terms.begin(), terms.end());
    std::vector<double> idf(terms.size());
    for (std::uint32_t i = 0; i < terms.size(); ++i) {
        index[terms[i]] = i;
        idf[i] = std::log((1.0 + static_cast<double>(train_size)) /
                          (1.0 + document_frequency[terms[i]])) +
                 1.0;
    }
    // Sublinear TF-IDF rows, L2-normalised.
    std::vector<SparseRow> rows(docs.size());
    for (std::size_t d = 0; d < docs.size(); ++d) {
        double norm = 0;
        for (const auto& [w, n] : counts[d]) {
            auto it = index.find(w);
            if (it == index.end()) continue;
            const double v = (1.0 + std::log(n)) * idf[it->second];
            rows[d].emplace_back(it->second, v);
            norm += v * v;
        }
        std::sort(rows[d].begin(), rows[d].end());
        norm = std::sqrt(norm);
        if (norm > 0)
            for (auto& [f, v] : rows[d])
                v /= norm;
    }
    // Logistic regression by SGD: learning rate 1 / (kL2 (t + t0)) as a decaying schedule,
    // L2 penalty, a seeded shuffle per epoch.
    std::vector<double> w(terms.size(), 0.0);
    double bias = 0;
    std::vector<std::size_t> order(train_size);
    std::iota(order.begin(), order.end(), 0);
    const double t0 = 1.0 / (kL2 * 0.5);
    double t = 0;
    for (int epoch = 0; epoch < kEpochs; ++epoch) {
        for (std::size_t i = order.size(); i > 1; --i)
            std::swap(order[i - 1], order[rng.below(i)]);
        for (std::size_t d : order) {
            const double eta = 1.0 / (kL2 * (t + t0));
            t += 1;
            const double gradient = sigmoid(score(rows[d], w, bias)) - docs[d].second;
            for (const auto& [f, v] : rows[d])
                w[f] -= eta * (gradient * v + kL2 * w[f]);
            bias -= eta * gradient;
        }
    }
    DomainClassifierResult r;
    r.train_rows = train_size;
    r.test_rows = docs.size() - train_size;
    r.features = terms.size();
    std::vector<double> scores;
    std::vector<int> labels;
    for (std::size_t d = train_size; d < docs.size(); ++d) {
        scores.push_back(sigmoid(score(rows[d], w, bias)));
        labels.push_back(docs[d].second);
    }
    const bool both = std::count(labels.begin(), labels.end(), 1) > 0 &&
                      std::count(labels.begin(), labels.end(), 0) > 0;
    if (!both)
        throw Error(ErrorKind::BadInput, "domain classifier: a side is missing from the test half");
    r.roc_auc = roc_auc(scores, labels);
    if (reference_rows > 1000) {
        r.threshold = 0.55;
        r.threshold_rule = "fixed 0.55 (reference > 1000 rows)";
    } else {
        stats::Xoshiro256 random(kSeed);
        std::vector<double> aucs;
        std::vector<double> noise(labels.size());
        for (int i = 0; i < 1000; ++i) {
            for (double& x : noise)
                x = static_cast<double>(random.next() >> 11) * 0x1.0p-53;
            aucs.push_back(roc_auc(noise, labels));
        }
        r.threshold = stats::percentile(aucs, 95);
        r.threshold_rule = "95th percentile of 1000 random scorings' AUCs";
    }
    r.drifted = r.roc_auc > r.threshold;
    // Explanation.
    std::vector<std::uint32_t> by_weight(terms.size());
    std::iota(by_weight.begin(), by_weight.end(), 0);
    std::sort(by_weight.begin(), by_weight.end(), [&](std::uint32_t a, std::uint32_t b) {
        return w[a] != w[b] ? w[a] > w[b] : terms[a] < terms[b];
    });
    for (std::size_t i = 0; i < by_weight.size() && r.current_terms.size() < kTerms; ++i)
        if (w[by_weight[i]] > 0) r.current_terms.emplace_back(terms[by_weight[i]], w[by_weight[i]]);
    for (std::size_t i = by_weight.size(); i > 0 && r.reference_terms.size() < kTerms; --i)
        if (w[by_weight[i - 1]] < 0)
            r.reference_terms.emplace_back(terms[by_weight[i - 1]], w[by_weight[i - 1]]);
    std::vector<std::size_t> test_order(scores.size());
    std::iota(test_order.begin(), test_order.end(), 0);
    std::sort(test_order.begin(), test_order.end(), [&](std::size_t a, std::size_t b) {
        return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
    });
    for (std::size_t i : test_order)
        if (labels[i] == 1 && r.current_examples.size() < kExamples)
            r.current_examples.push_back(*docs[train_size + i].first);
    for (auto it = test_order.rbegin(); it != test_order.rend(); ++it)
        if (labels[*it] == 0 && r.reference_examples.size() < kExamples)
            r.reference_examples.push_back(*docs[train_size + *it].first);
    return r;
}

} // namespace llmops::drift
