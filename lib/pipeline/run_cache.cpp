#include "pipeline/run_cache.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/time.hpp"
#include "data/dataset_catalog.hpp"

namespace llmops::pipeline {

using nlohmann::json;

RunCache::RunCache(store::Project& project, std::filesystem::path root)
    : project_(project), root_(std::move(root)) {}

void RunCache::save(const std::string& key, const Stage& stage, const ValueHashes& outs,
                    const std::map<std::string, PathHash>& paths) {
    json record = json::object();
    std::vector<std::string> objects;
    auto keep = [&](const std::filesystem::path& file, const Hash128& expected) {
        auto info = project_.objects().put_file(file);
        // A file rewritten since it was hashed: keep what is there, the entry says so.
        objects.push_back(info.hash.hex());
        return info.hash == expected;
    };
    for (const auto& out : stage.outs) {
        if (out.kind == OutKind::Dataset) {
            auto it = outs.find(out.id());
            if (it == outs.end()) return; // no dataset to point at: nothing restorable
            record[out.id()] = {{"kind", "dataset"}, {"hash", it->second}};
            continue;
        }
        const PathHash& h = paths.at(out.target);
        if (!h.exists) return;
        if (!h.folder) {
            if (!keep(root_ / out.target, h.hash)) return;
            record[out.id()] = {{"kind", "file"}, {"hash", h.hash.hex()}};
            continue;
        }
        json files = json::array();
        for (const auto& [rel, hash] : h.listing) {
            if (!keep(root_ / out.target / rel, hash)) return;
            files.push_back({rel, hash.hex()});
        }
        record[out.id()] = {{"kind", "folder"}, {"hash", h.hash.hex()}, {"files", files}};
    }
    store::Database& db = project_.db();
    store::Transaction tx(db);
    db.prepare("INSERT INTO pipeline_cache (stage_key, stage, outs, created_at) VALUES (?, ?, ?, "
               "?) ON CONFLICT (stage_key) DO UPDATE SET stage = excluded.stage, "
               "outs = excluded.outs, created_at = excluded.created_at")
        .bind(1, key)
        .bind(2, stage.name)
        .bind(3, record.dump())
        .bind(4, now_iso8601())
        .run();
    db.prepare("DELETE FROM pipeline_cache_objects WHERE stage_key = ?").bind(1, key).run();
    store::Statement add = db.prepare(
        "INSERT OR IGNORE INTO pipeline_cache_objects (stage_key, object) VALUES (?, ?)");
    for (const auto& object : objects) {
        add.bind(1, key).bind(2, object).run();
        add.reset();
    }
    tx.commit();
}

bool RunCache::has(const std::string& key) {
    store::Statement st = project_.db().prepare("SELECT 1 FROM pipeline_cache WHERE stage_key = ?");
    st.bind(1, key);
    return st.step();
}

bool RunCache::restore(const std::string& key, const Stage& stage) {
    store::Statement st =
        project_.db().prepare("SELECT outs FROM pipeline_cache WHERE stage_key = ?");
    st.bind(1, key);
    if (!st.step()) return false;
    json record = json::parse(st.column_text(0));
    st.reset();
    // Check everything first, so that a restore that cannot finish changes nothing.
    for (const auto& out : stage.outs) {
        if (!record.contains(out.id())) return false;
        const json& entry = record[out.id()];
        if (entry["kind"] == "dataset") {
            auto latest = data::latest_version(project_.db(), out.target);
            if (!latest || latest->manifest != entry["hash"]) return false;
        } else if (entry["kind"] == "file") {
            if (!project_.objects().has(Hash128::from_hex(entry["hash"].get<std::string>())))
                return false;
        } else {
            for (const auto& file : entry["files"])
                if (!project_.objects().has(Hash128::from_hex(file[1].get<std::string>())))
                    return false;
        }
    }
    auto write_object = [&](const std::string& hex, const std::filesystem::path& target) {
        std::filesystem::create_directories(target.parent_path());
        TempFile tmp(project_.paths().tmp_dir, "restore-");
        project_.objects().read(Hash128::from_hex(hex),
                                [&](std::string_view block) { tmp.write(block); });
        tmp.commit_to(target);
    };
    for (const auto& out : stage.outs) {
        const json& entry = record[out.id()];
        std::filesystem::path target = root_ / out.target;
        if (entry["kind"] == "file") {
            write_object(entry["hash"].get<std::string>(), target);
        } else if (entry["kind"] == "folder") {
            std::filesystem::remove_all(target);
            std::filesystem::create_directories(target);
            for (const auto& file : entry["files"])
                write_object(file[1].get<std::string>(), target / file[0].get<std::string>());
        }
    }
    return true;
}

} // namespace llmops::pipeline
