#pragma once
// XXH3-128 content hashing: object names, row hashes, cache keys. Detects corruption and gives
// identity; not a defence against crafted collisions (see docs/store-format.md).
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace llmops {

struct Hash128 {
    std::uint64_t high = 0;
    std::uint64_t low = 0;

    // 32 lowercase hex digits, high half first (the same text `xxhsum -H2` prints).
    std::string hex() const;
    std::string short_hex() const { return hex().substr(0, 12); } // as messages show a hash
    static Hash128 from_hex(std::string_view hex); // throws Error(BadInput) on bad text
    bool operator==(const Hash128&) const = default;
    auto operator<=>(const Hash128&) const = default;
};

// Hashes a Hash128 for unordered containers: its low half is already uniformly distributed.
struct Hash128Key {
    std::size_t operator()(const Hash128& h) const { return static_cast<std::size_t>(h.low); }
};

Hash128 hash128(std::string_view bytes);
std::uint64_t hash64(std::string_view bytes, std::uint64_t seed = 0);

// Incremental hashing for streams of any size in constant memory.
class Hasher128 {
  public:
    Hasher128();
    ~Hasher128();
    Hasher128(const Hasher128&) = delete;
    Hasher128& operator=(const Hasher128&) = delete;
    void update(std::string_view bytes);
    Hash128 digest() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

bool is_hex_hash(std::string_view text);

} // namespace llmops
