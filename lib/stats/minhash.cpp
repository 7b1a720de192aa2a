#include "stats/minhash.hpp"

#include "core/hash.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace llmops::stats {

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

bool is_word_code_point(char32_t cp) {
    return is_unicode_letter_or_number(cp) || is_unicode_combining_mark(cp);
}

// Byte offsets where units start, plus the end offset: words as [start, end) pairs, or code
// point boundaries.
void unit_bounds(std::string_view text, ShingleKind kind, std::vector<std::size_t>& starts,
                 std::vector<std::size_t>& ends) {
    starts.clear();
    ends.clear();
    bool in_word = false;
    for (std::size_t at = 0; at < text.size();) {
        char32_t cp = 0xFFFD;
        const std::size_t step = std::max<std::size_t>(decode_utf8_at(text, at, cp), 1);
        if (kind == ShingleKind::Chars) {
            starts.push_back(at);
            ends.push_back(at + step);
        } else if (is_word_code_point(cp)) {
            if (!in_word) starts.push_back(at);
            in_word = true;
        } else if (in_word) {
            ends.push_back(at);
            in_word = false;
        }
        at += step;
    }
    if (in_word) ends.push_back(text.size());
}

} // namespace

void shingle_hashes(std::string_view text, const ShingleOptions& options, std::uint64_t seed,
                    std::vector<std::uint64_t>& out) {
    out.clear();
    std::string normal = normalize_text(text);
    // Scratch kept per thread: this runs once per row.
    thread_local std::vector<std::size_t> starts, ends;
    unit_bounds(normal, options.kind, starts, ends);
    const std::size_t units = starts.size();
    if (units == 0) return;
    const std::size_t k = std::min(units, static_cast<std::size_t>(std::max(options.size, 1)));
    thread_local std::string shingle;
    for (std::size_t i = 0; i + k <= units; ++i) {
        if (options.kind == ShingleKind::Chars) {
            // Consecutive code points: one slice of the text.
            out.push_back(hash64(
                std::string_view(normal).substr(starts[i], ends[i + k - 1] - starts[i]), seed));
            continue;
        }
        // Words joined by one space, whatever separated them.
        shingle.clear();
        for (std::size_t w = i; w < i + k; ++w) {
            if (w > i) shingle.push_back(' ');
            shingle.append(normal, starts[w], ends[w] - starts[w]);
        }
        out.push_back(hash64(shingle, seed));
    }
    // A set: repeated shingles count once.
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
}

MinHasher::MinHasher(int permutations, std::uint64_t seed) {
    // Each permutation is h -> high 32 bits of (a*h + b) mod 2^64 with a odd (Dietzfelbinger's
    // multiply-add-shift). The shingle hash h is already XXH3, so this cheap family suffices and
    // costs one multiply per permutation instead of one XXH3 call.
    for (int i = 0; i < permutations; ++i) {
        std::uint64_t index = static_cast<std::uint64_t>(i);
        char bytes[8];
        std::memcpy(bytes, &index, sizeof bytes);
        std::string_view key(bytes, sizeof bytes);
        mul_.push_back(hash64(key, seed ^ 0x6d696e68617368ULL) | 1);
        add_.push_back(hash64(key, seed ^ 0x6c73682d616464ULL));
    }
}

bool MinHasher::signature(std::span<const std::uint64_t> shingles,
                          std::vector<std::uint32_t>& out) const {
    const std::size_t p = mul_.size();
    out.assign(p, kNone);
    std::uint32_t* sig = out.data();
    const std::uint64_t* mul = mul_.data();
    const std::uint64_t* add = add_.data();
    for (std::uint64_t h : shingles)
        for (std::size_t i = 0; i < p; ++i)
            sig[i] = std::min(sig[i], static_cast<std::uint32_t>((mul[i] * h + add[i]) >> 32));
    return !shingles.empty();
}

double estimate_jaccard(std::span<const std::uint32_t> a, std::span<const std::uint32_t> b) {
    if (a.empty() || a.size() != b.size()) return 0.0;
    std::size_t equal = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        equal += a[i] == b[i];
    return static_cast<double>(equal) / static_cast<double>(a.size());
}

namespace {

// Integral over [lo, hi] of f by Simpson's rule; the curves are smooth.
template <typename F> double integrate(F f, double lo, double hi) {
    constexpr int kSteps = 200;
    double h = (hi - lo) / kSteps;
    double sum = f(lo) + f(hi);
    for (int i = 1; i < kSteps; ++i)
        sum += f(lo + i * h) * (i % 2 ? 4 : 2);
    return sum * h / 3;
}

} // namespace

