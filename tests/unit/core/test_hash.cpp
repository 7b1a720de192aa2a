// hash.cpp takes XXH3's AVX2 code on CPUs that have it: the digests must be the reference's.
#include "core/hash.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>

using namespace llmops;

TEST_CASE("hashes equal XXH3's reference code at every length and split", "[hash]") {
    std::mt19937_64 rng(20261207);
    std::string bytes(70000, '\0');
    for (char& c : bytes)
        c = static_cast<char>(rng());
    for (std::size_t size :
         {0, 1, 3, 16, 17, 128, 129, 240, 241, 270, 1024, 1025, 4096, 49152, 65537, 70000}) {
        const std::string_view data(bytes.data(), size);
        const XXH128_hash_t want = XXH3_128bits(data.data(), data.size());
        CHECK(hash128(data) == Hash128{want.high64, want.low64});
        CHECK(hash64(data) == XXH3_64bits(data.data(), data.size()));
        CHECK(hash64(data, 42) == XXH3_64bits_withSeed(data.data(), data.size(), 42));
        Hasher128 streamed;
        for (std::size_t at = 0; at < size;) {
            const std::size_t piece = std::min<std::size_t>(size - at, 1 + rng() % 5000);
            streamed.update(data.substr(at, piece));
            at += piece;
        }
        CHECK(streamed.digest() == hash128(data));
    }
}
