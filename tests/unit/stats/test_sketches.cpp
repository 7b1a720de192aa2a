// Exact behaviour of the profile's sketches at small sizes and at their edges: HyperLogLog
// registers set one by one, the exact hash set, the Misra-Gries capacity, the value sample's
// histograms, and MinHash/LSH (shingles, signatures, banding, probing, the match threshold).
#include "core/hash.hpp"
#include "stats/distinct_counter.hpp"
#include "stats/hyperloglog.hpp"
#include "stats/minhash.hpp"
#include "stats/top_values.hpp"
#include "stats/value_sample.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <vector>

using namespace llmops;
using namespace llmops::stats;

namespace {

constexpr int kMaxRank = 64 - HyperLogLog::kPrecision + 1; // 51

// A hash that sets register `index` to `rank` (1..51): the register is the top 14 bits, the
// rank 1 + the leading zeros of the remaining 50 bits.
std::uint64_t hash_for(std::uint64_t index, int rank) {
    const std::uint64_t low = rank <= 50 ? std::uint64_t{1} << (50 - rank) : 0;
    return (index << 50) | low;
}

// Ertl's estimator written straight from the paper's series (pow, no recurrences), as an
// oracle for the implementation's iterative form.
double tau_series(double x) {
    if (x == 0.0 || x == 1.0) return 0.0;
    double sum = 0.0;
    for (int k = 1; k < 80; ++k) {
        const double d = 1.0 - std::pow(x, std::ldexp(1.0, -k));
        sum += d * d * std::ldexp(1.0, -k);
    }
    return (1.0 - x - sum) / 3.0;
}

double sigma_series(double x) {
    if (x == 1.0) return std::numeric_limits<double>::infinity();
    double sum = x;
    for (int k = 1; k < 30; ++k)
        sum += std::pow(x, std::ldexp(1.0, k)) * std::ldexp(1.0, k - 1);
    return sum;
}

double ertl_estimate(const std::array<double, kMaxRank + 1>& histogram) {
    const double m = static_cast<double>(HyperLogLog::kRegisters);
    double z = m * tau_series(1.0 - histogram[kMaxRank] / m);
    for (int k = kMaxRank - 1; k >= 1; --k)
        z = 0.5 * (z + histogram[k]);
    z += m * sigma_series(histogram[0] / m);
    return 0.5 / std::log(2.0) * m * m / z;
}

} // namespace

TEST_CASE("HyperLogLog: the estimate from set registers matches Ertl's series", "[profile]") {
    const std::size_t m = HyperLogLog::kRegisters;
    SECTION("no items: 0") {
        HyperLogLog hll;
        CHECK(hll.estimate() == 0.0);
    }
    SECTION("linear-counting range: a few registers at rank 1 and 2") {
        HyperLogLog hll;
        std::array<double, kMaxRank + 1> histogram{};
        histogram[0] = static_cast<double>(m);
        for (std::uint64_t i = 0; i < 300; ++i) {
            const int rank = 1 + static_cast<int>(i % 2);
            hll.add_hash(hash_for(i * 7, rank));
            histogram[0] -= 1;
            histogram[static_cast<std::size_t>(rank)] += 1;
        }
        CHECK(hll.estimate() == Approx(ertl_estimate(histogram)).epsilon(1e-12));
        // Ertl's estimator agrees with linear counting, m ln(m / V), at small counts.
        const double linear = static_cast<double>(m) * std::log(m / (static_cast<double>(m) - 300));
        CHECK(hll.estimate() == Approx(linear).epsilon(0.01));
    }
    SECTION("saturated registers: the tau correction decides the estimate") {
        HyperLogLog hll;
        std::array<double, kMaxRank + 1> histogram{};
        for (std::uint64_t i = 0; i + 1 < m; ++i)
            hll.add_hash(hash_for(i, kMaxRank));
        hll.add_hash(hash_for(m - 1, 50));
        histogram[kMaxRank] = static_cast<double>(m - 1);
        histogram[50] = 1;
        const double expected = ertl_estimate(histogram);
        CHECK(std::isfinite(expected));
        CHECK(hll.estimate() == Approx(expected).epsilon(1e-9));
        // Without the tau term the estimate would be m^2 * 2^50 / ln 4: far larger.
        CHECK(hll.estimate() < 0.01 * (0.5 / std::log(2.0)) * double(m) * double(m) * 0x1p50);
    }
    SECTION("every register saturated: infinity") {
        HyperLogLog hll;
        for (std::uint64_t i = 0; i < m; ++i)
            hll.add_hash(hash_for(i, kMaxRank));
        CHECK(std::isinf(hll.estimate()));
    }
    SECTION("a register keeps its highest rank; merge takes the maximum of each register") {
        HyperLogLog a, b;
        a.add_hash(hash_for(5, 3));
        a.add_hash(hash_for(5, 1)); // lower: ignored
        b.add_hash(hash_for(5, 7));
        b.add_hash(hash_for(9, 2));
        std::array<double, kMaxRank + 1> histogram{};
        histogram[0] = static_cast<double>(m - 1);
        histogram[3] = 1;
        CHECK(a.estimate() == Approx(ertl_estimate(histogram)).epsilon(1e-12));
        a.merge(b);
        histogram = {};
        histogram[0] = static_cast<double>(m - 2);
        histogram[7] = 1;
        histogram[2] = 1;
        CHECK(a.estimate() == Approx(ertl_estimate(histogram)).epsilon(1e-12));
    }
}

