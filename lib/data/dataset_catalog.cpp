#include "data/dataset_catalog.hpp"

#include "core/closest_match.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "data/dataset_ref.hpp"

#include <algorithm>

namespace llmops::data {

using store::Statement;

namespace {
constexpr const char* kVersionColumns =
    "SELECT v.id, v.dataset_id, d.name, v.number, v.manifest, p.number, v.row_count, v.bytes, "
    "v.stored_bytes, v.schema, v.sources, v.provenance, v.message, v.created_at "
    "FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id "
    "LEFT JOIN dataset_versions p ON p.id = v.parent_id ";

DatasetVersion read_version(store::Database& db, Statement& st) {
    DatasetVersion v;
    v.id = st.column_int(0);
    v.dataset_id = st.column_int(1);
    v.name = st.column_text(2);
    v.number = st.column_int(3);
    v.manifest = st.column_text(4);
    if (!st.is_null(5)) v.parent_number = st.column_int(5);
    v.rows = st.column_int(6);
    v.bytes = st.column_int(7);
    v.stored_bytes = st.column_int(8);
    v.schema = nlohmann::json::parse(st.column_text(9));
    v.sources = nlohmann::json::parse(st.column_text(10));
    v.provenance = nlohmann::json::parse(st.column_text(11));
    v.message = st.column_text(12);
    v.created_at = st.column_text(13);
    Statement tags = db.prepare("SELECT tag FROM dataset_tags WHERE version_id = ? ORDER BY tag");
    tags.bind(1, v.id);
    while (tags.step())
        v.tags.push_back(tags.column_text(0));
    return v;
}

std::vector<DatasetVersion> query_versions(store::Database& db, const std::string& where,
                                           const std::string& name, const std::string& arg) {
    Statement st = db.prepare(std::string(kVersionColumns) + where);
    st.bind(1, name);
    if (!arg.empty()) st.bind(2, arg);
    std::vector<DatasetVersion> out;
    while (st.step())
        out.push_back(read_version(db, st));
    return out;
}

bool is_number(const std::string& s) {
    return !s.empty() && s.size() < 18 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_hex_prefix(const std::string& s) {
    return s.size() >= 4 && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::int64_t dataset_id(store::Database& db, const std::string& name) {
    Statement st = db.prepare("SELECT id FROM datasets WHERE name = ?");
    st.bind(1, name);
    if (!st.step()) {
        std::vector<std::string> names;
        for (Statement all = db.prepare("SELECT name FROM datasets ORDER BY name"); all.step();)
            names.push_back(all.column_text(0));
        throw Error(ErrorKind::BadInput,
                    with_did_you_mean("no dataset named '" + name + "'", name, names), {},
                    "run 'llmops data list' to see the datasets");
    }
    return st.column_int(0);
}
} // namespace

std::optional<DatasetVersion> latest_version(store::Database& db, const std::string& name) {
    auto found = query_versions(db, "WHERE d.name = ? ORDER BY v.number DESC LIMIT 1", name, "");
    if (found.empty()) return std::nullopt;
    return found.front();
}

std::optional<DatasetVersion> find_version_by_id(store::Database& db, std::int64_t version_id) {
    Statement st = db.prepare(std::string(kVersionColumns) + "WHERE v.id = ?");
    st.bind(1, version_id);
    if (!st.step()) return std::nullopt;
    return read_version(db, st);
}

DatasetVersion resolve_version(store::Database& db, const std::string& ref) {
    DatasetRef parsed = parse_dataset_ref(ref);
    dataset_id(db, parsed.name); // "no dataset named" first
    std::string selector = parsed.selector.value_or("latest");
    if (selector == "latest") {
        if (auto v = latest_version(db, parsed.name)) return *v;
        throw Error(ErrorKind::BadInput, "dataset '" + parsed.name + "' has no versions");
    }
    if (is_number(selector)) {
        Statement st =
            db.prepare(std::string(kVersionColumns) + "WHERE d.name = ? AND v.number = ?");
        st.bind(1, parsed.name).bind(2, static_cast<std::int64_t>(std::stoll(selector)));
        if (st.step()) return read_version(db, st);
        throw Error(ErrorKind::BadInput, "dataset '" + parsed.name + "' has no version " + selector,
                    {}, "run 'llmops data log " + parsed.name + "' to see its versions");
    }
    auto tagged = query_versions(
        db, "JOIN dataset_tags t ON t.version_id = v.id WHERE d.name = ? AND t.tag = ?",
        parsed.name, selector);
    if (!tagged.empty()) return tagged.front();
    if (is_hex_prefix(selector)) {
        auto matches = query_versions(
            db, "WHERE d.name = ? AND substr(v.manifest, 1, length(?2)) = ?2 ORDER BY v.number",
            parsed.name, selector);
        if (matches.size() == 1) return matches.front();
        if (matches.size() > 1)
            throw Error(ErrorKind::BadInput,
                        "hash prefix '" + selector + "' is ambiguous in '" + parsed.name + "'");
    }
    throw Error(ErrorKind::BadInput,
                "dataset '" + parsed.name + "' has no version, tag or hash '" + selector + "'", {},
                "run 'llmops data log " + parsed.name + "' to see its versions");
}

std::vector<DatasetSummary> list_datasets(store::Database& db) {
    std::vector<DatasetSummary> out;
    Statement st = db.prepare(
        "SELECT d.name, count(v.id) FROM datasets d JOIN dataset_versions v ON v.dataset_id = d.id "
        "GROUP BY d.id ORDER BY d.name");
    std::vector<std::pair<std::string, std::int64_t>> names;
    while (st.step())
        names.emplace_back(st.column_text(0), st.column_int(1));
    for (auto& [name, count] : names) {
        if (auto latest = latest_version(db, name)) out.push_back({name, count, *latest});
    }
    return out;
}

std::vector<DatasetVersion> dataset_log(store::Database& db, const std::string& name) {
    validate_dataset_name(name);
    dataset_id(db, name);
    return query_versions(db, "WHERE d.name = ? ORDER BY v.number DESC", name, "");
}

std::vector<ChunkRef> version_chunks(store::Database& db, std::int64_t version_id) {
    Statement st = db.prepare(
        "SELECT chunk, row_count, bytes FROM dataset_chunks WHERE version_id = ? ORDER BY seq");
    st.bind(1, version_id);
    std::vector<ChunkRef> out;
    while (st.step())
        out.push_back({st.column_text(0), st.column_int(1), st.column_int(2)});
    return out;
}

void tag_version(store::Database& db, const DatasetVersion& version, const std::string& tag) {
    validate_dataset_name(tag, "tag");
    if (tag == "latest" || is_number(tag))
        throw Error(ErrorKind::BadInput,
                    "invalid tag '" + tag + "': 'latest' and numbers name versions already");
    db.prepare("INSERT INTO dataset_tags (dataset_id, tag, version_id, created_at) "
               "VALUES (?, ?, ?, ?) ON CONFLICT (dataset_id, tag) DO UPDATE SET "
               "version_id = excluded.version_id, created_at = excluded.created_at")
        .bind(1, version.dataset_id)
        .bind(2, tag)
        .bind(3, version.id)
        .bind(4, now_iso8601())
        .run();
}

std::int64_t remove_dataset(store::Database& db, const std::string& name,
                            const std::optional<std::string>& selector) {
    std::int64_t id = dataset_id(db, name);
    store::Transaction tx(db);
    std::int64_t removed = 0;
    if (!selector) {
        Statement count = db.prepare("SELECT count(*) FROM dataset_versions WHERE dataset_id = ?");
        count.bind(1, id);
        count.step();
        removed = count.column_int(0);
        db.prepare("DELETE FROM datasets WHERE id = ?").bind(1, id).run();
    } else {
        DatasetVersion v = resolve_version(db, name + "@" + *selector);
        db.prepare("DELETE FROM dataset_versions WHERE id = ?").bind(1, v.id).run();
        removed = 1;
    }
    tx.commit();
    return removed;
}

} // namespace llmops::data
