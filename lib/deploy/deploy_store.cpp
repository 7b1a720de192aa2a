#include "deploy/deploy_store.hpp"

#include "core/error.hpp"
#include "core/time.hpp"

namespace llmops::deploy {

using nlohmann::json;
using store::Database;
using store::Statement;

namespace {

constexpr const char* kReleaseColumns =
    "r.id, r.env, r.route, r.number, r.hash, r.prompt_version_id, p.name, v.number, "
    "r.provider_id, r.provider_config, r.provider_config_hash, r.parameters, r.created_at "
    "FROM releases r JOIN prompt_versions v ON v.id = r.prompt_version_id "
    "JOIN prompts p ON p.id = v.prompt_id ";

Release read_release(const Statement& st) {
    Release r;
    r.id = st.column_int(0);
    r.env = st.column_text(1);
    r.route = st.column_text(2);
    r.number = st.column_int(3);
    r.hash = st.column_text(4);
    r.prompt_version_id = st.column_int(5);
    r.prompt_name = st.column_text(6);
    r.prompt_ref = r.prompt_name + "@" + std::to_string(st.column_int(7));
    r.provider_id = st.column_text(8);
    r.provider_config = json::parse(st.column_text(9));
    r.provider_config_hash = st.column_text(10);
    r.parameters = json::parse(st.column_text(11));
    r.created_at = st.column_text(12);
    return r;
}

Traffic traffic_from(Database& db, std::string env, std::string route, std::int64_t stable,
                     std::optional<std::int64_t> canary, double percent, std::int64_t generation,
                     std::string updated_at) {
    Traffic t;
    t.env = std::move(env);
    t.route = std::move(route);
    t.stable = load_release(db, stable);
    if (canary) t.canary = load_release(db, *canary);
    t.canary_percent = percent;
    t.generation = generation;
    t.updated_at = std::move(updated_at);
    return t;
}

std::optional<std::int64_t> optional_int(const Statement& st, int column) {
    if (st.is_null(column)) return std::nullopt;
    return st.column_int(column);
}

constexpr const char* kAttemptColumns =
    "a.id, a.env, a.route, a.action, a.outcome, a.candidate, a.release_id, r.number, "
    "a.canary_percent, a.actor, a.ci, a.message, a.gates, a.created_at "
    "FROM deploy_attempts a LEFT JOIN releases r ON r.id = a.release_id ";

Attempt read_attempt(const Statement& st) {
    Attempt a;
    a.id = st.column_int(0);
    a.env = st.column_text(1);
    a.route = st.column_text(2);
    a.action = st.column_text(3);
    a.outcome = st.column_text(4);
    a.candidate = json::parse(st.column_text(5));
    a.release_id = optional_int(st, 6);
    a.release_number = optional_int(st, 7);
    if (!st.is_null(8)) a.canary_percent = st.column_double(8);
    a.actor = st.column_text(9);
    a.ci = json::parse(st.column_text(10));
    a.message = st.column_text(11);
    a.gates = json::parse(st.column_text(12));
    a.created_at = st.column_text(13);
    return a;
}

} // namespace

Release insert_release(Database& db, const NewRelease& release) {
    std::int64_t number = 1;
    {
        Statement st = db.prepare("SELECT MAX(number) FROM releases WHERE env = ? AND route = ?");
        st.bind(1, release.env).bind(2, release.route);
        if (st.step() && !st.is_null(0)) number = st.column_int(0) + 1;
    }
    Statement insert = db.prepare(
        "INSERT INTO releases (env, route, number, hash, prompt_version_id, provider_id, "
        "provider_config, provider_config_hash, parameters, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, release.env)
        .bind(2, release.route)
        .bind(3, number)
        .bind(4, release.hash)
        .bind(5, release.prompt_version_id)
        .bind(6, release.provider_id)
        .bind(7, release.provider_config.dump())
        .bind(8, release.provider_config_hash)
        .bind(9, release.parameters.dump())
        .bind(10, now_iso8601())
        .run();
    return load_release(db, db.last_insert_rowid());
}

Release load_release(Database& db, std::int64_t id) {
    Statement st = db.prepare(std::string("SELECT ") + kReleaseColumns + "WHERE r.id = ?");
    st.bind(1, id);
    if (!st.step()) throw Error(ErrorKind::Store, "release " + std::to_string(id) + " is missing");
    return read_release(st);
}

Release find_release(Database& db, const std::string& env, const std::string& route,
                     std::int64_t number) {
    Statement st = db.prepare(std::string("SELECT ") + kReleaseColumns +
                              "WHERE r.env = ? AND r.route = ? AND r.number = ?");
    st.bind(1, env).bind(2, route).bind(3, number);
    if (!st.step())
        throw Error(ErrorKind::Usage,
                    "route '" + route + "' has no release " + std::to_string(number) + " in " + env,
                    {}, "see llmops deploy history " + env + " --route " + route);
    return read_release(st);
}

std::optional<Traffic> load_traffic(Database& db, const std::string& env,
                                    const std::string& route) {
    Statement st = db.prepare(
        "SELECT stable_release_id, canary_release_id, canary_percent, generation, updated_at "
        "FROM deploy_traffic WHERE env = ? AND route = ?");
    st.bind(1, env).bind(2, route);
    if (!st.step()) return std::nullopt;
    return traffic_from(db, env, route, st.column_int(0), optional_int(st, 1), st.column_double(2),
                        st.column_int(3), st.column_text(4));
}

std::vector<Traffic> list_traffic(Database& db, const std::string& env) {
    std::vector<Traffic> out;
    for (const auto& [e, route] : known_routes(db, env))
        if (auto t = load_traffic(db, e, route)) out.push_back(std::move(*t));
    return out;
}

std::optional<Traffic> traffic_at(Database& db, const std::string& env, const std::string& route,
                                  const std::string& time) {
    Statement st =
        db.prepare("SELECT stable_release_id, canary_release_id, canary_percent, id, created_at "
                   "FROM deploy_traffic_events WHERE env = ? AND route = ? AND created_at <= ? "
                   "ORDER BY created_at DESC, id DESC LIMIT 1");
    st.bind(1, env).bind(2, route).bind(3, time);
    if (!st.step()) return std::nullopt;
    return traffic_from(db, env, route, st.column_int(0), optional_int(st, 1), st.column_double(2),
                        st.column_int(3), st.column_text(4));
}

std::vector<std::pair<std::string, std::string>> known_routes(Database& db,
                                                              const std::string& env) {
    Statement st = db.prepare("SELECT DISTINCT env, route FROM deploy_traffic_events "
                              "WHERE ? = '' OR env = ? ORDER BY env, route");
    st.bind(1, env).bind(2, env);
    std::vector<std::pair<std::string, std::string>> out;
    while (st.step())
        out.emplace_back(st.column_text(0), st.column_text(1));
    return out;
}

void set_traffic(Database& db, const std::string& env, const std::string& route,
                 std::int64_t stable_release_id, std::optional<std::int64_t> canary_release_id,
                 double canary_percent, std::int64_t attempt_id) {
    std::string now = now_iso8601();
    Statement upsert = db.prepare(
        "INSERT INTO deploy_traffic (env, route, stable_release_id, canary_release_id, "
        "canary_percent, generation, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?) "
        "ON CONFLICT (env, route) DO UPDATE SET stable_release_id = excluded.stable_release_id, "
        "canary_release_id = excluded.canary_release_id, canary_percent = "
        "excluded.canary_percent, generation = deploy_traffic.generation + 1, updated_at = excluded.updated_at");
    upsert.bind(1, env)
        .bind(2, route)
        .bind(3, stable_release_id)
        .bind(4, canary_release_id)
        .bind(5, canary_percent)
        .bind(6, now)
        .run();
    Statement event = db.prepare(
        "INSERT INTO deploy_traffic_events (env, route, stable_release_id, canary_release_id, "
        "canary_percent, attempt_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    event.bind(1, env)
        .bind(2, route)
        .bind(3, stable_release_id)
        .bind(4, canary_release_id)
        .bind(5, canary_percent)
        .bind(6, attempt_id)
        .bind(7, now)
        .run();
}

std::int64_t record_attempt(Database& db, const Attempt& a) {
    Statement insert = db.prepare(
        "INSERT INTO deploy_attempts (env, route, action, outcome, candidate, release_id, "
        "canary_percent, actor, ci, message, gates, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, a.env)
        .bind(2, a.route)
        .bind(3, a.action)
        .bind(4, a.outcome)
        .bind(5, a.candidate.dump())
        .bind(6, a.release_id)
        .bind(7, a.canary_percent)
        .bind(8, a.actor)
        .bind(9, a.ci.dump())
        .bind(10, a.message)
        .bind(11, a.gates.dump())
        .bind(12, a.created_at.empty() ? now_iso8601() : a.created_at)
        .run();
    return db.last_insert_rowid();
}

std::vector<Attempt> list_attempts(Database& db, const std::string& env, const std::string& route,
                                   std::size_t limit) {
    Statement st = db.prepare(std::string("SELECT ") + kAttemptColumns +
                              "WHERE (? = '' OR a.env = ?) AND (? = '' OR a.route = ?) "
                              "ORDER BY a.id DESC LIMIT ?");
    st.bind(1, env).bind(2, env).bind(3, route).bind(4, route);
    st.bind(5, limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(limit));
    std::vector<Attempt> out;
    while (st.step())
        out.push_back(read_attempt(st));
    return out;
}

std::optional<Attempt> last_traffic_change(Database& db, const std::string& env,
                                           const std::string& route) {
    Statement st = db.prepare(std::string("SELECT ") + kAttemptColumns +
                              "WHERE a.id = (SELECT attempt_id FROM deploy_traffic_events "
                              "WHERE env = ? AND route = ? ORDER BY id DESC LIMIT 1)");
    st.bind(1, env).bind(2, route);
    if (!st.step()) return std::nullopt;
    return read_attempt(st);
}

} // namespace llmops::deploy
