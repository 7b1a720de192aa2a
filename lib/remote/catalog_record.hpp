#pragma once
// The catalog a remote shares: dataset versions and prompt versions as content-addressed
// records (canonical JSON named by its XXH3-128, like objects), and dataset tags and prompt
// labels as refs that name a version by its content (manifest or spec hash). Layout and
// format: docs/remotes.md.
#include "core/hash.hpp"
#include "store/database.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::remote {

inline constexpr std::string_view kRecordFormat = "llmops.record/1";
inline constexpr std::string_view kRefFormat = "llmops.ref/1";

enum class RecordKind { DatasetVersion, PromptVersion };

struct CatalogRecord {
    RecordKind kind = RecordKind::DatasetVersion;
    std::string name; // the dataset or prompt
    Hash128 content;  // the manifest (dataset) or spec (prompt) object: the version's identity
    std::string created_at;
    nlohmann::json body; // the whole record
    std::string text;    // canonical JSON of body
    Hash128 hash;        // XXH3-128 of text
};

// Builds a record's canonical text and hash from its body.
CatalogRecord make_record(nlohmann::json body);

// Parses a record fetched from a remote: it must be canonical JSON hashing to `expected`, in
// the llmops.record/1 format, with every field of its kind. Throws Error(BadInput) naming
// `where` and what is wrong.
CatalogRecord parse_record(std::string_view text, const Hash128& expected,
                           const std::string& where);

// prompt-labels/NAME/LABEL or dataset-tags/NAME/TAG.
struct CatalogRef {
    std::string path;
    RecordKind kind = RecordKind::PromptVersion;
    std::string name;  // prompt or dataset
    std::string label; // label or tag
    Hash128 target;    // spec or manifest hash of the version it points at
};

// Splits and checks a ref path; nullopt when it is not one.
std::optional<CatalogRef> parse_ref_path(std::string_view path);
// The ref document stored on the remote: target and the value it replaced.
std::string ref_document(const CatalogRef& ref, const std::optional<Hash128>& previous,
                         const std::string& updated_at);
// Reads one; throws Error(BadInput) naming where.
CatalogRef parse_ref_document(std::string_view text, std::string_view path,
                              const std::string& where);

// What the local store holds, as records and refs.
struct LocalCatalog {
    std::vector<CatalogRecord> records;
    std::vector<CatalogRef> refs;
    // Objects each record needs on the other side (manifest and chunks, or spec), by record.
    std::map<Hash128, std::vector<Hash128>> objects;
};

// names: only these datasets and prompts (all when empty).
LocalCatalog read_local_catalog(store::Database& db, const std::set<std::string>& names = {});

struct ManifestChunk {
    Hash128 hash;
    std::int64_t rows = 0;
    std::int64_t bytes = 0;
};
// The chunks a dataset manifest lists; throws Error(BadInput) naming where on a bad manifest.
std::vector<ManifestChunk> manifest_chunks(std::string_view manifest_text,
                                           const std::string& where);

} // namespace llmops::remote
