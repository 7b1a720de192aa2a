#pragma once
// The remotes of a project, kept in the store's meta table (key `remote:NAME`, value JSON
// {url, endpoint, region}), with what this project last saw of each shared ref on each remote
// (key `remote-ref:NAME:REF`, value the ref's target): a push or pull compares with it to tell
// "the other side moved" from "both moved". Credentials are never stored here.
#include "core/hash.hpp"
#include "remote/s3_client.hpp"
#include "store/database.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace llmops::remote {

struct RemoteConfig {
    std::string name;
    S3Location location;
    std::string endpoint; // empty: AWS
    std::string region;   // empty: from the environment or ~/.aws/config
};

// Throws Error(Usage) for a name that is not 1-64 of A-Z a-z 0-9 . _ - (starting with a
// letter or digit) or an endpoint that is not http(s)://.
void check_remote(const RemoteConfig& remote);

// Throws Error(Usage) when the name is taken.
void add_remote(store::Database& db, const RemoteConfig& remote);
std::vector<RemoteConfig> list_remotes(store::Database& db);
// Removes the remote and what was recorded of its refs; Error(Usage) when there is none.
void remove_remote(store::Database& db, const std::string& name);
// The remote named, or with no name the only one (or 'origin'); Error(Usage) otherwise.
RemoteConfig find_remote(store::Database& db, const std::optional<std::string>& name);

// The refs last pushed to or pulled from a remote: ref path -> target.
std::map<std::string, Hash128> read_tracking(store::Database& db, const std::string& remote);
void write_tracking(store::Database& db, const std::string& remote, const std::string& ref,
                    const Hash128& target);

// Settings for S3Client: credentials resolved now (environment, ~/.aws), the part size from
// LLMOPS_REMOTE_PART_KB and the parallel transfers from LLMOPS_REMOTE_PARALLEL when set.
S3Settings settings_for(const RemoteConfig& remote, const EnvLookup& env);

nlohmann::json to_json(const RemoteConfig& remote);
nlohmann::json to_json(const std::vector<RemoteConfig>& remotes);

} // namespace llmops::remote
