#include "drift/value_sort.hpp"

#include "drift/huge_pages.hpp"
#include "stats/statistics.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

namespace llmops::drift {

namespace {

constexpr double kMaxCounted = 1 << 20; // a counter per integer up to here: 8 MB at most
constexpr std::size_t kRadixFrom = 1 << 16;

// Counts integers 0..kMaxCounted and writes them back in order; false (values untouched) when
// a value is anything else.
bool count_small_integers(std::vector<double>& values) {
    double top = 0;
    for (double v : values) {
        if (!(v >= 0 && v <= kMaxCounted) || v != std::floor(v) || std::signbit(v)) return false;
        top = std::max(top, v);
    }
    std::vector<std::size_t> counts(static_cast<std::size_t>(top) + 1, 0);
    for (double v : values)
        ++counts[static_cast<std::size_t>(v)];
    auto out = values.begin();
    for (std::size_t k = 0; k < counts.size(); ++k)
        out = std::fill_n(out, counts[k], static_cast<double>(k));
    return true;
}

// Doubles' bits as unsigned keys in the doubles' order (finite values: negatives reversed).
std::uint64_t key_of(double v) {
    const auto bits = std::bit_cast<std::uint64_t>(v);
    return bits >> 63 ? ~bits : bits | (std::uint64_t{1} << 63);
}

double value_of(std::uint64_t key) {
    return std::bit_cast<double>(key >> 63 ? key & ~(std::uint64_t{1} << 63) : ~key);
}

// Least-significant-digit radix sort on the keys, 11 bits a pass (2,048 counters a digit stay in
// the cache), all six digits counted in one read; a pass is skipped when every key has the same
// digit there, as the high digits of similar magnitudes often do. The keys move between a
// buffer of their own and the values' storage (as bytes), so the sort needs memory for one copy
// of the values, not two.
void radix_sort(std::vector<double>& values) {
    constexpr int kBits = 11, kDigits = (64 + kBits - 1) / kBits;
    constexpr std::uint64_t kMask = (1u << kBits) - 1;
    const std::size_t n = values.size();
    // Left uninitialised (every key is written before it is read): no 8 MB a million of zeros;
    // in huge pages.
    const std::unique_ptr<std::uint64_t[]> keys(new std::uint64_t[n]);
    advise_huge_pages(keys.get(), n * sizeof(std::uint64_t));
    std::vector<std::size_t> counts(kDigits << kBits, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t k = key_of(values[i]);
        keys[i] = k;
        for (int d = 0; d < kDigits; ++d)
            ++counts[(static_cast<std::size_t>(d) << kBits) + ((k >> (d * kBits)) & kMask)];
    }
    auto* bytes = reinterpret_cast<unsigned char*>(values.data());
    std::uint64_t* from = keys.get();
    bool in_keys = true; // where the keys are now: keys[], or the values' bytes
    for (int d = 0; d < kDigits; ++d) {
        std::size_t* digit = counts.data() + (static_cast<std::size_t>(d) << kBits);
        const int shift = d * kBits;
        std::uint64_t first;
        if (in_keys)
            first = from[0];
        else
            std::memcpy(&first, bytes, sizeof first);
        if (digit[(first >> shift) & kMask] == n) continue;
        std::size_t at = 0;
        for (std::size_t b = 0; b <= kMask; ++b)
            at += std::exchange(digit[b], at);
        if (in_keys) {
            for (std::size_t i = 0; i < n; ++i) {
                const std::uint64_t k = from[i];
                std::memcpy(bytes + digit[(k >> shift) & kMask]++ * sizeof k, &k, sizeof k);
            }
        } else {
            for (std::size_t i = 0; i < n; ++i) {
                std::uint64_t k;
                std::memcpy(&k, bytes + i * sizeof k, sizeof k);
                from[digit[(k >> shift) & kMask]++] = k;
            }
        }
        in_keys = !in_keys;
    }
    for (std::size_t i = 0; i < n; ++i) {
        std::uint64_t k = from[i];
        if (!in_keys) std::memcpy(&k, bytes + i * sizeof k, sizeof k);
        values[i] = value_of(k);
    }
}

// Few distinct values (shares of small counts): each counted in a small open-addressing table
// on its key, the keys sorted, the values written back in order; false (values untouched) once
// there are more than kFewDistinct.
bool count_few_distinct(std::vector<double>& values) {
    constexpr std::size_t kFewDistinct = 4096, kSlots = 2 * kFewDistinct;
    std::vector<std::uint64_t> keys(kSlots, 0); // 0 is no finite value's key: an empty slot
    std::vector<std::size_t> counts(kSlots, 0);
    std::size_t distinct = 0;
    for (double v : values) {
        const std::uint64_t key = key_of(v);
        std::size_t slot = static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> 51);
        while (keys[slot] != key && keys[slot] != 0)
            slot = (slot + 1) & (kSlots - 1);
        if (keys[slot] == 0) {
            if (++distinct > kFewDistinct) return false;
            keys[slot] = key;
        }
        ++counts[slot];
    }
    std::vector<std::pair<std::uint64_t, std::size_t>> runs;
    for (std::size_t slot = 0; slot < kSlots; ++slot)
        if (keys[slot] != 0) runs.emplace_back(keys[slot], counts[slot]);
    std::sort(runs.begin(), runs.end());
    auto out = values.begin();
    for (const auto& [key, count] : runs)
        out = std::fill_n(out, count, value_of(key));
    return true;
}

} // namespace

void sort_values(std::vector<double>& values) {
    if (std::is_sorted(values.begin(), values.end())) return;
    if (count_small_integers(values)) return;
    const bool negative_zero = std::any_of(values.begin(), values.end(),
                                           [](double v) { return v == 0 && std::signbit(v); });
    if (values.size() < kRadixFrom || negative_zero) {
        stats::sort_ascending(values);
        return;
    }
    if (!count_few_distinct(values)) radix_sort(values);
}

} // namespace llmops::drift
