#include "serve/api_keys.hpp"

#include "core/error.hpp"
#include "core/time.hpp"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cmath>
#include <regex>

namespace llmops::serve {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string sha256_hex(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw Error(ErrorKind::Store, "SHA-256 failed (OpenSSL)");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

namespace {

std::string random_hex(std::size_t bytes) {
    std::vector<unsigned char> buffer(bytes);
    if (RAND_bytes(buffer.data(), static_cast<int>(bytes)) != 1)
        throw Error(ErrorKind::Store, "no random bytes for a key (OpenSSL RAND_bytes)");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : buffer) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

void check_limit(const std::optional<double>& v, const char* flag) {
    if (v && (!std::isfinite(*v) || *v <= 0))
        throw_usage(std::string(flag) + " must be a positive number");
}

ApiKey read_key(store::Statement& st) {
    ApiKey k;
    k.id = st.column_int(0);
    k.name = st.column_text(1);
    k.key_sha256 = st.column_text(2);
    k.prefix = st.column_text(3);
    if (!st.is_null(4)) k.rpm = st.column_double(4);
    if (!st.is_null(5)) k.tpm = st.column_double(5);
    if (!st.is_null(6)) k.budget_usd = st.column_double(6);
    if (auto routes = st.column_optional_text(7))
        k.routes = json::parse(*routes).get<std::vector<std::string>>();
    k.created_at = st.column_text(8);
    k.revoked_at = st.column_optional_text(9);
    return k;
}

constexpr const char* kKeyColumns =
    "id, name, key_sha256, prefix, rpm, tpm, budget_usd, routes, created_at, revoked_at";

} // namespace

CreatedKey create_key(store::Database& db, const std::string& name, const KeyLimits& limits) {
    static const std::regex valid("[A-Za-z][A-Za-z0-9._-]{0,63}");
    if (!std::regex_match(name, valid))
        throw_usage("key name '" + name +
                    "': a letter, then letters, digits, '.', '_' or '-' (at most 64)");
    check_limit(limits.rpm, "--rpm");
    check_limit(limits.tpm, "--tpm");
    check_limit(limits.budget_usd, "--budget-usd");
    CreatedKey created;
    created.secret = "llmops-" + random_hex(24);
    ApiKey& k = created.key;
    k.name = name;
    k.key_sha256 = sha256_hex(created.secret);
    k.prefix = created.secret.substr(0, 11);
    k.rpm = limits.rpm;
    k.tpm = limits.tpm;
    k.budget_usd = limits.budget_usd;
    k.routes = limits.routes;
    k.created_at = now_iso8601();
    store::Transaction tx(db);
    auto exists = db.prepare("SELECT 1 FROM api_keys WHERE name = ?1");
    exists.bind(1, name);
    if (exists.step())
        throw_usage("a key named '" + name + "' exists already",
                    "revoked names stay taken; choose another name");
    exists.reset();
    auto insert = db.prepare("INSERT INTO api_keys (name, key_sha256, prefix, rpm, tpm, "
                             "budget_usd, routes, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                             "?7, ?8)");
    insert.bind(1, k.name)
        .bind(2, k.key_sha256)
        .bind(3, k.prefix)
        .bind(4, k.rpm)
        .bind(5, k.tpm)
        .bind(6, k.budget_usd);
    if (k.routes.empty())
        insert.bind_null(7);
    else
        insert.bind(7, json(k.routes).dump());
    insert.bind(8, k.created_at);
    insert.run();
    k.id = db.last_insert_rowid();
    tx.commit();
    return created;
}

std::vector<ApiKey> list_keys(store::Database& db, bool include_revoked) {
    std::string sql = std::string("SELECT ") + kKeyColumns + " FROM api_keys";
    if (!include_revoked) sql += " WHERE revoked_at IS NULL";
    sql += " ORDER BY name";
    auto st = db.prepare(sql);
    std::vector<ApiKey> out;
    while (st.step())
        out.push_back(read_key(st));
    return out;
}

ApiKey revoke_key(store::Database& db, const std::string& name) {
    store::Transaction tx(db);
    auto st = db.prepare(std::string("SELECT ") + kKeyColumns + " FROM api_keys WHERE name = ?1");
    st.bind(1, name);
    if (!st.step()) throw_usage("no key named '" + name + "'", "run 'llmops keys list'");
    ApiKey k = read_key(st);
    st.reset();
    if (k.revoked_at) throw_usage("key '" + name + "' was revoked at " + *k.revoked_at);
    k.revoked_at = now_iso8601();
    auto up = db.prepare("UPDATE api_keys SET revoked_at = ?1 WHERE id = ?2");
    up.bind(1, *k.revoked_at).bind(2, k.id);
    up.run();
    tx.commit();
    return k;
}

json api_key_to_json(const ApiKey& k) {
    auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
    return {{"name", k.name},
            {"prefix", k.prefix},
            {"rpm", opt(k.rpm)},
            {"tpm", opt(k.tpm)},
            {"budget_usd", opt(k.budget_usd)},
            {"routes", k.routes},
            {"created_at", k.created_at},
            {"revoked_at", k.revoked_at ? json(*k.revoked_at) : json(nullptr)}};
}

void KeyGuard::load(std::vector<ApiKey> active_keys, const std::vector<KeyUsage>& used) {
    std::map<std::string, KeyUsage> usage;
    for (const auto& u : used)
        usage[u.key_name] = u;
    std::lock_guard lock(mutex_);
    std::map<std::string, State> next;
    auto now = Clock::now();
    for (auto& k : active_keys) {
        State s;
        if (auto it = by_hash_.find(k.key_sha256); it != by_hash_.end()) {
            s = it->second; // keep bucket levels and spend across reloads
        } else {
            s.request_tokens = k.rpm.value_or(0);
            s.token_tokens = k.tpm.value_or(0);
            s.refilled = now;
            // Until this gateway logs anything, everything in the store is the others'.
            const KeyUsage u = usage.count(k.name) ? usage[k.name] : KeyUsage{};
            s.spent_usd = u.cost_usd;
            s.others_requests = u.requests;
            s.others_tokens = u.tokens;
        }
        s.key = std::move(k);
        std::string hash = s.key.key_sha256;
        next.emplace(std::move(hash), std::move(s));
    }
    by_hash_.swap(next);
    any_limited_.store(std::any_of(by_hash_.begin(), by_hash_.end(), [](const auto& entry) {
        const ApiKey& k = entry.second.key;
        return k.budget_usd || k.rpm || k.tpm;
    }));
}

bool KeyGuard::enabled() const {
    std::lock_guard lock(mutex_);
    return !by_hash_.empty();
}

void KeyGuard::refill(State& s, Clock::time_point now) {
    double elapsed_min = std::chrono::duration<double>(now - s.refilled).count() / 60.0;
    s.refilled = now;
    if (s.key.rpm)
        s.request_tokens = std::min(*s.key.rpm, s.request_tokens + elapsed_min * *s.key.rpm);
    if (s.key.tpm) s.token_tokens = std::min(*s.key.tpm, s.token_tokens + elapsed_min * *s.key.tpm);
}

Admission KeyGuard::admit(std::string_view authorization, const std::string& route,
                          double estimated_tokens, bool metered) {
    Admission a;
    constexpr std::string_view bearer = "Bearer ";
    if (authorization.size() <= bearer.size() || authorization.substr(0, bearer.size()) != bearer) {
        a.status = 401;
        a.kind = "no_key";
        a.code = "invalid_api_key";
        a.message = "an API key is required: send 'Authorization: Bearer KEY'";
        return a;
    }
    std::string hash = sha256_hex(authorization.substr(bearer.size()));
    if (metered) refresh_shared_usage(Clock::now());
    std::lock_guard lock(mutex_);
    auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) {
        a.status = 401;
        a.kind = "bad_key";
        a.code = "invalid_api_key";
        a.message = "the API key is not valid (unknown or revoked)";
        return a;
    }
    return admit_state(it->second, route, estimated_tokens, metered);
}

Admission KeyGuard::admit_named(const std::string& key_name, const std::string& route,
                                double estimated_tokens) {
    refresh_shared_usage(Clock::now());
    std::lock_guard lock(mutex_);
    for (auto& [_, s] : by_hash_)
        if (s.key.name == key_name) return admit_state(s, route, estimated_tokens, true);
    Admission a;
    a.status = 401;
    a.kind = "bad_key";
    a.code = "invalid_api_key";
    a.message = "the API key '" + key_name + "' that created this batch is revoked";
    return a;
}

Admission KeyGuard::admit_state(State& s, const std::string& route, double estimated_tokens,
                                bool metered) {
    Admission a;
    a.key_name = s.key.name;
    if (!route.empty() && !s.key.routes.empty() &&
        std::find(s.key.routes.begin(), s.key.routes.end(), route) == s.key.routes.end()) {
        a.status = 403;
        a.kind = "route_forbidden";
        a.code = "route_not_allowed";
        a.message = "key '" + s.key.name + "' may not use route '" + route + "'";
        return a;
    }
    if (!metered) return a;
    if (s.key.budget_usd && s.spent_usd >= *s.key.budget_usd) {
        a.status = 429;
        a.kind = "budget_exhausted";
        a.code = "insufficient_quota";
        a.message = "key '" + s.key.name + "' has spent its budget of " +
                    json(*s.key.budget_usd).dump() + " USD";
        return a;
    }
    auto now = Clock::now();
    refill(s, now);
    if (s.key.rpm && s.request_tokens < 1) {
        a.status = 429;
        a.kind = "key_rate_limited";
        a.code = "rate_limit_exceeded";
        a.retry_after_s = (1 - s.request_tokens) * 60.0 / *s.key.rpm;
        a.message = "key '" + s.key.name + "' is limited to " + json(*s.key.rpm).dump() +
                    " requests per minute";
        return a;
    }
    // A request larger than the whole budget could never pass: let it through an empty bucket
    // only when the bucket is full.
    double need = s.key.tpm ? std::min(estimated_tokens, *s.key.tpm) : 0;
    if (s.key.tpm && s.token_tokens < need) {
        a.status = 429;
        a.kind = "key_rate_limited";
        a.code = "rate_limit_exceeded";
        a.retry_after_s = (need - s.token_tokens) * 60.0 / *s.key.tpm;
        a.message = "key '" + s.key.name + "' is limited to " + json(*s.key.tpm).dump() +
                    " tokens per minute";
        return a;
    }
    if (s.key.rpm) s.request_tokens -= 1;
    if (s.key.tpm) s.token_tokens -= need;
    return a;
}

void KeyGuard::share_usage(UsageSource store_usage, UsageSource own_usage) {
    std::lock_guard lock(usage_read_mutex_);
    store_usage_ = std::move(store_usage);
    own_usage_ = std::move(own_usage);
}

void KeyGuard::refresh_shared_usage(Clock::time_point now) {
    const std::int64_t now_ns = now.time_since_epoch().count();
    std::int64_t last = shared_usage_read_ns_.load();
    if (now_ns - last < std::chrono::nanoseconds(kSharedUsageMaxAge).count()) return;
    // One request reads while the others go on with the last figures: the read (a query, over
    // the network on PostgreSQL) holds neither mutex_ nor any other request.
    std::unique_lock reading(usage_read_mutex_, std::try_to_lock);
    if (!reading.owns_lock() || !store_usage_ || !any_limited_.load()) return;
    if (!shared_usage_read_ns_.compare_exchange_strong(last, now_ns)) return;
    // Own usage first: a group this gateway commits in between is then counted as the others'
    // once (taking a little more from the buckets now) and never twice (others only grow).
    std::map<std::string, KeyUsage> own, store;
    try {
        for (auto& u : own_usage_())
            own[u.key_name] = u;
        for (auto& u : store_usage_())
            store[u.key_name] = u;
    } catch (const std::exception&) {
        return; // the store is unreachable for now: this gateway's own counts stand
    }
    std::lock_guard lock(mutex_);
    for (auto& [_, s] : by_hash_) {
        auto it = store.find(s.key.name);
        if (it == store.end()) continue;
        const KeyUsage& all = it->second;
        s.spent_usd = std::max(s.spent_usd, all.cost_usd);
        const KeyUsage mine = own.count(s.key.name) ? own[s.key.name] : KeyUsage{};
        std::int64_t others_requests = all.requests - mine.requests;
        std::int64_t others_tokens = all.tokens - mine.tokens;
        refill(s, now);
        // What the others added since the last read leaves this gateway's buckets, down to at
        // most a minute's worth of debt.
        if (s.key.rpm && others_requests > s.others_requests)
            s.request_tokens =
                std::max(-*s.key.rpm, s.request_tokens -
                                          static_cast<double>(others_requests - s.others_requests));
        if (s.key.tpm && others_tokens > s.others_tokens)
            s.token_tokens = std::max(
                -*s.key.tpm, s.token_tokens - static_cast<double>(others_tokens - s.others_tokens));
        s.others_requests = std::max(s.others_requests, others_requests);
        s.others_tokens = std::max(s.others_tokens, others_tokens);
    }
}

void KeyGuard::settle(const std::string& key_name, double estimated_tokens, double actual_tokens,
                      double cost_usd) {
    std::lock_guard lock(mutex_);
    for (auto& [_, s] : by_hash_) {
        if (s.key.name != key_name) continue;
        s.spent_usd += cost_usd;
        if (s.key.tpm)
            s.token_tokens =
                std::min(*s.key.tpm,
                         s.token_tokens + std::min(estimated_tokens, *s.key.tpm) - actual_tokens);
        return;
    }
}

} // namespace llmops::serve
