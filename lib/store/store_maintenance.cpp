#include "store/store_maintenance.hpp"

#include "core/error.hpp"
#include "store/object_references.hpp"

#include <unordered_set>

namespace llmops::store {

namespace fs = std::filesystem;

namespace {
struct CountedKind {
    const char* kind;
    const char* sql;
};
// Extended as domains add tables.
const CountedKind kCountedKinds[] = {
    {"datasets", "SELECT count(*) FROM datasets"},
    {"dataset versions", "SELECT count(*) FROM dataset_versions"},
    {"prompts", "SELECT count(*) FROM prompts"},
    {"prompt versions", "SELECT count(*) FROM prompt_versions"},
    {"cached responses", "SELECT count(*) FROM provider_cache"},
};

std::uint64_t file_size_or_zero(const fs::path& p) {
    std::error_code ec;
    auto size = fs::file_size(p, ec);
    return ec ? 0 : size;
}
} // namespace

TempFiles temp_files(const ProjectPaths& paths) {
    TempFiles temp;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(paths.tmp_dir, ec)) {
        ++temp.count;
        temp.bytes +=
            entry.is_directory(ec) ? directory_size(entry.path()) : file_size_or_zero(entry.path());
    }
    return temp;
}

StoreStatus store_status(Project& project) {
    StoreStatus status;
    status.root = project.paths().root.string();
    status.schema_version = project.db().user_version();
    for (const auto& kind : kCountedKinds) {
        Statement st = project.db().prepare(kind.sql);
        st.step();
        status.counts.push_back({kind.kind, st.column_int(0)});
    }
    for (const auto& object : project.objects().list()) {
        ++status.object_count;
        status.object_bytes += object.stored_size;
    }
    if (project.db().dialect() == Dialect::PostgreSQL) {
        Statement size = project.db().prepare("SELECT pg_database_size(current_database())");
        size.step();
        status.database_bytes = static_cast<std::uint64_t>(size.column_int(0));
    } else {
        const fs::path& db = project.paths().db_file;
        status.database_bytes = file_size_or_zero(db) + file_size_or_zero(db.string() + "-wal");
    }
    status.store_bytes = directory_size(project.paths().store_dir);
    status.temp = temp_files(project.paths());
    return status;
}

FsckReport check_store(Project& project) {
    FsckReport report;
    // PostgreSQL checks its pages and enforces every foreign key itself.
    if (project.db().dialect() == Dialect::SQLite) {
        Statement st = project.db().prepare("PRAGMA integrity_check");
        while (st.step()) {
            std::string line = st.column_text(0);
            if (line != "ok") report.problems.push_back({"database", "store.db", line});
        }
        Statement fk = project.db().prepare("PRAGMA foreign_key_check");
        while (fk.step())
            report.problems.push_back({"database", fk.column_text(0),
                                       "row " + fk.column_text(1) + " breaks a foreign key"});
    }
    for (const auto& object : project.objects().list()) {
        ++report.objects_checked;
        ObjectCheck check = project.objects().verify(object.hash);
        if (check.problem != ObjectProblem::Ok)
            report.problems.push_back({"corrupt-object", object.hash.hex(),
                                       check.detail + " (" + object.path.string() + ")"});
    }
    for (const auto& ref : list_object_references(project.db())) {
        ++report.references_checked;
        if (!is_hex_hash(ref.hash_hex)) {
            report.problems.push_back({"bad-reference", ref.hash_hex, ref.owner});
            continue;
        }
        if (!project.objects().has(Hash128::from_hex(ref.hash_hex)))
            report.problems.push_back(
                {"missing-object", ref.hash_hex, "referenced by " + ref.owner});
    }
    report.temp = temp_files(project.paths());
    return report;
}

GcReport collect_garbage(Project& project, bool dry_run) {
    GcReport report;
    std::unordered_set<std::string> referenced;
    for (auto& ref : list_object_references(project.db()))
        referenced.insert(std::move(ref.hash_hex));
    for (const auto& object : project.objects().list()) {
        if (referenced.count(object.hash.hex())) {
            ++report.objects_kept;
            continue;
        }
        if (!dry_run) project.objects().remove(object);
        report.bytes_freed += object.stored_size;
        report.removed_objects.push_back(object);
    }
    // With the exclusive lock held no writer is running, so every temp file is stale.
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(project.paths().tmp_dir, ec)) {
        report.bytes_freed +=
            entry.is_directory(ec) ? directory_size(entry.path()) : file_size_or_zero(entry.path());
        report.removed_temp_files.push_back(entry.path().filename().string());
        if (!dry_run) fs::remove_all(entry.path(), ec);
    }
    return report;
}

} // namespace llmops::store
