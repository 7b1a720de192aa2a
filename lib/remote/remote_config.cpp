#include "remote/remote_config.hpp"

#include "core/error.hpp"
#include "json/canonical_json.hpp"

#include <charconv>
#include <fmt/format.h>

namespace llmops::remote {

namespace {

using nlohmann::json;

constexpr std::string_view kRemoteKey = "remote:";
constexpr std::string_view kTrackingKey = "remote-ref:";

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

RemoteConfig from_row(const std::string& name, const std::string& value) {
    json j = json::parse(value);
    RemoteConfig r;
    r.name = name;
    r.location = S3Location::parse(j.at("url").get<std::string>());
    r.endpoint = j.value("endpoint", "");
    r.region = j.value("region", "");
    return r;
}

std::size_t positive_env(const EnvLookup& env, const char* name, std::size_t fallback,
                         std::size_t low, std::size_t high) {
    auto text = env(name);
    if (!text) return fallback;
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size() || value < low || value > high)
        throw_usage(
            fmt::format("{}='{}': expected a whole number from {} to {}", name, *text, low, high));
    return value;
}

} // namespace

void check_remote(const RemoteConfig& remote) {
    const std::string& n = remote.name;
    if (n.empty() || n.size() > 64 || !std::all_of(n.begin(), n.end(), name_char) ||
        n.front() == '.' || n.front() == '-' || n.front() == '_')
        throw_usage(fmt::format("invalid remote name '{}': use 1-64 of A-Z a-z 0-9 . _ - "
                                "starting with a letter or digit",
                                n));
    const std::string& e = remote.endpoint;
    if (!e.empty() && !e.starts_with("http://") && !e.starts_with("https://"))
        throw_usage(fmt::format("invalid --endpoint '{}': expected http://HOST[:PORT] or "
                                "https://HOST[:PORT]",
                                e));
}

void add_remote(store::Database& db, const RemoteConfig& remote) {
    check_remote(remote);
    json value = {
        {"url", remote.location.url()}, {"endpoint", remote.endpoint}, {"region", remote.region}};
    auto st = db.prepare("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING");
    st.bind(1, std::string(kRemoteKey) + remote.name).bind(2, canonical_json(value)).run();
    if (db.changes() == 0)
        throw_usage(fmt::format("remote '{}' already exists", remote.name),
                    "remove it first with 'llmops remote remove " + remote.name + "'");
}

std::vector<RemoteConfig> list_remotes(store::Database& db) {
    std::vector<RemoteConfig> out;
    auto st = db.prepare("SELECT key, value FROM meta WHERE key >= 'remote:' AND key < 'remote;' "
                         "ORDER BY key");
    while (st.step())
        out.push_back(from_row(st.column_text(0).substr(kRemoteKey.size()), st.column_text(1)));
    return out;
}

void remove_remote(store::Database& db, const std::string& name) {
    store::Transaction tx(db);
    db.prepare("DELETE FROM meta WHERE key = ?").bind(1, std::string(kRemoteKey) + name).run();
    if (db.changes() == 0) throw_usage(fmt::format("no remote named '{}'", name));
    std::string prefix = std::string(kTrackingKey) + name + ":";
    db.prepare("DELETE FROM meta WHERE substr(key, 1, length(?1)) = ?1").bind(1, prefix).run();
    tx.commit();
}

RemoteConfig find_remote(store::Database& db, const std::optional<std::string>& name) {
    std::vector<RemoteConfig> all = list_remotes(db);
    if (name) {
        for (auto& r : all)
            if (r.name == *name) return r;
        throw_usage(fmt::format("no remote named '{}'", *name),
                    "add one with 'llmops remote add NAME s3://BUCKET/PREFIX'");
    }
    if (all.size() == 1) return all.front();
    for (auto& r : all)
        if (r.name == "origin") return r;
    if (all.empty())
        throw_usage("this project has no remote",
                    "add one with 'llmops remote add origin s3://BUCKET/PREFIX'");
    throw_usage("this project has several remotes and none is 'origin': name one");
}

std::map<std::string, Hash128> read_tracking(store::Database& db, const std::string& remote) {
    std::map<std::string, Hash128> out;
    std::string prefix = std::string(kTrackingKey) + remote + ":";
    auto st = db.prepare("SELECT key, value FROM meta WHERE substr(key, 1, length(?1)) = ?1");
    st.bind(1, prefix);
    while (st.step())
        out[st.column_text(0).substr(prefix.size())] = Hash128::from_hex(st.column_text(1));
    return out;
}

void write_tracking(store::Database& db, const std::string& remote, const std::string& ref,
                    const Hash128& target) {
    db.prepare("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
               "value = excluded.value")
        .bind(1, std::string(kTrackingKey) + remote + ":" + ref)
        .bind(2, target.hex())
        .run();
}

S3Settings settings_for(const RemoteConfig& remote, const EnvLookup& env) {
    S3Settings s;
    s.name = remote.name;
    s.location = remote.location;
    s.endpoint = remote.endpoint;
    s.credentials = resolve_aws_credentials(
        env, remote.region.empty() ? std::nullopt : std::optional<std::string>(remote.region));
    s.parallel = positive_env(env, "LLMOPS_REMOTE_PARALLEL", 8, 1, 64);
    // S3 refuses parts under 5 MiB but the last; smaller ones suit servers that accept them.
    s.part_size = positive_env(env, "LLMOPS_REMOTE_PART_KB", 8192, 64, 5u << 20) << 10;
    return s;
}

json to_json(const RemoteConfig& remote) {
    return {{"name", remote.name},
            {"url", remote.location.url()},
            {"endpoint", remote.endpoint.empty() ? json(nullptr) : json(remote.endpoint)},
            {"region", remote.region.empty() ? json(nullptr) : json(remote.region)}};
}

json to_json(const std::vector<RemoteConfig>& remotes) {
    json out = json::array();
    for (const auto& r : remotes)
        out.push_back(to_json(r));
    return out;
}

} // namespace llmops::remote
