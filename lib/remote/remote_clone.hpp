#pragma once
// llmops clone: a new project in a folder, with the remote added as `origin` (or the name
// given) and everything pulled from it. A clone that fails removes the folder it created.
#include "remote/remote_config.hpp"
#include "remote/remote_pull.hpp"

#include <filesystem>

namespace llmops::remote {

struct CloneResult {
    std::filesystem::path root;
    RemoteConfig remote;
    PullResult pulled;
};

// `remote.name` names the remote in the new project. Throws Error(Usage) when dir holds a
// project already, and whatever the pull throws (after removing what it made).
CloneResult clone(const RemoteConfig& remote, const std::filesystem::path& dir,
                  const EnvLookup& env, const TransferProgress& progress = {});

nlohmann::json to_json(const CloneResult& result);

} // namespace llmops::remote
