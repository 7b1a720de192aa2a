#pragma once
// Where a project's database lives (docs/postgresql.md): LLMOPS_DATABASE_URL when set, else
// `store: {url: ...}` in llmops.yaml, else the SQLite file .llmops/store.db.
#include "json/yaml_document.hpp"

#include <string>

namespace llmops::store {

// The PostgreSQL URL `store: {url}` of llmops.yaml names; empty when the section is absent.
// Throws Error(BadInput) at file:line:column for another key or a URL that is not
// postgresql:// or postgres://.
std::string parse_store_url(const YamlDocument& config);

// LLMOPS_DATABASE_URL (checked as above, named in the error) when set and not empty, else
// parse_store_url of the config file; empty for the SQLite store.
std::string configured_database_url(const std::filesystem::path& config_file);

} // namespace llmops::store
