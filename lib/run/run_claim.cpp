#include "run/run_claim.hpp"

#include "core/error.hpp"
#include "core/process_owner.hpp"

#include <optional>

namespace llmops::run {

namespace {

// Fixed names: never built from user text.
std::string_view table_name(ClaimedTable table) {
    return table == ClaimedTable::Runs ? "runs" : "eval_runs";
}

std::string resume_command(const ClaimRules& rules, std::int64_t id) {
    return (rules.what == "run" ? "llmops run --resume " : "llmops eval run --resume ") +
           std::to_string(id);
}

struct ClaimState {
    std::string status;
    std::optional<std::string> owner;
};

ClaimState read_state(store::Database& db, ClaimedTable table, std::int64_t id,
                      const ClaimRules& rules) {
    auto read =
        db.prepare("SELECT status, owner FROM " + std::string(table_name(table)) + " WHERE id = ?");
    read.bind(1, id);
    if (!read.step())
        throw Error(ErrorKind::BadInput,
                    "no " + std::string(rules.what) + " " + std::to_string(id));
    return {read.column_text(0), read.column_optional_text(1)};
}

void decide(const ClaimState& current, std::int64_t id, const ClaimRules& rules) {
    const std::string& status = current.status;
    std::string name = std::string(rules.what) + " " + std::to_string(id);
    if (status == "completed" && !rules.allow_completed)
        throw Error(ErrorKind::Usage, name + " is already complete", {},
                    "start a new one with 'llmops eval run SPEC'");
    if (status != "running") return;
    std::optional<ProcessOwner> owner = ProcessOwner::parse(current.owner.value_or(""));
    OwnerLiveness alive = owner ? liveness(*owner) : OwnerLiveness::Unknown;
    if (alive == OwnerLiveness::Alive)
        throw Error(ErrorKind::Usage,
                    name + " is still running (pid " + std::to_string(owner->pid) +
                        " on this host)",
                    {}, "wait for it, or stop it with Ctrl-C and resume it then");
    if (rules.force) return;
    if (alive == OwnerLiveness::Gone)
        throw Error(ErrorKind::Usage,
                    name + " is marked running, but its process (pid " +
                        std::to_string(owner->pid) + ") is gone",
                    {}, "it was killed or crashed: '" + resume_command(rules, id) + " --force'");
    throw Error(ErrorKind::Usage,
                name + " is still running" +
                    (owner ? " (pid " + std::to_string(owner->pid) + " on " + owner->host + ")"
                           : std::string()),
                {},
                "a process killed without a chance to record it stays 'running'; if so, pass "
                "--force to resume it anyway");
}

} // namespace

std::string this_owner() {
    return this_process().to_text();
}

void check_resumable(store::Database& db, ClaimedTable table, std::int64_t id,
                     const ClaimRules& rules) {
    decide(read_state(db, table, id, rules), id, rules);
}

void claim_for_resume(store::Database& db, ClaimedTable table, std::int64_t id,
                      const ClaimRules& rules) {
    std::string t(table_name(table));
    store::Transaction tx(db);
    ClaimState state = read_state(db, table, id, rules);
    decide(state, id, rules);
    // Compare and set: applies only to the state just checked.
    auto claim = db.prepare("UPDATE " + t +
                            " SET status = 'running', owner = ?, finished_at = NULL"
                            " WHERE id = ? AND status = ? AND owner IS ?");
    claim.bind(1, this_owner()).bind(2, id).bind(3, state.status).bind(4, state.owner);
    claim.run();
    if (db.changes() != 1)
        throw Error(ErrorKind::Usage, std::string(rules.what) + " " + std::to_string(id) +
                                          " was claimed by another process");
    tx.commit();
}

} // namespace llmops::run
