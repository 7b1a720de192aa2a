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

// Least-significant-digit radix sort on the keys, 16 bits a pass (a pass is skipped when every
// key has the same digit there, as the high digits of similar magnitudes often do). The keys
// move between a buffer of their own and the values' storage (as bytes), so the sort needs
// memory for one copy of the values, not two.
void radix_sort(std::vector<double>& values) {
    const std::size_t n = values.size();
    // Left uninitialised (every key is written before it is read): no 8 MB a million of zeros;
    // in huge pages.
    const std::unique_ptr<std::uint64_t[]> keys(new std::uint64_t[n]);
    advise_huge_pages(keys.get(), n * sizeof(std::uint64_t));
    for (std::size_t i = 0; i < n; ++i)
        keys[i] = key_of(values[i]);
    auto* in_values = reinterpret_cast<unsigned char*>(values.data());
    auto load = [&](bool from_values, std::size_t i) {
        std::uint64_t k;
        if (from_values)
            std::memcpy(&k, in_values + i * sizeof k, sizeof k);
        else
            k = keys[i];
        return k;
    };
    bool in_keys = true; // where the keys are now
    std::vector<std::size_t> counts(1 << 16);
    for (int shift = 0; shift < 64; shift += 16) {
        std::fill(counts.begin(), counts.end(), 0);
        for (std::size_t i = 0; i < n; ++i)
            ++counts[(load(!in_keys, i) >> shift) & 0xffff];
        if (counts[(load(!in_keys, 0) >> shift) & 0xffff] == n) continue;
        std::size_t at = 0;
        for (auto& c : counts)
            at += std::exchange(c, at);
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t k = load(!in_keys, i);
            const std::size_t to = counts[(k >> shift) & 0xffff]++;
            if (in_keys)
                std::memcpy(in_values + to * sizeof k, &k, sizeof k);
            else
                keys[to] = k;
        }
        in_keys = !in_keys;
    }
    for (std::size_t i = 0; i < n; ++i)
        values[i] = value_of(load(!in_keys, i));
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
    radix_sort(values);
}

} // namespace llmops::drift
