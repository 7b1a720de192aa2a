#include "remote/remote_pull.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/time.hpp"
#include "remote/catalog_record.hpp"
#include "remote/remote_layout.hpp"
#include "json/canonical_json.hpp"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <memory>
#include <zstd.h>

namespace llmops::remote {

namespace {

using nlohmann::json;
using store::Database;
namespace fs = std::filesystem;

struct DCtxDeleter {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

// The content of a stored object; nullopt when the zstd frame is corrupt or cut off.
std::optional<std::string> decompress(std::string_view stored) {
    std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
    std::string out;
    std::string buffer(ZSTD_DStreamOutSize(), '\0');
    ZSTD_inBuffer in{stored.data(), stored.size(), 0};
    std::size_t last = 1;
    bool output_full = true;
    while (in.pos < in.size || output_full) {
        ZSTD_outBuffer o{buffer.data(), buffer.size(), 0};
        last = ZSTD_decompressStream(ctx.get(), &o, &in);
        if (ZSTD_isError(last)) return std::nullopt;
        out.append(buffer.data(), o.pos);
        output_full = o.pos == o.size && last != 0;
        if (in.pos == in.size && !output_full) break;
    }
    if (last != 0) return std::nullopt;
    return out;
}

// Verified objects waiting in .llmops/tmp/ for the transaction that references them; removed
// unless installed, so a failed pull leaves objects/ as it was.
class StagedObjects {
  public:
    explicit StagedObjects(store::ObjectStore& store) : store_(store) {}
    ~StagedObjects() {
        for (const auto& s : staged_) {
            std::error_code ec;
            fs::remove(s.path, ec);
        }
    }
    StagedObjects(const StagedObjects&) = delete;
    StagedObjects& operator=(const StagedObjects&) = delete;

    void add(const Hash128& hash, bool compressed, std::string_view stored) {
        TempFile tmp(store_.tmp_dir(), "pull-");
        tmp.write(stored);
        fsync_fd(tmp.fd(), tmp.path());
        tmp.keep();
        staged_.push_back({hash, compressed, tmp.path()});
    }

    void install() {
        std::set<fs::path> shards;
        for (auto& s : staged_) {
            if (store_.has(s.hash)) continue;
            fs::path target = store_.path_for(s.hash, s.compressed);
            fs::create_directories(target.parent_path());
            fs::rename(s.path, target);
            shards.insert(target.parent_path());
        }
        for (const auto& dir : shards)
            fsync_directory(dir);
        staged_.clear();
    }

