#pragma once
// A project: llmops.yaml beside a .llmops/ store, found by walking up like git.
#include "core/file_io.hpp"
#include "store/database.hpp"
#include "store/object_store.hpp"

#include <filesystem>
#include <optional>

namespace llmops::store {

struct ProjectPaths {
    std::filesystem::path root;        // the folder holding llmops.yaml and .llmops/
    std::filesystem::path config_file; // llmops.yaml
    std::filesystem::path store_dir;   // .llmops/
    std::filesystem::path db_file;     // .llmops/store.db
    std::filesystem::path objects_dir; // .llmops/objects/
    std::filesystem::path tmp_dir;     // .llmops/tmp/
    std::filesystem::path lock_file;   // .llmops/lock
    // The PostgreSQL store (docs/postgresql.md) when set: LLMOPS_DATABASE_URL, else
    // llmops.yaml's store.url; empty for the SQLite file db_file.
    std::string database_url;

    DatabaseAddress database() const { return DatabaseAddress(db_file, database_url); }

    static ProjectPaths for_root(const std::filesystem::path& root);
};

// The nearest folder at or above start that holds .llmops/, if any.
std::optional<std::filesystem::path> discover_project_root(const std::filesystem::path& start);

// LLMOPS_DIR (the project folder) when set, else discovery from the working directory.
// Throws Error(Store) with a hint to run `llmops init` when there is no project.
ProjectPaths locate_project();

// Creates .llmops/ (atomically: staged under a temp name, then renamed) and, when absent, a
// commented llmops.yaml. Throws Error(Usage) when dir already holds a project.
ProjectPaths init_project(const std::filesystem::path& dir);

enum class StoreAccess {
    Read,      // no lock
    Write,     // shared lock: many writers at once, but never during gc
    Exclusive, // gc: no writer may be between writing an object and referencing it
};

class Project {
  public:
    static Project open(const ProjectPaths& paths, StoreAccess access);

    const ProjectPaths& paths() const { return paths_; }
    Database& db() { return db_; }
    ObjectStore& objects() { return objects_; }
    const ObjectStore& objects() const { return objects_; }

  private:
    Project(ProjectPaths paths, Database db, FileDescriptor lock);
    ProjectPaths paths_;
    Database db_;
    ObjectStore objects_;
    FileDescriptor lock_;
};

} // namespace llmops::store
