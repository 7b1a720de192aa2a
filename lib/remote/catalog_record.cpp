#include "remote/catalog_record.hpp"

#include "core/error.hpp"
#include "json/canonical_json.hpp"

#include <fmt/format.h>

namespace llmops::remote {

namespace {

using nlohmann::json;
using store::Statement;

json parse_json_column(const std::string& text) {
    return text.empty() ? json(nullptr) : json::parse(text);
}

json optional_hex(const std::optional<std::string>& hex) {
    return hex ? json(*hex) : json(nullptr);
}

// A string field, required.
std::string text_field(const json& body, const char* name, const std::string& where) {
    auto it = body.find(name);
    if (it == body.end() || !it->is_string())
        throw Error(ErrorKind::BadInput,
                    fmt::format("{}: field '{}' is missing or not a string", where, name));
    return it->get<std::string>();
}

Hash128 hash_field(const json& body, const char* name, const std::string& where) {
    std::string hex = text_field(body, name, where);
    if (!is_hex_hash(hex))
        throw Error(ErrorKind::BadInput,
                    fmt::format("{}: field '{}' is not a 32-digit hash", where, name));
    return Hash128::from_hex(hex);
}

bool valid_name_part(std::string_view part) {
    return !part.empty() && part != "." && part != ".." && part.find('/') == std::string_view::npos;
}

} // namespace

CatalogRecord make_record(json body) {
    CatalogRecord r;
    r.text = canonical_json(body);
    r.hash = hash128(r.text);
    r.kind = body.at("kind") == "dataset_version" ? RecordKind::DatasetVersion
                                                  : RecordKind::PromptVersion;
    bool dataset = r.kind == RecordKind::DatasetVersion;
    r.name = body.at(dataset ? "dataset" : "prompt").get<std::string>();
    r.content = Hash128::from_hex(body.at(dataset ? "manifest" : "spec").get<std::string>());
    r.created_at = body.at("created_at").get<std::string>();
    r.body = std::move(body);
    return r;
}

CatalogRecord parse_record(std::string_view text, const Hash128& expected,
                           const std::string& where) {
    Hash128 actual = hash128(text);
    if (actual != expected)
        throw Error(ErrorKind::BadInput,
                    fmt::format("{}: corrupt record: content hashes to {}", where, actual.hex()));
    json body;
    try {
        body = json::parse(text);
    } catch (const json::parse_error& e) {
        throw Error(ErrorKind::BadInput, fmt::format("{}: not JSON ({})", where, e.what()));
    }
    if (!body.is_object() || body.value("format", "") != kRecordFormat)
        throw Error(ErrorKind::BadInput, fmt::format("{}: not an {} record", where, kRecordFormat));
    std::string kind = text_field(body, "kind", where);
    if (kind != "dataset_version" && kind != "prompt_version")
        throw Error(ErrorKind::BadInput, fmt::format("{}: unknown record kind '{}'", where, kind));
    bool dataset = kind == "dataset_version";
    if (!valid_name_part(text_field(body, dataset ? "dataset" : "prompt", where)))
        throw Error(ErrorKind::BadInput, fmt::format("{}: invalid name", where));
    hash_field(body, dataset ? "manifest" : "spec", where);
    text_field(body, "created_at", where);
    text_field(body, "message", where);
    if (dataset) {
        for (const char* n : {"row_count", "bytes", "stored_bytes"})
            if (!body.contains(n) || !body[n].is_number_integer())
                throw Error(ErrorKind::BadInput,
                            fmt::format("{}: field '{}' is missing or not an integer", where, n));
        for (const char* n : {"schema", "sources", "provenance", "parent_manifest"})
            if (!body.contains(n))
                throw Error(ErrorKind::BadInput,
                            fmt::format("{}: field '{}' is missing", where, n));
    } else {
        text_field(body, "description", where);
        text_field(body, "source", where);
        if (!body.contains("parent_spec"))
            throw Error(ErrorKind::BadInput,
                        fmt::format("{}: field 'parent_spec' is missing", where));
    }
    CatalogRecord r = make_record(std::move(body));
    // Canonical text only: the name is the hash of exactly this form on both sides.
    if (r.text != text)
        throw Error(ErrorKind::BadInput, fmt::format("{}: record is not canonical JSON", where));
    return r;
}

std::optional<CatalogRef> parse_ref_path(std::string_view path) {
    CatalogRef ref;
    ref.path = std::string(path);
    std::string_view rest;
    if (path.starts_with("prompt-labels/")) {
        ref.kind = RecordKind::PromptVersion;
        rest = path.substr(14);
    } else if (path.starts_with("dataset-tags/")) {
        ref.kind = RecordKind::DatasetVersion;
        rest = path.substr(13);
    } else {
        return std::nullopt;
    }
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    ref.name = std::string(rest.substr(0, slash));
    ref.label = std::string(rest.substr(slash + 1));
    if (!valid_name_part(ref.name) || !valid_name_part(ref.label)) return std::nullopt;
    return ref;
}

std::string ref_document(const CatalogRef& ref, const std::optional<Hash128>& previous,
                         const std::string& updated_at) {
    json doc = {{"format", kRefFormat},
                {"ref", ref.path},
                {"target", ref.target.hex()},
                {"previous", previous ? json(previous->hex()) : json(nullptr)},
                {"updated_at", updated_at}};
    return canonical_json(doc);
}

CatalogRef parse_ref_document(std::string_view text, std::string_view path,
                              const std::string& where) {
    auto ref = parse_ref_path(path);
    if (!ref) throw Error(ErrorKind::BadInput, fmt::format("{}: not a ref path", where));
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        throw Error(ErrorKind::BadInput, fmt::format("{}: not JSON ({})", where, e.what()));
    }
    if (!doc.is_object() || doc.value("format", "") != kRefFormat)
        throw Error(ErrorKind::BadInput, fmt::format("{}: not an {} ref", where, kRefFormat));
    if (text_field(doc, "ref", where) != path)
        throw Error(ErrorKind::BadInput,
                    fmt::format("{}: names ref '{}'", where, doc["ref"].get<std::string>()));
    ref->target = hash_field(doc, "target", where);
    return *ref;
}

