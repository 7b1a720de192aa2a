#include "core/hash.hpp"

#include "core/cpu_features.hpp"
#include "core/error.hpp"
#include "core/hash_avx2.hpp"

// Inlined rather than linked: libxxhash's own AVX2 dispatch is only in its shared library.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace llmops {

namespace {
constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void append_hex64(std::string& out, std::uint64_t v) {
    for (int shift = 60; shift >= 0; shift -= 4)
        out += kHexDigits[(v >> shift) & 0xF];
}
} // namespace

std::string Hash128::hex() const {
    std::string out;
    out.reserve(32);
    append_hex64(out, high);
    append_hex64(out, low);
    return out;
}

bool is_hex_hash(std::string_view text) {
    if (text.size() != 32) return false;
    for (char c : text)
        if (hex_value(c) < 0) return false;
    return true;
}

Hash128 Hash128::from_hex(std::string_view hex) {
    if (!is_hex_hash(hex)) throw_bad_input("not a 32-digit hex hash: '" + std::string(hex) + "'");
    Hash128 h;
    for (int i = 0; i < 16; ++i)
        h.high = (h.high << 4) | static_cast<unsigned>(hex_value(hex[i]));
    for (int i = 16; i < 32; ++i)
        h.low = (h.low << 4) | static_cast<unsigned>(hex_value(hex[i]));
    return h;
}

Hash128 hash128(std::string_view bytes) {
    if (cpu_has_avx2()) {
        Hash128 h;
        avx2::xxh3_128(bytes.data(), bytes.size(), &h.high, &h.low);
        return h;
    }
    XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
    return {h.high64, h.low64};
}

std::uint64_t hash64(std::string_view bytes, std::uint64_t seed) {
    if (cpu_has_avx2()) return avx2::xxh3_64(bytes.data(), bytes.size(), seed);
    return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

struct Hasher128::State {
    XXH3_state_t xxh;
};

Hasher128::Hasher128() : state_(std::make_unique<State>()) {
    XXH3_128bits_reset(&state_->xxh);
}
Hasher128::~Hasher128() = default;

void Hasher128::update(std::string_view bytes) {
    if (cpu_has_avx2())
        avx2::xxh3_128_update(&state_->xxh, bytes.data(), bytes.size());
    else
        XXH3_128bits_update(&state_->xxh, bytes.data(), bytes.size());
}

Hash128 Hasher128::digest() const {
    XXH128_hash_t h = XXH3_128bits_digest(&state_->xxh);
    return {h.high64, h.low64};
}

} // namespace llmops
