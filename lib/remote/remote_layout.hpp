#pragma once
// Where things live in a remote's bucket, under its PREFIX (docs/remotes.md#layout):
//   objects/ab/cdef…[.zst]   objects in their stored form, named as in .llmops/objects/
//   catalog/HASH.json        records (canonical JSON named by its XXH3-128)
//   refs/prompt-labels/P/L   refs (JSON: target, previous)
//   refs/dataset-tags/D/T
#include "core/hash.hpp"
#include "remote/s3_client.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace llmops::remote {

std::string object_key(const S3Location& at, const Hash128& hash, bool compressed);
std::string record_key(const S3Location& at, const Hash128& hash);
std::string ref_key(const S3Location& at, std::string_view ref_path);

struct RemoteObject {
    std::string key;
    bool compressed = false;
    std::uint64_t size = 0;
};

// What the remote holds, from one listing each (keys that do not fit the layout are ignored).
std::map<Hash128, RemoteObject> list_remote_objects(S3Client& s3);
std::map<Hash128, std::string> list_remote_records(S3Client& s3);  // hash -> key
std::map<std::string, std::string> list_remote_refs(S3Client& s3); // ref path -> key

} // namespace llmops::remote
