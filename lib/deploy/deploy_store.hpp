#pragma once
// The deployment records in store.db: releases (immutable, numbered per environment and
// route), every deploy attempt, the traffic live now per environment and route, and every
// change of that traffic (for "what was live at T"). Reference: docs/store-format.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/database.hpp"

namespace llmops::deploy {

struct Release {
    std::int64_t id = 0;
    std::string env;
    std::string route;
    std::int64_t number = 0;
    std::string hash; // the content: route, prompt version, provider config, parameters
    std::int64_t prompt_version_id = 0;
    std::string prompt_ref; // "qa-answer@3"
    std::string prompt_name;
    std::string provider_id;
    nlohmann::json provider_config; // describe_provider: never a key
    std::string provider_config_hash;
    nlohmann::json parameters;
    std::string created_at;
};

struct NewRelease {
    std::string env;
    std::string route;
    std::string hash;
    std::int64_t prompt_version_id = 0;
    std::string provider_id;
    nlohmann::json provider_config;
    std::string provider_config_hash;
    nlohmann::json parameters;
};

struct Traffic {
    std::string env;
    std::string route;
    Release stable;
    std::optional<Release> canary;
    double canary_percent = 0;
    std::int64_t generation = 0; // bumped by every change: a deploy's compare-and-set
    std::string updated_at;
};

struct Attempt {
    std::int64_t id = 0;
    std::string env;
    std::string route;
    std::string action;  // deploy, rollback, promote, ramp
    std::string outcome; // passed, blocked, forced, dry-run, superseded, done
    nlohmann::json candidate = nlohmann::json::object();
    std::optional<std::int64_t> release_id;
    std::optional<std::int64_t> release_number;
    std::optional<double> canary_percent;
    std::string actor;
    nlohmann::json ci = nlohmann::json::object();
    std::string message;
    nlohmann::json gates = nlohmann::json::array();
    std::string created_at;
};

// Creates the release numbered one past the last of its environment and route.
Release insert_release(store::Database& db, const NewRelease& release);
Release load_release(store::Database& db, std::int64_t id);
// Throws Error(Usage) for an unknown release number.
Release find_release(store::Database& db, const std::string& env, const std::string& route,
                     std::int64_t number);

std::optional<Traffic> load_traffic(store::Database& db, const std::string& env,
                                    const std::string& route);
// Every route of `env` ("" = every environment), by environment then route.
std::vector<Traffic> list_traffic(store::Database& db, const std::string& env);
// What was live at `time` (ISO 8601 UTC, as stored): the last change at or before it.
std::optional<Traffic> traffic_at(store::Database& db, const std::string& env,
                                  const std::string& route, const std::string& time);
// Routes that ever had traffic in `env` ("" = all): {env, route} pairs.
std::vector<std::pair<std::string, std::string>> known_routes(store::Database& db,
                                                              const std::string& env);

// Sets what is live and records the change; the caller holds the write transaction.
void set_traffic(store::Database& db, const std::string& env, const std::string& route,
                 std::int64_t stable_release_id, std::optional<std::int64_t> canary_release_id,
                 double canary_percent, std::int64_t attempt_id);

std::int64_t record_attempt(store::Database& db, const Attempt& attempt);
// Newest first; env / route "" = all; limit 0 = no limit.
std::vector<Attempt> list_attempts(store::Database& db, const std::string& env,
                                   const std::string& route, std::size_t limit);
// The attempt that last changed the traffic of env / route.
std::optional<Attempt> last_traffic_change(store::Database& db, const std::string& env,
                                           const std::string& route);

} // namespace llmops::deploy
