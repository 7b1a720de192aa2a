#include "data/profile/dataset_profile.hpp"

#include "core/hash.hpp"
#include "core/text.hpp"
#include "data/dataset_rows.hpp"
#include "data/schema_summary.hpp"
#include "stats/statistics.hpp"
#include "json/json_string.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace llmops::data {

using nlohmann::json;

namespace {

constexpr std::uint64_t kAll = std::numeric_limits<std::uint64_t>::max();
constexpr std::size_t kBudgetCheckRows = 1024;

double rate_of(std::uint64_t threshold) {
    return threshold == kAll ? 1.0 : static_cast<double>(threshold) / 18446744073709551616.0;
}

} // namespace

DatasetProfiler::DatasetProfiler(ProfileOptions options, std::uint64_t expected_rows)
    : options_(std::move(options)), duplicates_(options_.duplicate_row_limit),
      sample_threshold_(kAll) {
    if (expected_rows > options_.near_duplicate_sample) {
        const double p = static_cast<double>(options_.near_duplicate_sample) /
                         static_cast<double>(expected_rows);
        sample_threshold_ = static_cast<std::uint64_t>(p * 18446744073709551616.0);
    }
}

DatasetProfiler::~DatasetProfiler() = default;

FieldStats& DatasetProfiler::field_at(std::size_t position, std::string_view key) {
    // Rows of a dataset mostly share their keys, in the same (sorted) order: try the field
    // seen at this position in the last row before the map.
    if (position < position_cache_.size()) {
        FieldStats& cached = *fields_[position_cache_[position]];
        if (cached.key() == key) return cached;
    }
    auto it = field_index_.find(key);
    if (it == field_index_.end()) {
        const bool light = fields_.size() >= options_.max_fields;
        fields_.push_back(std::make_unique<FieldStats>(std::string(key), options_.field, light));
        it = field_index_.emplace(std::string(key), fields_.size() - 1).first;
    }
    if (position >= position_cache_.size()) position_cache_.resize(position + 1);
    position_cache_[position] = it->second;
    return *fields_[it->second];
}

void DatasetProfiler::add_row(std::string_view row) {
    const bool utf8_valid = is_valid_utf8(row);
    if (!utf8_valid) ++invalid_utf8_rows_;
    const std::uint64_t row_hash = hash64(row);
    duplicates_.prefetch(row_hash); // inserted after the fields, by when it is in the cache
    std::size_t position = 0;
    for_each_member(row, [&](std::string_view key, std::string_view value) {
        field_at(position++, key).add(value, utf8_valid);
    });
    duplicates_.add_hash(row_hash);
    sample_row(row);
    ++rows_;
    bytes_ += row.size() + 1;
    if (rows_ % kBudgetCheckRows == 0) enforce_memory_budget();
}

void DatasetProfiler::sample_row(std::string_view row) {
    const std::uint64_t u = stats::mix64(rows_ ^ 0x70726F66696C65ULL);
    if (u > sample_threshold_) return;
    sample_.emplace_back(u, std::string(row));
    sample_bytes_ += row.size();
    // Too many or too big (an unknown or wrong expected row count, long rows): halve the
    // sampling probability and keep the rows that would have passed it.
    while (sample_bytes_ > options_.near_duplicate_sample_bytes ||
           sample_.size() > 2 * options_.near_duplicate_sample) {
        sample_threshold_ /= 2;
        std::erase_if(sample_, [&](const auto& s) { return s.first > sample_threshold_; });
        sample_bytes_ = 0;
        for (const auto& s : sample_)
            sample_bytes_ += s.second.size();
    }
}

void DatasetProfiler::enforce_memory_budget() {
    for (;;) {
        std::size_t total = 0, largest = 0;
        FieldStats* biggest = nullptr;
        for (auto& f : fields_) {
            const std::size_t bytes = f->exact_memory_bytes();
            total += bytes;
            if (bytes > largest) {
                largest = bytes;
                biggest = f.get();
            }
        }
        if (total <= options_.memory_budget || !biggest || !biggest->shrink()) return;
    }
}

