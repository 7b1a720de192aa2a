#pragma once
// `llmops review DATASET`: a person goes through a dataset version one row at a time and
// accepts it, edits one field, rejects it or skips it. Each decision is stored as it is made
// (review_decisions, schema 14), so a review stopped at any point resumes at the first row
// without one. Finishing writes a new version: accepted rows (as edited) and skipped or
// undecided ones in their order, rejected ones left out; its provenance counts the decisions
// and lists the rows rejected and edited. The terminal side is cli/review_command.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset_version.hpp"
#include "data/dataset_writer.hpp"
#include "store/project.hpp"

namespace llmops::feedback {

enum class ReviewDecision { Accept, Reject, Skip };
std::string_view to_string(ReviewDecision decision);

struct ReviewCounts {
    std::int64_t accepted = 0;
    std::int64_t rejected = 0;
    std::int64_t skipped = 0;
    std::int64_t edited = 0; // accepted rows whose text changed
    std::int64_t undecided = 0;
};

class ReviewSession {
  public:
    // Loads the version's rows and the decisions already made on it for `field`.
    ReviewSession(store::Project& project, const std::string& ref, std::string field);

    const data::DatasetVersion& version() const { return version_; }
    const std::string& field() const { return field_; }
    std::int64_t size() const { return static_cast<std::int64_t>(rows_.size()); }
    // The first row without a decision at or after `from`; nullopt when there is none.
    std::optional<std::int64_t> next_undecided(std::int64_t from = 0) const;
    // The row as it stands (edited, when it was), canonical JSON.
    const std::string& row(std::int64_t index) const;
    std::optional<ReviewDecision> decision(std::int64_t index) const;
    ReviewCounts counts() const;

    // The row with `field` set to `value` (an edit, not yet a decision).
    std::string with_field(std::int64_t index, const nlohmann::json& value) const;
    // Stores the decision for the row, with the row's text as decided, at once.
    void decide(std::int64_t index, ReviewDecision decision, const std::string& row);
    // Writes the new version and forgets the decisions. Undecided rows are kept as they are.
    data::CommitResult finish(const std::string& message);
    // Forgets every decision made on this version for this field.
    void reset();

  private:
    store::Project& project_;
    data::DatasetVersion version_;
    std::string field_;
    std::vector<std::string> original_;
    std::vector<std::string> rows_;
    std::vector<std::optional<ReviewDecision>> decisions_;
};

} // namespace llmops::feedback