LshBands choose_bands(double threshold, int permutations) {
    LshBands best{1, permutations};
    double best_error = std::numeric_limits<double>::infinity();
    for (int b = 1; b <= permutations; ++b) {
        for (int r = 1; b * r <= permutations; ++r) {
            auto candidate = [&](double s) { return 1.0 - std::pow(1.0 - std::pow(s, r), b); };
            double false_positive = integrate(candidate, 0.0, threshold);
            double false_negative =
                integrate([&](double s) { return 1.0 - candidate(s); }, threshold, 1.0);
            // Weighted towards recall: every candidate is verified on the whole signature, so
            // a false positive costs one comparison while a false negative is a missed duplicate.
            double error = 0.1 * false_positive + 0.9 * false_negative;
            if (error < best_error) {
                best_error = error;
                best = {b, r};
            }
        }
    }
    return best;
}

LshIndex::LshIndex(LshBands bands) : bands_(bands), slots_(1024, Slot{0, kNone}) {}

const LshIndex::Slot* LshIndex::find(std::uint64_t key) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = key & mask;; i = (i + 1) & mask) {
        const Slot& slot = slots_[i];
        if (slot.head == kNone) return nullptr;
        if (slot.key == key) return &slot;
    }
}

void LshIndex::grow() {
    std::vector<Slot> old(slots_.size() * 2, Slot{0, kNone});
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
        if (slot.head == kNone) continue;
        std::size_t i = slot.key & mask;
        while (slots_[i].head != kNone)
            i = (i + 1) & mask;
        slots_[i] = slot;
    }
}

std::uint64_t LshIndex::band_key(std::span<const std::uint32_t> signature, int band) const {
    auto part = signature.subspan(static_cast<std::size_t>(band * bands_.rows),
                                  static_cast<std::size_t>(bands_.rows));
    return hash64(std::string_view(reinterpret_cast<const char*>(part.data()), part.size_bytes()),
                  static_cast<std::uint64_t>(band));
}

void LshIndex::candidates(std::span<const std::uint32_t> signature,
                          std::vector<std::uint32_t>& out) const {
    out.clear();
    const auto bands = static_cast<std::size_t>(bands_.bands);
    for (std::size_t band = 0; band < bands; ++band) {
        const Slot* slot = find(band_key(signature, static_cast<int>(band)));
        if (!slot) continue;
        for (std::uint32_t id = slot->head; id != kNone; id = next_[id * bands + band])
            out.push_back(id);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
}

void LshIndex::reserve(std::size_t items) {
    const std::size_t keys = items * static_cast<std::size_t>(bands_.bands);
    while (slots_.size() < 2 * keys)
        grow();
    next_.reserve(keys);
}

void LshIndex::insert(std::uint32_t id, std::span<const std::uint32_t> signature) {
    const auto bands = static_cast<std::size_t>(bands_.bands);
    next_.resize((static_cast<std::size_t>(id) + 1) * bands, kNone);
    for (std::size_t band = 0; band < bands; ++band) {
        std::uint64_t key = band_key(signature, static_cast<int>(band));
        if ((used_ + 1) * 2 > slots_.size()) grow();
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = key & mask;
        while (slots_[i].head != kNone && slots_[i].key != key)
            i = (i + 1) & mask;
        Slot& slot = slots_[i];
        if (slot.head == kNone) {
            slot.key = key;
            ++used_;
        } else {
            next_[id * bands + band] = slot.head;
        }
        slot.head = id;
    }
}

NearDuplicateIndex::NearDuplicateIndex(const NearDuplicateParams& params)
    : params_(params), hasher_(params.permutations, params.seed),
      bands_(choose_bands(params.threshold, params.permutations)), index_(bands_) {}

bool NearDuplicateIndex::signature(std::string_view text, std::vector<std::uint32_t>& out) {
    shingle_hashes(text, params_.shingles, params_.seed, shingles_);
    return hasher_.signature(shingles_, out);
}

std::size_t NearDuplicateIndex::matches(std::span<const std::uint32_t> signature,
                                        std::vector<NearMatch>& out, std::size_t budget) {
    out.clear();
    index_.candidates(signature, candidates_);
    const std::size_t p = signature.size();
    const std::size_t compared = std::min(candidates_.size(), budget);
    for (std::size_t i = 0; i < compared; ++i) {
        const std::uint32_t id = candidates_[i];
        const double similarity = estimate_jaccard(
            signature, std::span<const std::uint32_t>(signatures_.data() + id * p, p));
        if (similarity >= params_.threshold) out.push_back({id, similarity});
    }
    return candidates_.size();
}

void NearDuplicateIndex::reserve(std::size_t items) {
    index_.reserve(items);
    signatures_.reserve(items * static_cast<std::size_t>(params_.permutations));
}

std::uint32_t NearDuplicateIndex::insert(std::span<const std::uint32_t> signature) {
    const auto id = static_cast<std::uint32_t>(signatures_.size() / signature.size());
    signatures_.insert(signatures_.end(), signature.begin(), signature.end());
    index_.insert(id, signature);
    return id;
}

} // namespace llmops::stats
