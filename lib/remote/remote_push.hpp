#pragma once
// llmops push: objects the remote lacks, then the records, then the refs (docs/remotes.md).
// Objects and records are content-addressed, so a push is idempotent, an interrupted one is
// resumed by running it again, and concurrent pushes of different versions merge. A ref that
// moved on the remote since this project last saw it is rejected, like a git push that is
// not a fast-forward, unless forced.
#include "remote/remote_config.hpp"
#include "store/project.hpp"

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace llmops::remote {

struct RefUpdate {
    std::string ref;
    std::optional<Hash128> before; // on the remote (push) or locally (pull)
    Hash128 after;
    std::string status; // created, updated, forced, up-to-date, rejected
};

struct PushOptions {
    std::set<std::string> names; // only these datasets and prompts; all when empty
    bool force = false;          // overwrite refs that moved on the remote
};

struct PushResult {
    std::string remote;
    std::string url;
    std::uint64_t objects_sent = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t objects_present = 0;
    std::uint64_t multipart_objects = 0; // of objects_sent, those larger than a part
    std::uint64_t records_sent = 0;
    std::uint64_t records_present = 0;
    std::vector<RefUpdate> refs;
    double seconds = 0;
};

using TransferProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

// Throws Error(CheckFailed) naming the refs it rejected (after sending objects and records,
// which are harmless); Error(Provider) for the network and the server; Error(Store) when a
// local object is missing.
PushResult push(store::Project& project, S3Client& s3, const RemoteConfig& remote,
                const PushOptions& options, const TransferProgress& progress = {});

nlohmann::json to_json(const PushResult& result);
nlohmann::json to_json(const RefUpdate& update);

} // namespace llmops::remote