  private:
    struct Staged {
        Hash128 hash;
        bool compressed;
        fs::path path;
    };
    store::ObjectStore& store_;
    std::vector<Staged> staged_;
};

std::string identity(RecordKind kind, const std::string& name, const Hash128& content) {
    return fmt::format("{}:{}:{}", kind == RecordKind::DatasetVersion ? "d" : "p", name,
                       content.hex());
}

std::optional<std::int64_t> version_id(Database& db, RecordKind kind, const std::string& name,
                                       const std::string& content_hex) {
    auto st = db.prepare(kind == RecordKind::DatasetVersion
                             ? "SELECT v.id FROM dataset_versions v JOIN datasets d ON d.id = "
                               "v.dataset_id WHERE d.name = ? AND v.manifest = ? "
                               "ORDER BY v.number DESC LIMIT 1"
                             : "SELECT v.id FROM prompt_versions v JOIN prompts p ON p.id = "
                               "v.prompt_id WHERE p.name = ? AND v.spec = ? "
                               "ORDER BY v.number DESC LIMIT 1");
    st.bind(1, name).bind(2, content_hex);
    if (!st.step()) return std::nullopt;
    return st.column_int(0);
}

// Returns the new version's number.
std::int64_t apply_dataset_version(Database& db, const CatalogRecord& r,
                                   const std::vector<ManifestChunk>& chunks) {
    const json& b = r.body;
    std::string now = now_iso8601();
    db.prepare("INSERT INTO datasets (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO "
               "NOTHING")
        .bind(1, r.name)
        .bind(2, now)
        .run();
    std::int64_t dataset_id = 0, number = 0;
    {
        auto st = db.prepare("SELECT id, next_number FROM datasets WHERE name = ?");
        st.bind(1, r.name);
        st.step();
        dataset_id = st.column_int(0);
        number = st.column_int(1);
    }
    db.prepare("UPDATE datasets SET next_number = ? WHERE id = ?")
        .bind(1, number + 1)
        .bind(2, dataset_id)
        .run();
    std::optional<std::int64_t> parent;
    if (b["parent_manifest"].is_string())
        parent = version_id(db, RecordKind::DatasetVersion, r.name,
                            b["parent_manifest"].get<std::string>());
    auto text = [](const json& v) { return v.is_null() ? std::string() : canonical_json(v); };
    db.prepare("INSERT INTO dataset_versions (dataset_id, number, manifest, parent_id, row_count, "
               "bytes, stored_bytes, schema, sources, provenance, message, created_at) VALUES "
               "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, dataset_id)
        .bind(2, number)
        .bind(3, r.content.hex())
        .bind(4, parent)
        .bind(5, b["row_count"].get<std::int64_t>())
        .bind(6, b["bytes"].get<std::int64_t>())
        .bind(7, b["stored_bytes"].get<std::int64_t>())
        .bind(8, text(b["schema"]))
        .bind(9, text(b["sources"]))
        .bind(10, text(b["provenance"]))
        .bind(11, b["message"].get<std::string>())
        .bind(12, r.created_at)
        .run();
    std::int64_t id = db.last_insert_rowid();
    auto insert = db.prepare(
        "INSERT INTO dataset_chunks (version_id, seq, chunk, row_count, bytes) VALUES (?, ?, ?, "
        "?, ?)");
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        insert.bind(1, id)
            .bind(2, static_cast<std::int64_t>(i))
            .bind(3, chunks[i].hash.hex())
            .bind(4, chunks[i].rows)
            .bind(5, chunks[i].bytes)
            .run();
        insert.reset();
    }
    return number;
}

std::int64_t apply_prompt_version(Database& db, const CatalogRecord& r) {
    const json& b = r.body;
    db.prepare("INSERT INTO prompts (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO "
               "NOTHING")
        .bind(1, r.name)
        .bind(2, now_iso8601())
        .run();
    std::int64_t prompt_id = 0, number = 0;
    {
        auto st = db.prepare("SELECT id, next_number FROM prompts WHERE name = ?");
        st.bind(1, r.name);
        st.step();
        prompt_id = st.column_int(0);
        number = st.column_int(1);
    }
    db.prepare("UPDATE prompts SET next_number = ? WHERE id = ?")
        .bind(1, number + 1)
        .bind(2, prompt_id)
        .run();
    std::optional<std::int64_t> parent;
    if (b["parent_spec"].is_string()) {
        auto st = db.prepare("SELECT id FROM prompt_versions WHERE spec = ? ORDER BY id LIMIT 1");
        st.bind(1, b["parent_spec"].get<std::string>());
        if (st.step()) parent = st.column_int(0);
    }
    db.prepare("INSERT INTO prompt_versions (prompt_id, number, spec, parent_id, description, "
               "source, message, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, prompt_id)
        .bind(2, number)
        .bind(3, r.content.hex())
        .bind(4, parent)
        .bind(5, b["description"].get<std::string>())
        .bind(6, b["source"].get<std::string>())
        .bind(7, b["message"].get<std::string>())
        .bind(8, r.created_at)
        .run();
    return number;
}

void apply_ref(Database& db, const CatalogRef& ref, const std::string& now) {
    std::int64_t target = *version_id(db, ref.kind, ref.name, ref.target.hex());
    if (ref.kind == RecordKind::DatasetVersion) {
        db.prepare("INSERT INTO dataset_tags (dataset_id, tag, version_id, created_at) SELECT "
                   "dataset_id, ?, id, ? FROM dataset_versions WHERE id = ? ON CONFLICT "
                   "(dataset_id, tag) DO UPDATE SET version_id = excluded.version_id, "
                   "created_at = excluded.created_at")
            .bind(1, ref.label)
            .bind(2, now)
            .bind(3, target)
            .run();
        return;
    }
    std::optional<std::int64_t> from;
    std::int64_t prompt_id = 0;
    {
        auto st = db.prepare("SELECT prompt_id FROM prompt_versions WHERE id = ?");
        st.bind(1, target);
        st.step();
        prompt_id = st.column_int(0);
    }
    {
        auto st =
            db.prepare("SELECT version_id FROM prompt_labels WHERE prompt_id = ? AND label = ?");
        st.bind(1, prompt_id).bind(2, ref.label);
        if (st.step()) from = st.column_int(0);
    }
    db.prepare("INSERT INTO prompt_labels (prompt_id, label, version_id, updated_at) VALUES (?, "
               "?, ?, ?) ON CONFLICT (prompt_id, label) DO UPDATE SET version_id = "
               "excluded.version_id, updated_at = excluded.updated_at")
        .bind(1, prompt_id)
        .bind(2, ref.label)
        .bind(3, target)
        .bind(4, now)
        .run();
    db.prepare("INSERT INTO prompt_label_events (prompt_id, label, from_version_id, "
               "to_version_id, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(1, prompt_id)
        .bind(2, ref.label)
        .bind(3, from)
        .bind(4, target)
        .bind(5, now)
        .run();
}

} // namespace

PullResult pull(store::Project& project, S3Client& s3, const RemoteConfig& remote,
                const PullOptions& options, const TransferProgress& progress) {
    auto started = std::chrono::steady_clock::now();
    PullResult result;
    result.remote = remote.name;
    result.url = remote.location.url();
    Database& db = project.db();
    store::ObjectStore& objects = project.objects();
    std::string where = fmt::format("remote '{}'", remote.name);

    LocalCatalog local = read_local_catalog(db);
    std::set<Hash128> local_records;
    std::set<std::string> known; // versions here or arriving, by identity
    for (const auto& r : local.records) {
        local_records.insert(r.hash);
        known.insert(identity(r.kind, r.name, r.content));
    }

    // 1. Records this project lacks, verified against their names.
    std::map<Hash128, std::string> remote_records = list_remote_records(s3);
    std::vector<std::string> keys;
    std::map<std::string, Hash128> hash_of_key;
    for (const auto& [hash, key] : remote_records)
        if (!local_records.contains(hash)) {
            keys.push_back(key);
            hash_of_key[key] = hash;
        }
    std::vector<CatalogRecord> arriving;
    s3.get_many(keys, [&](const std::string& key, std::optional<std::string> body) {
        if (!body)
            throw Error(ErrorKind::Provider,
                        fmt::format("{}: {} vanished while pulling", where, key));
        CatalogRecord r = parse_record(*body, hash_of_key[key], where + ": " + key);
        // A version this project has already (same name and content): nothing to add.
        if (known.insert(identity(r.kind, r.name, r.content)).second)
            arriving.push_back(std::move(r));
    });
    result.records_received = keys.size();

    // 2. Refs, and what they would do here.
    std::map<std::string, std::string> ref_keys = list_remote_refs(s3);
    std::vector<std::string> ref_key_list;
    std::map<std::string, std::string> path_of_key;
    for (const auto& [path, key] : ref_keys)
        if (parse_ref_path(path)) {
            ref_key_list.push_back(key);
            path_of_key[key] = path;
        }
    std::vector<CatalogRef> remote_refs;
    s3.get_many(ref_key_list, [&](const std::string& key, std::optional<std::string> body) {
        if (body)
            remote_refs.push_back(parse_ref_document(*body, path_of_key[key], where + ": " + key));
    });
    std::sort(remote_refs.begin(), remote_refs.end(),
              [](const CatalogRef& a, const CatalogRef& b) { return a.path < b.path; });
    std::map<std::string, Hash128> local_refs;
    for (const auto& ref : local.refs)
        local_refs[ref.path] = ref.target;
    std::map<std::string, Hash128> tracking = read_tracking(db, remote.name);
    std::vector<std::string> conflicts;
    std::vector<CatalogRef> to_apply;
    for (const auto& ref : remote_refs) {
        if (!known.contains(identity(ref.kind, ref.name, ref.target)))
            throw Error(ErrorKind::BadInput,
                        fmt::format("{}: ref {} points at {} which no record on the remote names",
                                    where, ref.path, ref.target.hex()));
        RefUpdate u{ref.path, std::nullopt, ref.target, ""};
        if (auto it = local_refs.find(ref.path); it != local_refs.end()) u.before = it->second;
        auto seen = tracking.find(ref.path);
        if (u.before && *u.before == ref.target)
            u.status = "up-to-date";
        else if (!u.before)
            u.status = "created";
        else if (seen != tracking.end() && seen->second == *u.before)
            u.status = "updated";
        else if (options.force)
            u.status = "forced";
        else {
            u.status = "rejected";
            conflicts.push_back(fmt::format("{} (local {}, remote {})", ref.path,
                                            u.before->short_hex(), ref.target.short_hex()));
        }
        if (u.status != "up-to-date" && u.status != "rejected") to_apply.push_back(ref);
        result.refs.push_back(std::move(u));
    }
    if (!conflicts.empty())
        throw Error(ErrorKind::CheckFailed,
                    fmt::format("pull from '{}' rejected: {} moved both here and on the remote{}",
                                remote.name, conflicts.front(),
                                conflicts.size() > 1
                                    ? fmt::format(" (and {} more)", conflicts.size() - 1)
                                    : ""),
                    {},
                    "decide: 'llmops pull --force' takes the remote's value, 'llmops push "
                    "--force' keeps yours");

    // 3. Objects: the manifests and specs first, then the chunks the manifests list.
    std::map<Hash128, RemoteObject> remote_objects;
    bool listed = false;
    StagedObjects staged(objects);
    std::set<Hash128> fetched;
    std::map<Hash128, std::string> contents; // manifests, by hash
    auto fetch = [&](const std::vector<std::pair<Hash128, std::string>>& wanted, bool keep) {
        std::vector<std::string> object_keys;
        std::map<std::string, std::pair<Hash128, bool>> of_key;
        for (const auto& [hash, owner] : wanted) {
            if (objects.has(hash) || fetched.contains(hash)) continue;
            if (!listed) {
                remote_objects = list_remote_objects(s3);
                listed = true;
            }
            auto it = remote_objects.find(hash);
            if (it == remote_objects.end())
                throw Error(ErrorKind::BadInput,
                            fmt::format("{}: object {} of {} is missing from the remote", where,
                                        hash.hex(), owner));
            if (of_key.emplace(it->second.key, std::make_pair(hash, it->second.compressed)).second)
                object_keys.push_back(it->second.key);
        }
        s3.get_many(object_keys, [&](const std::string& key, std::optional<std::string> body) {
            auto [hash, compressed] = of_key[key];
            if (!body)
                throw Error(ErrorKind::Provider,
                            fmt::format("{}: {} vanished while pulling", where, key));
            std::optional<std::string> content =
                compressed ? decompress(*body) : std::optional<std::string>(*body);
            if (!content)
                throw Error(
                    ErrorKind::BadInput,
                    fmt::format("{}: corrupt object {}: truncated or invalid zstd", where, key));
            Hash128 actual = hash128(*content);
            if (actual != hash)
                throw Error(ErrorKind::BadInput,
                            fmt::format("{}: corrupt object {}: content hashes to {}", where, key,
                                        actual.hex()));
            staged.add(hash, compressed, *body);
            fetched.insert(hash);
            ++result.objects_received;
            result.bytes_received += body->size();
            if (progress) progress(result.bytes_received, 0);
            if (keep) contents[hash] = std::move(*content);
        });
    };
    std::vector<std::pair<Hash128, std::string>> first;
    for (const auto& r : arriving)
        first.emplace_back(r.content, r.name);
    fetch(first, true);
    std::map<Hash128, std::vector<ManifestChunk>> chunks_of;
    std::vector<std::pair<Hash128, std::string>> second;
    for (const auto& r : arriving) {
        if (r.kind != RecordKind::DatasetVersion) continue;
        auto it = contents.find(r.content);
        std::string text = it != contents.end() ? it->second : objects.get(r.content);
        auto chunks =
            manifest_chunks(text, fmt::format("{}: manifest of dataset {}", where, r.name));
        for (const auto& c : chunks)
            second.emplace_back(c.hash, "dataset " + r.name);
        chunks_of[r.content] = std::move(chunks);
    }
    fetch(second, false);

    // 4. One transaction: objects in place, versions in the order they were made, refs.
    std::sort(arriving.begin(), arriving.end(), [](const CatalogRecord& a, const CatalogRecord& b) {
        return std::tie(a.created_at, a.name) < std::tie(b.created_at, b.name);
    });
    store::Transaction tx(db);
    staged.install();
    for (const auto& r : arriving) {
        if (r.kind == RecordKind::DatasetVersion)
            result.versions_added.push_back(fmt::format(
                "dataset {}@{}", r.name, apply_dataset_version(db, r, chunks_of[r.content])));
        else
            result.versions_added.push_back(
                fmt::format("prompt {}@{}", r.name, apply_prompt_version(db, r)));
    }
    std::string now = now_iso8601();
    for (const auto& ref : to_apply)
        apply_ref(db, ref, now);
    for (const auto& ref : remote_refs)
        write_tracking(db, remote.name, ref.path, ref.target);
    tx.commit();
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

json to_json(const PullResult& r) {
    json refs = json::array();
    for (const auto& u : r.refs)
        refs.push_back(to_json(u));
    return {{"remote", r.remote},
            {"url", r.url},
            {"records_received", r.records_received},
            {"objects_received", r.objects_received},
            {"bytes_received", r.bytes_received},
            {"versions_added", r.versions_added},
            {"refs", refs},
            {"seconds", r.seconds}};
}

} // namespace llmops::remote
