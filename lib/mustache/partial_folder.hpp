#pragma once
// Partials for raw templates from a folder: {{> NAME}} reads NAME.mustache (or NAME) there.
// Partial names are never paths: a name with '/' or a leading '.' finds nothing.
#include "mustache/mustache.hpp"

#include <filesystem>

namespace llmops::mustache {

// An empty path gives an empty cache. Throws Error(BadInput) when `folder` is not a folder.
PartialCache partials_from_folder(const std::filesystem::path& folder);

} // namespace llmops::mustache
