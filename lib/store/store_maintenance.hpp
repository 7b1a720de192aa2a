#pragma once
// Store upkeep behind `llmops status`, `llmops fsck` and `llmops gc`.
#include "store/project.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace llmops::store {

struct KindCount {
    std::string kind; // "datasets", "dataset versions", ...
    std::int64_t count = 0;
};

// What .llmops/tmp/ holds: staging files of writes in progress, or left behind by commands
// that were killed. `llmops gc` removes them.
struct TempFiles {
    std::int64_t count = 0;
    std::uint64_t bytes = 0;
};

TempFiles temp_files(const ProjectPaths& paths);

struct StoreStatus {
    std::string root;
    int schema_version = 0;
    std::vector<KindCount> counts;
    std::int64_t object_count = 0;
    std::uint64_t object_bytes = 0;   // on disk
    std::uint64_t database_bytes = 0; // store.db plus WAL, or the PostgreSQL database
    std::uint64_t store_bytes = 0;    // all of .llmops/
    TempFiles temp;                   // in .llmops/tmp/
};

StoreStatus store_status(Project& project);

struct FsckProblem {
    std::string kind;    // "database", "corrupt-object", "missing-object", "stray-file"
    std::string subject; // the object hash or file
    std::string detail;
};

struct FsckReport {
    std::int64_t objects_checked = 0;
    std::int64_t references_checked = 0;
    std::vector<FsckProblem> problems;
    TempFiles temp; // reported, not a problem: gc removes them
};

FsckReport check_store(Project& project);

struct GcReport {
    std::vector<StoredObject> removed_objects;
    std::vector<std::string> removed_temp_files;
    std::uint64_t bytes_freed = 0;
    std::int64_t objects_kept = 0;
};

// Needs a project opened with StoreAccess::Exclusive unless dry_run.
GcReport collect_garbage(Project& project, bool dry_run);

} // namespace llmops::store
