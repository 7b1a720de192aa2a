#pragma once
// `data transform`: filter rows, compute fields with Mustache templates, rename, select and
// drop fields, in that order:
//   1. --where   keep rows for which every expression holds (data/row_filter.hpp);
//   2. --set     FIELD=TEMPLATE, each in the order given, over the row as changed so far;
//   3. --rename  OLD=NEW, in the order given (NEW is replaced if present);
//   4. --select  keep only these fields, then --drop remove these.
#include "data/dataset_writer.hpp"
#include "data/ops/row_filter.hpp"
#include "mustache/mustache.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmops::data {

struct TransformSpec {
    std::vector<std::string> where{};
    std::vector<std::string> set{};    // FIELD=TEMPLATE
    std::vector<std::string> rename{}; // OLD=NEW
    std::vector<std::string> select{};
    std::vector<std::string> drop{};
    bool allow_missing = false; // templates render missing variables as empty
};

// The compiled spec; applies to one canonical row at a time.
class RowTransform {
  public:
    // Throws Error(Usage) for malformed options, Error(BadInput) for bad regexes and templates.
    explicit RowTransform(const TransformSpec& spec);

    // The transformed canonical row, or nullopt when --where rejects it. `index` locates errors.
    std::optional<std::string> apply(std::string_view row, std::int64_t index);

    // The spec as recorded in provenance.
    nlohmann::json to_json() const;
    // Field names used by --rename, --select and --drop that no row had: likely typos.
    std::vector<std::string> unseen_fields() const;

  private:
    struct Assignment {
        std::string field{};
        std::string source{};
        mustache::Template tmpl;
    };
    RowFilter filter_;
    std::vector<Assignment> set_{};
    std::vector<std::pair<std::string, std::string>> rename_{};
    std::vector<std::string> select_{};
    std::vector<std::string> drop_{};
    bool allow_missing_ = false;
    std::map<std::string, bool> seen_; // field named by rename/select/drop -> found in a row
};

// A last step after the others, supplied by a higher layer (safety/ for --redact): rewrites one
// canonical row (and must return canonical JSON); `describe` is recorded in the provenance under
// "redact" once every row is written.
struct RowRewrite {
    std::function<std::string(std::string_view row, std::int64_t index)> apply{};
    std::function<nlohmann::json()> describe{};
};

struct TransformRequest {
    std::string source{};
    TransformSpec spec{};
    RowRewrite rewrite{};
    std::string output{}; // empty: the source's dataset
    std::string message{};
    bool allow_empty = false;
};

struct TransformReport {
    DatasetVersion source{};
    std::int64_t rows_in = 0;
    std::int64_t rows_out = 0;
    CommitResult commit{};
};

// Throws Error(BadInput) before writing anything when a --rename/--select/--drop field occurs
// in no row, or when no row is left (unless allow_empty).
TransformReport transform_dataset(store::Project& project, const TransformRequest& request);

// "KEY=VALUE" split at the first '='; throws Error(Usage) naming `option` when there is no '='
// or KEY is empty.
std::pair<std::string, std::string> split_assignment(std::string_view text,
                                                     std::string_view option);

} // namespace llmops::data
