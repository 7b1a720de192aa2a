#pragma once
// The --json shapes of the store commands: init, status, fsck, gc and object put
// (docs/cli.md, "Store commands in detail").
#include "store/object_store.hpp"
#include "store/project.hpp"
#include "store/store_maintenance.hpp"

#include <nlohmann/json.hpp>

namespace llmops::store {

// A new project: {"root", "store", "config", "schema_version"}.
nlohmann::json init_to_json(const ProjectPaths& paths);
nlohmann::json to_json(const StoreStatus& status);
nlohmann::json to_json(const FsckReport& report);
nlohmann::json to_json(const GcReport& report, bool dry_run);
nlohmann::json to_json(const ObjectInfo& info);

} // namespace llmops::store
