#include "remote/remote_layout.hpp"

namespace llmops::remote {

namespace {

constexpr std::string_view kZst = ".zst";

std::string under(const S3Location& at, std::string_view folder) {
    return at.key(folder) + "/";
}

} // namespace

std::string object_key(const S3Location& at, const Hash128& hash, bool compressed) {
    std::string hex = hash.hex();
    return under(at, "objects") + hex.substr(0, 2) + "/" + hex.substr(2) +
           (compressed ? std::string(kZst) : "");
}

std::string record_key(const S3Location& at, const Hash128& hash) {
    return under(at, "catalog") + hash.hex() + ".json";
}

std::string ref_key(const S3Location& at, std::string_view ref_path) {
    return under(at, "refs") + std::string(ref_path);
}

std::map<Hash128, RemoteObject> list_remote_objects(S3Client& s3) {
    std::string prefix = under(s3.settings().location, "objects");
    std::map<Hash128, RemoteObject> out;
    for (auto& o : s3.list(prefix)) {
        std::string_view name = std::string_view(o.key).substr(prefix.size());
        bool compressed = name.ends_with(kZst);
        if (compressed) name.remove_suffix(kZst.size());
        if (name.size() != 33 || name[2] != '/') continue;
        std::string hex = std::string(name.substr(0, 2)) + std::string(name.substr(3));
        if (!is_hex_hash(hex)) continue;
        Hash128 hash = Hash128::from_hex(hex);
        // Both forms present: either will do; keep the raw one (no decompression).
        if (auto it = out.find(hash); it != out.end() && !it->second.compressed) continue;
        out[hash] = RemoteObject{std::move(o.key), compressed, o.size};
    }
    return out;
}

std::map<Hash128, std::string> list_remote_records(S3Client& s3) {
    std::string prefix = under(s3.settings().location, "catalog");
    std::map<Hash128, std::string> out;
    for (auto& o : s3.list(prefix)) {
        std::string_view name = std::string_view(o.key).substr(prefix.size());
        if (!name.ends_with(".json")) continue;
        name.remove_suffix(5);
        if (!is_hex_hash(name)) continue;
        out[Hash128::from_hex(name)] = std::move(o.key);
    }
    return out;
}

std::map<std::string, std::string> list_remote_refs(S3Client& s3) {
    std::string prefix = under(s3.settings().location, "refs");
    std::map<std::string, std::string> out;
    for (auto& o : s3.list(prefix))
        out[o.key.substr(prefix.size())] = o.key;
    return out;
}

} // namespace llmops::remote
