#include "store/store_json.hpp"

#include "store/migrations.hpp"

namespace llmops::store {

using nlohmann::json;

json init_to_json(const ProjectPaths& paths) {
    return {{"root", paths.root.string()},
            {"store", paths.store_dir.string()},
            {"config", paths.config_file.string()},
            {"schema_version", latest_schema_version()}};
}

json to_json(const StoreStatus& s) {
    json counts = json::object();
    for (const auto& c : s.counts)
        counts[c.kind] = c.count;
    return {{"root", s.root},
            {"schema_version", s.schema_version},
            {"counts", counts},
            {"objects", {{"count", s.object_count}, {"bytes", s.object_bytes}}},
            {"database_bytes", s.database_bytes},
            {"store_bytes", s.store_bytes},
            {"temp_files", {{"count", s.temp.count}, {"bytes", s.temp.bytes}}}};
}

json to_json(const FsckReport& report) {
    json problems = json::array();
    for (const auto& p : report.problems)
        problems.push_back({{"kind", p.kind}, {"subject", p.subject}, {"detail", p.detail}});
    return {{"ok", report.problems.empty()},
            {"objects_checked", report.objects_checked},
            {"references_checked", report.references_checked},
            {"problems", problems},
            {"temp_files", {{"count", report.temp.count}, {"bytes", report.temp.bytes}}}};
}

json to_json(const GcReport& report, bool dry_run) {
    json removed = json::array();
    for (const auto& o : report.removed_objects)
        removed.push_back({{"hash", o.hash.hex()}, {"bytes", o.stored_size}});
    return {{"dry_run", dry_run},
            {"removed_objects", removed},
            {"removed_temp_files", report.removed_temp_files},
            {"bytes_freed", report.bytes_freed},
            {"objects_kept", report.objects_kept}};
}

json to_json(const ObjectInfo& info) {
    return {{"hash", info.hash.hex()},
            {"size", info.size},
            {"stored_size", info.stored_size},
            {"compressed", info.compressed},
            {"existed", info.existed}};
}

} // namespace llmops::store
