#include "data/ops/dataset_diff.hpp"

#include "core/hash.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_rows.hpp"
#include "data/schema_summary.hpp"

#include <deque>
#include <map>
#include <unordered_map>

namespace llmops::data {

namespace {
// The chunks read, whose text the rows of a diff point into (a deque: its strings never move,
// so views into short ones stay valid too). Rows are views: a copy of each row cost more in
// allocations and fresh pages than reading the chunks.
using ChunkTexts = std::deque<std::string>;

// The rows of the chunks of `mine` that `theirs` does not have, in order.
std::vector<std::string_view> rows_of_unshared_chunks(store::Project& project,
                                                      const std::vector<ChunkRef>& mine,
                                                      const std::vector<ChunkRef>& theirs,
                                                      ChunkTexts& texts,
                                                      std::int64_t& chunks_read) {
    std::unordered_map<std::string, int> shared;
    for (const auto& c : theirs)
        ++shared[c.hash];
    std::vector<std::string_view> rows;
    for (const auto& c : mine) {
        auto it = shared.find(c.hash);
        if (it != shared.end() && it->second > 0) {
            --it->second;
            continue;
        }
        ++chunks_read;
        const std::string& content =
            texts.emplace_back(project.objects().get(Hash128::from_hex(c.hash)));
        std::int64_t index = 0;
        for_each_line(content, index, [&rows](std::string_view row, std::int64_t) {
            rows.push_back(row);
            return true;
        });
    }
    return rows;
}

// Removes from both lists the rows they share (as multisets), keeping order.
void cancel_common_rows(std::vector<std::string_view>& a, std::vector<std::string_view>& b) {
    std::unordered_map<Hash128, int, Hash128Key> counts;
    for (const auto& row : b)
        ++counts[hash128(row)];
    std::vector<std::string_view> only_a;
    std::unordered_map<Hash128, int, Hash128Key> cancelled;
    for (auto& row : a) {
        Hash128 h = hash128(row);
        auto it = counts.find(h);
        if (it != counts.end() && it->second > 0) {
            --it->second;
            ++cancelled[h];
        } else {
            only_a.push_back(row);
        }
    }
    std::vector<std::string_view> only_b;
    for (auto& row : b) {
        Hash128 h = hash128(row);
        auto it = cancelled.find(h);
        if (it != cancelled.end() && it->second > 0)
            --it->second;
        else
            only_b.push_back(row);
    }
    a = std::move(only_a);
    b = std::move(only_b);
}

std::optional<std::string> field_value(std::string_view row, std::string_view field) {
    std::optional<std::string> out;
    for_each_member(row, [&](std::string_view key, std::string_view value) {
        if (!out && key == field) out = std::string(value);
    });
    return out;
}
} // namespace

std::vector<FieldChange> changed_fields(std::string_view before, std::string_view after) {
    std::map<std::string, std::pair<std::optional<std::string>, std::optional<std::string>>> fields;
    for_each_member(before, [&](std::string_view k, std::string_view v) {
        fields[std::string(k)].first = std::string(v);
    });
    for_each_member(after, [&](std::string_view k, std::string_view v) {
        fields[std::string(k)].second = std::string(v);
    });
    std::vector<FieldChange> out;
    for (auto& [name, values] : fields)
        if (values.first != values.second) out.push_back({name, values.first, values.second});
    return out;
}

namespace {
// True when every row of `v` has `field`, never null (from the version's type counts).
bool every_row_has(const DatasetVersion& v, const std::string& field) {
    const auto& fields = v.schema.at("fields");
    auto it = fields.find(field);
    if (it == fields.end()) return false;
    std::int64_t rows_with_value = 0;
    for (const auto& [type, count] : it->items()) {
        if (type == "null") return false;
        rows_with_value += count.get<std::int64_t>();
    }
    return rows_with_value == v.rows;
}
} // namespace

std::optional<std::string> default_diff_key(const DatasetVersion& a, const DatasetVersion& b) {
    // An empty version has no fields, so it never has the key.
    const std::string id = "id";
    if (every_row_has(a, id) && every_row_has(b, id)) return id;
    return std::nullopt;
}

DatasetDiff diff_versions(store::Project& project, const DatasetVersion& a, const DatasetVersion& b,
                          const DiffOptions& options) {
    DatasetDiff diff;
    diff.rows_a = a.rows;
    diff.rows_b = b.rows;
    std::vector<ChunkRef> chunks_a = version_chunks(project.db(), a.id);
    std::vector<ChunkRef> chunks_b = version_chunks(project.db(), b.id);
    diff.chunks_total = static_cast<std::int64_t>(chunks_a.size() + chunks_b.size());
    ChunkTexts texts;
    std::vector<std::string_view> removed =
        rows_of_unshared_chunks(project, chunks_a, chunks_b, texts, diff.chunks_read);
    std::vector<std::string_view> added =
        rows_of_unshared_chunks(project, chunks_b, chunks_a, texts, diff.chunks_read);
    cancel_common_rows(removed, added);

    if (options.key) {
        // Pair rows by key: a key removed and added is a changed row.
        std::unordered_map<std::string, std::size_t> added_by_key;
        for (std::size_t i = 0; i < added.size(); ++i)
            if (auto k = field_value(added[i], *options.key)) added_by_key.emplace(*k, i);
        std::vector<bool> added_paired(added.size(), false);
        std::vector<std::string_view> unpaired_removed;
        for (std::string_view row : removed) {
            auto k = field_value(row, *options.key);
            auto it = k ? added_by_key.find(*k) : added_by_key.end();
            if (it == added_by_key.end() || added_paired[it->second]) {
                unpaired_removed.push_back(row);
                continue;
            }
            added_paired[it->second] = true;
            ++diff.changed;
            if (diff.changed_rows.size() < options.limit) {
                const std::string_view after = added[it->second];
                diff.changed_rows.push_back(
                    {*k, std::string(row), std::string(after), changed_fields(row, after)});
            }
        }
        std::vector<std::string_view> unpaired_added;
        for (std::size_t i = 0; i < added.size(); ++i)
            if (!added_paired[i]) unpaired_added.push_back(added[i]);
        removed = std::move(unpaired_removed);
        added = std::move(unpaired_added);
    }
    diff.added = static_cast<std::int64_t>(added.size());
    diff.removed = static_cast<std::int64_t>(removed.size());
    for (std::size_t i = 0; i < added.size() && i < options.limit; ++i)
        diff.added_rows.emplace_back(added[i]);
    for (std::size_t i = 0; i < removed.size() && i < options.limit; ++i)
        diff.removed_rows.emplace_back(removed[i]);
    return diff;
}

} // namespace llmops::data
