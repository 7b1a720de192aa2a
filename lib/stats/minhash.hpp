#pragma once
// MinHash signatures and LSH banding for near-duplicate text (Broder 1997; Leskovec, Rajaraman
// and Ullman, "Mining of Massive Datasets", ch. 3).
//
// What a near duplicate is, for `data dedup --near` and `data profile` alike (NearDuplicateIndex):
// two texts whose signatures share at least one LSH band and agree in at least `threshold` of
// their positions.
//
// A text becomes a set of shingles (3-word or 5-character windows of its normalised form); its
// signature keeps, for each of P hash "permutations", the smallest hash over the set. The
// share of equal positions in two signatures estimates the Jaccard similarity of the sets.
// LSH cuts signatures into b bands of r rows: texts agreeing on a whole band are candidates,
// with probability 1 - (1 - s^r)^b for similarity s.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace llmops::stats {

enum class ShingleKind { Words, Chars };

struct ShingleOptions {
    ShingleKind kind = ShingleKind::Words;
    int size = 3; // words per shingle, or characters (code points) per shingle
};

// Hashes of the shingles of `text` after normalize_text (NFKC, case folding, spaces collapsed).
// Words are runs of letters, digits and marks; other characters separate them. A text with fewer
// units than the shingle size gives one shingle of all of them; an empty text gives none.
void shingle_hashes(std::string_view text, const ShingleOptions& options, std::uint64_t seed,
                    std::vector<std::uint64_t>& out);

class MinHasher {
  public:
    explicit MinHasher(int permutations = 128, std::uint64_t seed = 0);
    int permutations() const { return static_cast<int>(mul_.size()); }

    // The signature of a set of shingle hashes, `permutations()` values. Returns false (out all
    // ones) for an empty set.
    bool signature(std::span<const std::uint64_t> shingles, std::vector<std::uint32_t>& out) const;

  private:
    std::vector<std::uint64_t> mul_{};
    std::vector<std::uint64_t> add_{};
};

// Share of equal positions: the estimated Jaccard similarity.
double estimate_jaccard(std::span<const std::uint32_t> a, std::span<const std::uint32_t> b);

struct LshBands {
    int bands = 0;
    int rows = 0; // signature positions per band; bands * rows <= permutations
};

// The banding that minimises 0.1 x the false positive plus 0.9 x the false negative
// probability mass around `threshold` (datasketch's MinHashLSH approach, weighted towards
// recall because candidates are verified). For 128 permutations: 0.8 -> 14 bands of 9 rows.
LshBands choose_bands(double threshold, int permutations);

// Candidate lookup: items sharing at least one whole band with a query.
class LshIndex {
  public:
    explicit LshIndex(LshBands bands);
    // Ids inserted earlier that share a band with `signature`, ascending, no repeats.
    void candidates(std::span<const std::uint32_t> signature,
                    std::vector<std::uint32_t>& out) const;
    // Ids must be inserted in increasing order, starting at 0.
    void insert(std::uint32_t id, std::span<const std::uint32_t> signature);
    // Room for `items` signatures without growing the table.
    void reserve(std::size_t items);

  private:
    std::uint64_t band_key(std::span<const std::uint32_t> signature, int band) const;

    LshBands bands_;
    struct Slot {
        std::uint64_t key;  // band hash (XXH3 seeded by the band: bands do not share keys)
        std::uint32_t head; // newest id with this key; UINT32_MAX for a free slot
    };
    const Slot* find(std::uint64_t key) const;
    void grow();

    // An open-addressing table (linear probing, at most half full): std::unordered_map's node
    // per entry made lookups cache misses and rehashing a third of the run time.
    std::vector<Slot> slots_{};
    std::size_t used_ = 0;
    // next_[id * bands + band]: the previous id in that band's chain.
    std::vector<std::uint32_t> next_{};
};

struct NearDuplicateParams {
    double threshold = 0.8; // estimated Jaccard similarity, in (0, 1]
    ShingleOptions shingles{};
    int permutations = 128;
    std::uint64_t seed = 0;
};

struct NearMatch {
    std::uint32_t id = 0;
    double similarity = 0; // estimated Jaccard similarity
};

// The one definition of a near duplicate: signatures of texts, and for a new signature the
// inserted ones it is a near duplicate of.
class NearDuplicateIndex {
  public:
    explicit NearDuplicateIndex(const NearDuplicateParams& params);
    const NearDuplicateParams& params() const { return params_; }
    LshBands bands() const { return bands_; }

    // The MinHash signature of `text` (the shingles of its normalised form) into `out`; false
    // for a text without shingles (nothing to compare).
    bool signature(std::string_view text, std::vector<std::uint32_t>& out);
    // The inserted signatures `signature` is a near duplicate of, ascending by id. Returns the
    // number of candidates LSH gave; only the first `budget` of them are compared.
    std::size_t matches(std::span<const std::uint32_t> signature, std::vector<NearMatch>& out,
                        std::size_t budget = SIZE_MAX);
    // Adds a signature; its id is the number inserted before it.
    std::uint32_t insert(std::span<const std::uint32_t> signature);
    // Room for `items` signatures (when their number is known, saves growing the tables).
    void reserve(std::size_t items);

  private:
    NearDuplicateParams params_;
    MinHasher hasher_;
    LshBands bands_;
    LshIndex index_;
    std::vector<std::uint32_t> signatures_; // flattened, permutations per id
    std::vector<std::uint64_t> shingles_;   // scratch
    std::vector<std::uint32_t> candidates_; // scratch
};

} // namespace llmops::stats
