#pragma once
// llmops pull: fetches the records and objects this project lacks, verifies every one against
// its name, and applies them with the remote's refs in one transaction, so a failed pull
// changes nothing. A ref that moved both here and on the remote since the last sync is a
// conflict: the pull is refused unless forced (docs/remotes.md#conflicts).
#include "remote/remote_config.hpp"
#include "remote/remote_push.hpp"
#include "store/project.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace llmops::remote {

struct PullOptions {
    bool force = false; // take the remote's value of refs that moved on both sides
};

struct PullResult {
    std::string remote;
    std::string url;
    std::uint64_t records_received = 0;
    std::uint64_t objects_received = 0;
    std::uint64_t bytes_received = 0;
    std::vector<std::string> versions_added; // "dataset qa@3", "prompt support@2"
    std::vector<RefUpdate> refs;
    double seconds = 0;
};

// Throws Error(CheckFailed) for conflicts, Error(BadInput) for a record or object that does
// not match its name or a ref naming a version the remote lacks, Error(Provider) for the
// network and the server; in every case the local store is as it was.
PullResult pull(store::Project& project, S3Client& s3, const RemoteConfig& remote,
                const PullOptions& options, const TransferProgress& progress = {});

nlohmann::json to_json(const PullResult& result);

} // namespace llmops::remote