TEST_CASE("HashSet64: membership, the zero hash, probing past collisions and growth", "[profile]") {
    HashSet64 set;
    CHECK_FALSE(set.contains(12345)); // empty: no table yet
    CHECK_FALSE(set.contains(0));
    CHECK(set.insert(0));
    CHECK_FALSE(set.insert(0));
    CHECK(set.contains(0));
    CHECK(set.size() == 1);

    // Many hashes: linear probing runs past occupied slots, and the table grows several times.
    std::vector<std::uint64_t> in;
    for (std::uint64_t i = 1; i <= 5000; ++i)
        in.push_back(hash64(std::to_string(i)));
    for (std::uint64_t h : in)
        CHECK(set.insert(h));
    CHECK(set.size() == 5001);
    std::size_t found = 0, absent = 0;
    for (std::uint64_t h : in)
        found += set.contains(h);
    for (std::uint64_t i = 5001; i <= 10000; ++i)
        absent += !set.contains(hash64(std::to_string(i)));
    CHECK(found == 5000);
    CHECK(absent == 5000);
    for (std::uint64_t h : in)
        CHECK_FALSE(set.insert(h));
    CHECK(set.size() == 5001);

    std::set<std::uint64_t> seen;
    set.for_each([&](std::uint64_t h) { seen.insert(h); });
    CHECK(seen.size() == 5001);
    CHECK(seen.count(0) == 1);
    set.clear();
    CHECK(set.size() == 0);
    CHECK_FALSE(set.contains(in[0]));
    CHECK_FALSE(set.contains(0));
}

TEST_CASE("DistinctCounter: exact up to its limit, then an estimate", "[profile]") {
    DistinctCounter counter(100);
    for (std::uint64_t i = 0; i < 100; ++i) {
        counter.add_hash(hash64(std::to_string(i)));
        counter.add_hash(hash64(std::to_string(i))); // repeats count once
    }
    CHECK(counter.exact());
    CHECK(counter.count() == 100);
    counter.add_hash(hash64("one more"));
    CHECK_FALSE(counter.exact());
    CHECK(counter.count() >= 98); // HyperLogLog: within a few percent at this size
    CHECK(counter.count() <= 104);
    CHECK(counter.memory_bytes() == HyperLogLog::kRegisters);
}

TEST_CASE("TopValues: a capacity below 2 is raised to 2", "[profile]") {
    TopValues top(1);
    top.add(1, "\"a\"");
    top.add(2, "\"b\"");
    top.add(1, "\"a\"");
    CHECK(top.exact()); // two distinct values fit
    auto values = top.top(5);
    REQUIRE(values.size() == 2);
    CHECK(values[0].text == "\"a\"");
    CHECK(values[0].count == 2);
    top.add(3, "\"c\""); // a third: the summary purges
    CHECK_FALSE(top.exact());
}

TEST_CASE("ValueSample histogram: nothing kept or no bins gives an empty histogram", "[profile]") {
    ValueSample empty(10, 5);
    const Histogram none = empty.histogram(0.0, 1.0, 4);
    CHECK(none.edges.empty());
    CHECK(none.counts.empty());
    CHECK_FALSE(none.estimated);

    ValueSample some(10, 5);
    some.add(0.5);
    const Histogram no_bins = some.histogram(0.0, 1.0, 0);
    CHECK(no_bins.edges.empty());
    CHECK(no_bins.counts.empty());
    const Histogram two = some.histogram(0.0, 1.0, 2);
    CHECK(two.edges == std::vector<double>{0.0, 0.5, 1.0});
    CHECK(two.counts == std::vector<std::uint64_t>{0, 1});
    CHECK_FALSE(two.estimated);
}