std::optional<NearDuplicateProfile> DatasetProfiler::near_duplicates(const std::string& key,
                                                                     const std::string& name) {
    NearDuplicateProfile p;
    p.field = name;
    p.sample_rate = rate_of(sample_threshold_);
    p.sample_rows = sample_.size();
    std::vector<std::string> texts;
    std::string scratch;
    for (const auto& s : sample_) {
        for_each_member(s.second, [&](std::string_view k, std::string_view value) {
            if (k == key && !value.empty() && value[0] == '"')
                texts.emplace_back(decode_json_string(value, scratch));
        });
    }
    p.estimate = find_near_duplicates(texts, options_.near_duplicate_threshold);
    p.estimated_pairs =
        static_cast<double>(p.estimate.pairs_in_sample) / (p.sample_rate * p.sample_rate);
    return p;
}

DatasetProfile DatasetProfiler::finish() {
    DatasetProfile out;
    out.rows = rows_;
    out.bytes = bytes_;
    out.duplicate_rows = std::min<std::uint64_t>(duplicates_.duplicates(), rows_);
    out.duplicate_rows_exact = duplicates_.exact();
    out.duplicate_rows_sample_rate = duplicates_.sample_rate();
    out.invalid_utf8_rows = invalid_utf8_rows_;

    // Key order (the order of canonical JSON), whatever order the fields appeared in.
    const std::string* longest_key = nullptr;
    std::string longest_name;
    double longest_mean = -1;
    for (const auto& [key, index] : field_index_) {
        out.fields.push_back(fields_[index]->finish(rows_));
        const FieldProfile& f = out.fields.back();
        if (f.text && f.text->chars.mean > longest_mean) {
            longest_mean = f.text->chars.mean;
            longest_key = &key;
            longest_name = f.name;
        }
    }
    if (longest_key) out.near_duplicates = near_duplicates(*longest_key, longest_name);
    return out;
}

json DatasetProfile::to_json() const {
    json fields_json = json::array();
    for (const auto& f : fields)
        fields_json.push_back(f.to_json());
    json near = nullptr;
    if (near_duplicates) {
        const auto& n = *near_duplicates;
        const double rate = n.estimate.sample_texts == 0
                                ? 0.0
                                : static_cast<double>(n.estimate.texts_with_near_duplicate) /
                                      static_cast<double>(n.estimate.sample_texts);
        near = {{"field", n.field},
                {"method", "minhash"},
                {"threshold", n.estimate.threshold},
                {"sample_rate", n.sample_rate},
                {"sample_rows", n.sample_rows},
                {"sample_texts", n.estimate.sample_texts},
                {"pairs_in_sample", n.estimate.pairs_in_sample},
                {"texts_with_near_duplicate_in_sample", n.estimate.texts_with_near_duplicate},
                {"rate_in_sample", rate},
                {"estimated_pairs", std::round(n.estimated_pairs)},
                {"complete", n.estimate.complete}};
    }
    return {{"dataset", dataset},
            {"manifest", manifest},
            {"rows", rows},
            {"bytes", bytes},
            {"duplicate_rows",
             {{"count", duplicate_rows},
              {"exact", duplicate_rows_exact},
              {"sample_rate", duplicate_rows_sample_rate}}},
            {"near_duplicates", near},
            {"invalid_utf8_rows", invalid_utf8_rows},
            {"fields", fields_json}};
}

DatasetProfile profile_dataset(store::Project& project, const DatasetVersion& version,
                               const ProfileOptions& options) {
    DatasetProfiler profiler(options, static_cast<std::uint64_t>(version.rows));
    for_each_row(project, version, [&](std::string_view row, std::int64_t) {
        profiler.add_row(row);
        return true;
    });
    DatasetProfile profile = profiler.finish();
    profile.dataset = version.ref();
    profile.manifest = version.manifest;
    return profile;
}

} // namespace llmops::data
