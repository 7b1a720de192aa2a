#include "feedback/review_session.hpp"

#include "core/error.hpp"
#include "core/time.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_rows.hpp"
#include "json/canonical_json.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace llmops::feedback {

using nlohmann::json;

namespace {

std::optional<ReviewDecision> parse_decision(const std::string& text) {
    if (text == "accept") return ReviewDecision::Accept;
    if (text == "reject") return ReviewDecision::Reject;
    if (text == "skip") return ReviewDecision::Skip;
    return std::nullopt;
}

} // namespace

std::string_view to_string(ReviewDecision decision) {
    switch (decision) {
    case ReviewDecision::Accept:
        return "accept";
    case ReviewDecision::Reject:
        return "reject";
    case ReviewDecision::Skip:
        return "skip";
    }
    return "skip";
}

ReviewSession::ReviewSession(store::Project& project, const std::string& ref, std::string field)
    : project_(project), version_(data::resolve_version(project.db(), ref)),
      field_(std::move(field)) {
    if (field_.empty()) throw_usage("--field: a field name is required");
    data::for_each_row(project_, version_, [&](std::string_view row, std::int64_t) {
        original_.emplace_back(row);
        return true;
    });
    rows_ = original_;
    decisions_.assign(rows_.size(), std::nullopt);
    auto st = project_.db().prepare("SELECT row_index, decision, row FROM review_decisions "
                                    "WHERE version_id = ?1 AND field = ?2");
    st.bind(1, version_.id).bind(2, field_);
    while (st.step()) {
        std::int64_t index = st.column_int(0);
        if (index < 0 || index >= size()) continue;
        auto i = static_cast<std::size_t>(index);
        decisions_[i] = parse_decision(st.column_text(1));
        rows_[i] = st.column_text(2);
    }
}

std::optional<std::int64_t> ReviewSession::next_undecided(std::int64_t from) const {
    for (std::int64_t i = std::max<std::int64_t>(from, 0); i < size(); ++i)
        if (!decisions_[static_cast<std::size_t>(i)]) return i;
    return std::nullopt;
}

const std::string& ReviewSession::row(std::int64_t index) const {
    return rows_.at(static_cast<std::size_t>(index));
}

std::optional<ReviewDecision> ReviewSession::decision(std::int64_t index) const {
    return decisions_.at(static_cast<std::size_t>(index));
}

ReviewCounts ReviewSession::counts() const {
    ReviewCounts c;
    for (std::size_t i = 0; i < rows_.size(); ++i) {
        if (!decisions_[i]) {
            ++c.undecided;
            continue;
        }
        switch (*decisions_[i]) {
        case ReviewDecision::Accept:
            ++c.accepted;
            if (rows_[i] != original_[i]) ++c.edited;
            break;
        case ReviewDecision::Reject:
            ++c.rejected;
            break;
        case ReviewDecision::Skip:
            ++c.skipped;
            break;
        }
    }
    return c;
}

std::string ReviewSession::with_field(std::int64_t index, const json& value) const {
    json row = json::parse(this->row(index));
    row[field_] = value;
    return canonical_json(row);
}

void ReviewSession::decide(std::int64_t index, ReviewDecision decision, const std::string& row) {
    auto i = static_cast<std::size_t>(index);
    if (index < 0 || i >= rows_.size()) throw_usage("no row " + std::to_string(index));
    std::string text = canonical_json(json::parse(row));
    store::Transaction tx(project_.db());
    auto st = project_.db().prepare(
        "INSERT INTO review_decisions (version_id, field, row_index, decision, row, decided_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (version_id, field, row_index) DO UPDATE "
        "SET decision = excluded.decision, row = excluded.row, decided_at = excluded.decided_at");
    st.bind(1, version_.id).bind(2, field_).bind(3, index);
    st.bind(4, to_string(decision)).bind(5, text).bind(6, now_iso8601());
    st.run();
    tx.commit();
    decisions_[i] = decision;
    rows_[i] = std::move(text);
}

data::CommitResult ReviewSession::finish(const std::string& message) {
    ReviewCounts c = counts();
    json rejected = json::array();
    json edited = json::array();
    data::DatasetWriter writer(project_);
    for (std::size_t i = 0; i < rows_.size(); ++i) {
        if (decisions_[i] == ReviewDecision::Reject) {
            rejected.push_back(i);
            continue;
        }
        if (decisions_[i] == ReviewDecision::Accept && rows_[i] != original_[i])
            edited.push_back(i);
        // A skipped or undecided row goes in as it was; only an accepted row carries its edit.
        writer.add_row(decisions_[i] == ReviewDecision::Accept ? rows_[i] : original_[i]);
    }
    data::VersionDraft draft;
    draft.name = version_.name;
    draft.message = message.empty() ? fmt::format("review of {}: {} accepted ({} edited), {} "
                                                  "rejected, {} skipped, {} undecided",
                                                  version_.ref(), c.accepted, c.edited, c.rejected,
                                                  c.skipped, c.undecided)
                                    : message;
    draft.provenance = {{"command", "review"},       {"source", version_.ref()},
                        {"field", field_},           {"accepted", c.accepted},
                        {"edited", c.edited},        {"rejected", c.rejected},
                        {"skipped", c.skipped},      {"undecided", c.undecided},
                        {"rejected_rows", rejected}, {"edited_rows", edited}};
    draft.allow_empty = true;
    data::CommitResult result = writer.commit(draft);
    reset();
    return result;
}

void ReviewSession::reset() {
    store::Transaction tx(project_.db());
    auto st =
        project_.db().prepare("DELETE FROM review_decisions WHERE version_id = ?1 AND field = ?2");
    st.bind(1, version_.id).bind(2, field_);
    st.run();
    tx.commit();
    for (std::size_t i = 0; i < rows_.size(); ++i) {
        decisions_[i].reset();
        rows_[i] = original_[i];
    }
}

} // namespace llmops::feedback