TEST_CASE("shingles: exact word and character windows of the normalised text", "[data_ops]") {
    std::vector<std::uint64_t> out;
    ShingleOptions words{ShingleKind::Words, 3};
    shingle_hashes("The  quick, brown FOX", words, 7, out);
    std::vector<std::uint64_t> expected{hash64("the quick brown", 7), hash64("quick brown fox", 7)};
    std::sort(expected.begin(), expected.end());
    CHECK(out == expected);

    // Fewer words than the shingle size: one shingle of all of them.
    shingle_hashes("just two", words, 7, out);
    CHECK(out == std::vector<std::uint64_t>{hash64("just two", 7)});
    shingle_hashes(" ,; ", words, 7, out);
    CHECK(out.empty());

    ShingleOptions chars{ShingleKind::Chars, 2};
    shingle_hashes("ab\xC3\xA9"
                   "d",
                   chars, 0, out); // a, b, e-acute (2 bytes), d
    expected = {hash64("ab"), hash64("b\xC3\xA9"),
                hash64("\xC3\xA9"
                       "d")};
    std::sort(expected.begin(), expected.end());
    CHECK(out == expected);

    // Repeated shingles count once.
    shingle_hashes("abab", chars, 0, out);
    expected = {hash64("ab"), hash64("ba")};
    std::sort(expected.begin(), expected.end());
    CHECK(out == expected);
}

TEST_CASE("MinHash signature: the high 32 bits of a*h + b, the minimum over shingles",
          "[data_ops]") {
    const int permutations = 16;
    const std::uint64_t seed = 42;
    MinHasher hasher(permutations, seed);
    CHECK(hasher.permutations() == permutations);
    // The permutation family, from its definition (minhash.cpp): a odd, both XXH3 of the
    // permutation's index.
    std::vector<std::uint64_t> mul, add;
    for (std::uint64_t i = 0; i < permutations; ++i) {
        char bytes[8];
        std::memcpy(bytes, &i, sizeof bytes);
        mul.push_back(hash64(std::string_view(bytes, 8), seed ^ 0x6d696e68617368ULL) | 1);
        add.push_back(hash64(std::string_view(bytes, 8), seed ^ 0x6c73682d616464ULL));
    }
    const std::vector<std::uint64_t> shingles{hash64("x"), hash64("y"), hash64("z")};
    std::vector<std::uint32_t> sig;
    REQUIRE(hasher.signature(shingles, sig));
    REQUIRE(sig.size() == permutations);
    for (std::size_t i = 0; i < permutations; ++i) {
        std::uint32_t expected = std::numeric_limits<std::uint32_t>::max();
        for (std::uint64_t h : shingles)
            expected = std::min(expected, static_cast<std::uint32_t>((mul[i] * h + add[i]) >> 32));
        CHECK(sig[i] == expected);
    }
    CHECK_FALSE(hasher.signature({}, sig));
    CHECK(sig ==
          std::vector<std::uint32_t>(permutations, std::numeric_limits<std::uint32_t>::max()));
}

TEST_CASE("choose_bands: the banding that minimises the weighted error", "[data_ops]") {
    // Checked against the same error integrated with 100 times finer steps.
    auto bands = [](double threshold, int permutations) {
        const LshBands b = choose_bands(threshold, permutations);
        return std::pair{b.bands, b.rows};
    };
    CHECK(bands(0.8, 128) == std::pair{14, 9});
    CHECK(bands(0.5, 128) == std::pair{32, 4});
    CHECK(bands(0.9, 64) == std::pair{5, 12});
    CHECK(bands(0.82, 24) == std::pair{4, 6});
    CHECK(bands(0.81, 64) == std::pair{8, 8});
    CHECK(bands(0.99, 60) == std::pair{1, 52});
}

TEST_CASE("LshIndex: candidates share a whole band and the table grows and probes correctly",
          "[data_ops]") {
    const LshBands shape{4, 2};
    LshIndex index(shape); // not reserved: grows from its initial table
    std::vector<std::vector<std::uint32_t>> sigs;
    for (std::uint32_t id = 0; id < 3000; ++id) {
        std::vector<std::uint32_t> sig(8);
        for (std::uint32_t k = 0; k < 8; ++k)
            sig[k] = static_cast<std::uint32_t>(hash64(std::to_string(id * 8 + k)));
        index.insert(id, sig);
        sigs.push_back(std::move(sig));
    }
    std::vector<std::uint32_t> out;
    std::size_t self_only = 0;
    for (std::uint32_t id = 0; id < 3000; ++id) {
        index.candidates(sigs[id], out);
        self_only += out == std::vector<std::uint32_t>{id};
    }
    CHECK(self_only == 3000);

    // A query sharing band 2 with item 17 and band 0 with item 5: both, ascending.
    std::vector<std::uint32_t> query(8, 0);
    query[0] = sigs[5][0];
    query[1] = sigs[5][1];
    query[4] = sigs[17][4];
    query[5] = sigs[17][5];
    index.candidates(query, out);
    CHECK(out == std::vector<std::uint32_t>{5, 17});
    // Sharing only part of a band is not enough.
    query[1] = 1;
    query[5] = 1;
    index.candidates(query, out);
    CHECK(out.empty());

    // Several ids under one band key: the chain gives all of them.
    LshIndex chained(shape);
    std::vector<std::uint32_t> common(8, 9);
    for (std::uint32_t id = 0; id < 5; ++id) {
        std::vector<std::uint32_t> sig = sigs[id];
        sig[6] = 9;
        sig[7] = 9;
        chained.insert(id, sig);
    }
    chained.candidates(common, out);
    CHECK(out == std::vector<std::uint32_t>{0, 1, 2, 3, 4});
}

