#include "remote/remote_push.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/time.hpp"
#include "remote/catalog_record.hpp"
#include "remote/remote_layout.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <unistd.h>

namespace llmops::remote {

namespace {

using nlohmann::json;

// Reads [offset, offset + length) of a file; the object store never changes a file in place.
std::string read_range(const std::filesystem::path& path, std::uint64_t offset,
                       std::uint64_t length) {
    FileDescriptor fd = open_for_reading(path);
    std::string out(length, '\0');
    std::uint64_t got = 0;
    while (got < length) {
        ssize_t n =
            ::pread(fd.get(), out.data() + got, length - got, static_cast<off_t>(offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw Error(ErrorKind::Store,
                        fmt::format("cannot read object file: {}",
                                    n < 0 ? std::strerror(errno) : "it is shorter than expected"),
                        ErrorLocation{.file = path.string()});
        got += static_cast<std::uint64_t>(n);
    }
    return out;
}

} // namespace

PushResult push(store::Project& project, S3Client& s3, const RemoteConfig& remote,
                const PushOptions& options, const TransferProgress& progress) {
    auto started = std::chrono::steady_clock::now();
    PushResult result;
    result.remote = remote.name;
    result.url = remote.location.url();
    const S3Location& at = remote.location;
    store::Database& db = project.db();
    LocalCatalog local = read_local_catalog(db, options.names);
    if (!options.names.empty())
        for (const auto& name : options.names) {
            bool found = false;
            for (const auto& r : local.records)
                found = found || r.name == name;
            if (!found)
                throw_usage(fmt::format("nothing to push for '{}': no dataset or prompt has "
                                        "that name",
                                        name));
        }

    // A record is uploaded only once every object it names is there, so the objects of the
    // records the remote has need no checking: a push with nothing new lists no objects
    // (12,546 of them took s3rver 1.3 s to list).
    std::map<Hash128, std::string> remote_records = list_remote_records(s3);
    std::set<Hash128> needed, covered;
    for (const auto& [record, objects] : local.objects)
        (remote_records.contains(record) ? covered : needed).insert(objects.begin(), objects.end());
    for (const Hash128& hash : needed)
        covered.erase(hash);
    result.objects_present = covered.size();

    // 1. Objects the remote lacks (in either form).
    std::map<Hash128, RemoteObject> remote_objects;
    if (!needed.empty()) remote_objects = list_remote_objects(s3);
    std::vector<S3Upload> uploads;
    std::uint64_t total_bytes = 0;
    for (const Hash128& hash : needed) {
        if (remote_objects.contains(hash)) {
            ++result.objects_present;
            continue;
        }
        auto stored = project.objects().find(hash);
        if (!stored)
            throw_store_error(fmt::format("object {} is missing from the local store", hash.hex()),
                              {}, "run 'llmops fsck' to list what is damaged");
        S3Upload u;
        u.key = object_key(at, hash, stored->compressed);
        u.size = stored->stored_size;
        u.read = [path = stored->path](std::uint64_t offset, std::uint64_t length) {
            return read_range(path, offset, length);
        };
        total_bytes += u.size;
        uploads.push_back(std::move(u));
    }
    std::uint64_t done_bytes = 0;
    if (progress) progress(0, total_bytes);
    s3.put_many(std::move(uploads), [&](const S3Upload& u) {
        ++result.objects_sent;
        done_bytes += u.size;
        if (progress) progress(done_bytes, total_bytes);
    });
    result.bytes_sent = done_bytes;
    result.multipart_objects = s3.multipart_uploads();

    // 2. Records, once every object they name is there.
    std::vector<S3Upload> record_uploads;
    for (const auto& r : local.records) {
        if (remote_records.contains(r.hash)) {
            ++result.records_present;
            continue;
        }
        S3Upload u;
        u.key = record_key(at, r.hash);
        u.size = r.text.size();
        u.read = [text = r.text](std::uint64_t, std::uint64_t) { return text; };
        record_uploads.push_back(std::move(u));
    }
    s3.put_many(std::move(record_uploads), [&](const S3Upload&) { ++result.records_sent; });

    // 3. Refs: a fast-forward of what this project last saw, or rejected.
    std::map<std::string, std::string> remote_ref_keys = list_remote_refs(s3);
    std::map<std::string, Hash128> remote_refs;
    {
        std::vector<std::string> keys;
        std::map<std::string, std::string> path_of_key;
        for (const auto& ref : local.refs)
            if (auto it = remote_ref_keys.find(ref.path); it != remote_ref_keys.end()) {
                keys.push_back(it->second);
                path_of_key[it->second] = ref.path;
            }
        s3.get_many(keys, [&](const std::string& key, std::optional<std::string> body) {
            if (!body) return; // removed meanwhile: as if absent
            const std::string& path = path_of_key[key];
            remote_refs[path] =
                parse_ref_document(*body, path, fmt::format("remote '{}': {}", remote.name, key))
                    .target;
        });
    }
    std::map<std::string, Hash128> tracking = read_tracking(db, remote.name);
    std::vector<std::string> rejected;
    for (const auto& ref : local.refs) {
        RefUpdate u{ref.path, std::nullopt, ref.target, ""};
        auto there = remote_refs.find(ref.path);
        if (there != remote_refs.end()) u.before = there->second;
        auto seen = tracking.find(ref.path);
        if (u.before && *u.before == ref.target)
            u.status = "up-to-date";
        else if (!u.before)
            u.status = "created";
        else if (seen != tracking.end() && seen->second == *u.before)
            u.status = "updated";
        else if (options.force)
            u.status = "forced";
        else {
            u.status = "rejected";
            rejected.push_back(fmt::format("{} (remote {}, local {})", ref.path,
                                           u.before->short_hex(), ref.target.short_hex()));
        }
        result.refs.push_back(std::move(u));
    }
    if (!rejected.empty())
        throw Error(
            ErrorKind::CheckFailed,
            fmt::format(
                "push to '{}' rejected: {} moved on the remote{}", remote.name, rejected.front(),
                rejected.size() > 1 ? fmt::format(" (and {} more)", rejected.size() - 1) : ""),
            {},
            "run 'llmops pull " + remote.name +
                "' to fetch it, decide, and push again (or push --force to overwrite)");
    std::string now = now_iso8601();
    for (const auto& u : result.refs) {
        if (u.status == "up-to-date") continue;
        CatalogRef ref = *parse_ref_path(u.ref);
        ref.target = u.after;
        s3.put(ref_key(at, u.ref), ref_document(ref, u.before, now));
    }
    store::Transaction tx(db);
    for (const auto& u : result.refs)
        write_tracking(db, remote.name, u.ref, u.after);
    tx.commit();
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

json to_json(const RefUpdate& u) {
    return {{"ref", u.ref},
            {"before", u.before ? json(u.before->hex()) : json(nullptr)},
            {"after", u.after.hex()},
            {"status", u.status}};
}

json to_json(const PushResult& r) {
    json refs = json::array();
    for (const auto& u : r.refs)
        refs.push_back(to_json(u));
    return {{"remote", r.remote},
            {"url", r.url},
            {"objects_sent", r.objects_sent},
            {"bytes_sent", r.bytes_sent},
            {"objects_present", r.objects_present},
            {"multipart_objects", r.multipart_objects},
            {"records_sent", r.records_sent},
            {"records_present", r.records_present},
            {"refs", refs},
            {"seconds", r.seconds}};
}

} // namespace llmops::remote