std::vector<ManifestChunk> manifest_chunks(std::string_view manifest_text,
                                           const std::string& where) {
    std::vector<ManifestChunk> out;
    try {
        json manifest = json::parse(manifest_text);
        for (const auto& chunk : manifest.at("chunks")) {
            std::string hex = chunk.at(0).get<std::string>();
            if (!is_hex_hash(hex)) throw Error(ErrorKind::BadInput, where + ": bad chunk hash");
            out.push_back({Hash128::from_hex(hex), chunk.at(1).get<std::int64_t>(),
                           chunk.at(2).get<std::int64_t>()});
        }
    } catch (const json::exception& e) {
        throw Error(ErrorKind::BadInput,
                    fmt::format("{}: bad dataset manifest ({})", where, e.what()));
    }
    return out;
}

LocalCatalog read_local_catalog(store::Database& db, const std::set<std::string>& names) {
    LocalCatalog out;
    auto wanted = [&](const std::string& name) { return names.empty() || names.contains(name); };
    {
        Statement st = db.prepare(
            "SELECT d.name, v.id, v.manifest, p.manifest, v.row_count, v.bytes, v.stored_bytes, "
            "v.schema, v.sources, v.provenance, v.message, v.created_at FROM dataset_versions v "
            "JOIN datasets d ON d.id = v.dataset_id LEFT JOIN dataset_versions p "
            "ON p.id = v.parent_id ORDER BY v.id");
        std::vector<std::pair<std::int64_t, std::size_t>> versions; // version id, record index
        while (st.step()) {
            std::string name = st.column_text(0);
            if (!wanted(name)) continue;
            json body = {{"format", kRecordFormat},
                         {"kind", "dataset_version"},
                         {"dataset", name},
                         {"manifest", st.column_text(2)},
                         {"parent_manifest", optional_hex(st.column_optional_text(3))},
                         {"row_count", st.column_int(4)},
                         {"bytes", st.column_int(5)},
                         {"stored_bytes", st.column_int(6)},
                         {"schema", parse_json_column(st.column_text(7))},
                         {"sources", parse_json_column(st.column_text(8))},
                         {"provenance", parse_json_column(st.column_text(9))},
                         {"message", st.column_text(10)},
                         {"created_at", st.column_text(11)}};
            out.records.push_back(make_record(std::move(body)));
            versions.emplace_back(st.column_int(1), out.records.size() - 1);
        }
        st.reset();
        for (const auto& [id, index] : versions) {
            const CatalogRecord& record = out.records[index];
            std::vector<Hash128>& objects = out.objects[record.hash];
            objects.push_back(record.content);
            Statement chunks = db.prepare("SELECT chunk FROM dataset_chunks WHERE version_id = ?");
            chunks.bind(1, id);
            while (chunks.step())
                objects.push_back(Hash128::from_hex(chunks.column_text(0)));
        }
    }
    {
        Statement st = db.prepare(
            "SELECT p.name, v.spec, pv.spec, v.description, v.source, v.message, v.created_at "
            "FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id "
            "LEFT JOIN prompt_versions pv ON pv.id = v.parent_id ORDER BY v.id");
        while (st.step()) {
            std::string name = st.column_text(0);
            if (!wanted(name)) continue;
            json body = {{"format", kRecordFormat},
                         {"kind", "prompt_version"},
                         {"prompt", name},
                         {"spec", st.column_text(1)},
                         {"parent_spec", optional_hex(st.column_optional_text(2))},
                         {"description", st.column_text(3)},
                         {"source", st.column_text(4)},
                         {"message", st.column_text(5)},
                         {"created_at", st.column_text(6)}};
            CatalogRecord record = make_record(std::move(body));
            out.objects[record.hash] = {record.content};
            out.records.push_back(std::move(record));
        }
    }
    {
        Statement st = db.prepare(
            "SELECT p.name, l.label, v.spec FROM prompt_labels l JOIN prompts p ON p.id = "
            "l.prompt_id JOIN prompt_versions v ON v.id = l.version_id ORDER BY p.name, l.label");
        while (st.step()) {
            if (!wanted(st.column_text(0))) continue;
            auto ref =
                parse_ref_path("prompt-labels/" + st.column_text(0) + "/" + st.column_text(1));
            if (!ref) continue; // a name a key cannot carry (has '/'): not shared
            ref->target = Hash128::from_hex(st.column_text(2));
            out.refs.push_back(std::move(*ref));
        }
    }
    {
        Statement st = db.prepare(
            "SELECT d.name, t.tag, v.manifest FROM dataset_tags t JOIN datasets d ON d.id = "
            "t.dataset_id JOIN dataset_versions v ON v.id = t.version_id ORDER BY d.name, t.tag");
        while (st.step()) {
            if (!wanted(st.column_text(0))) continue;
            auto ref =
                parse_ref_path("dataset-tags/" + st.column_text(0) + "/" + st.column_text(1));
            if (!ref) continue;
            ref->target = Hash128::from_hex(st.column_text(2));
            out.refs.push_back(std::move(*ref));
        }
    }
    return out;
}

} // namespace llmops::remote