TEST_CASE("NearDuplicateIndex: a match needs at least the threshold share of equal positions",
          "[data_ops]") {
    NearDuplicateParams params;
    params.threshold = 0.75;
    params.permutations = 128;
    NearDuplicateIndex index(params);
    const LshBands bands = index.bands();
    REQUIRE(bands.rows <= 96);
    std::vector<std::uint32_t> base(128);
    for (std::uint32_t k = 0; k < 128; ++k)
        base[k] = k * 1000 + 1;
    // Equal on exactly 96 of 128 positions (band 0 included): similarity exactly 0.75.
    std::vector<std::uint32_t> at_threshold = base;
    for (std::uint32_t k = 96; k < 128; ++k)
        at_threshold[k] += 7;
    // Equal on band 0 only: a candidate, but far below the threshold.
    std::vector<std::uint32_t> band_only = base;
    for (std::uint32_t k = static_cast<std::uint32_t>(bands.rows); k < 128; ++k)
        band_only[k] += 7;
    CHECK(index.insert(at_threshold) == 0);
    CHECK(index.insert(band_only) == 1);
    std::vector<NearMatch> matches;
    CHECK(index.matches(base, matches) == 2);
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].id == 0);
    CHECK(matches[0].similarity == 0.75);
    // A budget of one compares only the first candidate.
    CHECK(index.matches(band_only, matches, 1) == 2);
    CHECK(matches.empty());
}

TEST_CASE("HashSet64 grows when an insert would pass 3/4 load", "[profile]") {
    HashSet64 set;
    CHECK(set.memory_bytes() == 0);
    set.insert(hash64("0"));
    CHECK(set.memory_bytes() == 64 * sizeof(std::uint64_t));
    for (int i = 1; i < 48; ++i)
        set.insert(hash64(std::to_string(i)));
    CHECK(set.size() == 48); // 48 of 64 slots: exactly 3/4
    CHECK(set.memory_bytes() == 64 * sizeof(std::uint64_t));
    set.insert(hash64("48"));
    CHECK(set.memory_bytes() == 128 * sizeof(std::uint64_t));
}

TEST_CASE("TopValues: counts continue on the kept entries after a purge", "[profile]") {
    TopValues top(4);
    auto add = [&](std::uint64_t hash, const char* text, int times) {
        for (int i = 0; i < times; ++i)
            top.add(hash64(text) ^ hash, text);
    };
    add(0, "\"a\"", 10);
    add(0, "\"b\"", 5);
    add(0, "\"c\"", 1);
    add(0, "\"d\"", 1);
    CHECK(top.exact());
    add(0, "\"e\"", 1); // a fifth value: subtract the median count (5), keep what stays above
    CHECK(top.error_bound() == 5);
    add(0, "\"a\"", 3);
    const auto values = top.top(10);
    REQUIRE(values.size() == 2);
    CHECK(values[0].text == "\"a\"");
    CHECK(values[0].count == 8);
    CHECK(values[1].text == "\"e\"");
    CHECK(values[1].count == 1);
}

TEST_CASE("ValueSample: a sampled histogram is scaled to the full count", "[profile]") {
    ValueSample sample(4, 4);
    for (int i = 0; i < 10; ++i)
        sample.add(i);
    CHECK_FALSE(sample.exact());
    CHECK(sample.count() == 10);
    const Histogram h = sample.histogram(0.0, 10.0, 2);
    CHECK(h.estimated);
    REQUIRE(h.counts.size() == 2);
    CHECK(h.counts[0] + h.counts[1] == 10);
    // Each bin is its sample count (of 4) times 10 / 4, rounded half away from zero; the
    // largest bin absorbs the rounding: 1 + 3 kept gives 3 + 8, then 3 + 7.
    const std::set<std::vector<std::uint64_t>> possible{{0, 10}, {3, 7}, {5, 5}, {7, 3}, {10, 0}};
    CHECK(possible.count(h.counts) == 1);
}
