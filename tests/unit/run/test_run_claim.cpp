// Resume claims: one write decides who runs a run; a live owner is never displaced, a dead
// or unknown one only with force.
#include "core/error.hpp"
#include "core/process_owner.hpp"
#include "eval/eval_store.hpp"
#include "run/run_claim.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

using namespace llmops;
using namespace llmops::run;

namespace {

struct ClaimFixture {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path() / "proj");
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);
    store::Database& db = project.db();
    // An eval run row stands for any claimable row: it needs no prompt or dataset.
    std::int64_t id = eval::create_eval_run(db, eval::NewEvalRun{});

    void set(const std::string& status, const std::optional<std::string>& owner) {
        auto st = db.prepare("UPDATE eval_runs SET status = ?, owner = ? WHERE id = ?");
        st.bind(1, status).bind(2, owner).bind(3, id).run();
    }
    std::pair<std::string, std::string> state() {
        auto st = db.prepare("SELECT status, coalesce(owner, '') FROM eval_runs WHERE id = ?");
        st.bind(1, id);
        st.step();
        return {st.column_text(0), st.column_text(1)};
    }
    void claim(bool force, bool allow_completed = true) {
        claim_for_resume(db, ClaimedTable::EvalRuns, id,
                         {.what = "eval run", .allow_completed = allow_completed, .force = force});
    }
};

std::string dead_owner() {
    pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);
    ProcessOwner owner = this_process();
    owner.pid = child;
    return owner.to_text();
}

std::string refusal(ClaimFixture& f, bool force, bool allow_completed = true) {
    auto before = f.state();
    try {
        f.claim(force, allow_completed);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Usage);
        CHECK(f.state() == before); // a refused claim writes nothing
        return e.message();
    }
    return "";
}

} // namespace

TEST_CASE("a new run is owned by the process that made it", "[run][claim]") {
    ClaimFixture f;
    CHECK(f.state() == std::make_pair(std::string("running"), this_owner()));
}

TEST_CASE("a live owner is never displaced, not even with force", "[run][claim]") {
    ClaimFixture f;
    CHECK_THAT(refusal(f, false), Catch::Contains("is still running (pid"));
    CHECK_THAT(refusal(f, true), Catch::Contains("on this host"));
}

TEST_CASE("a dead owner's run is taken with force only", "[run][claim]") {
    ClaimFixture f;
    f.set("running", dead_owner());
    CHECK_THAT(refusal(f, false), Catch::Contains("is gone"));
    f.claim(true);
    CHECK(f.state() == std::make_pair(std::string("running"), this_owner()));
}

TEST_CASE("an owner that cannot be checked needs force", "[run][claim]") {
    ClaimFixture f;
    ProcessOwner other = this_process();
    other.host += "-elsewhere";
    f.set("running", other.to_text());
    CHECK_THAT(refusal(f, false),
               Catch::Contains("still running (pid") && Catch::Contains("on " + other.host));
    f.claim(true);
    CHECK(f.state().second == this_owner());

    f.set("running", std::nullopt); // a store from before owners were recorded
    CHECK_THAT(refusal(f, false), Catch::Contains("still running"));
    f.claim(true);
}

TEST_CASE("interrupted and failed runs are claimed at once, completed as the caller says",
          "[run][claim]") {
    ClaimFixture f;
    for (const char* status : {"interrupted", "failed"}) {
        f.set(status, dead_owner());
        f.claim(false);
        CHECK(f.state() == std::make_pair(std::string("running"), this_owner()));
    }
    f.set("completed", dead_owner());
    CHECK_THAT(refusal(f, false, false), Catch::Contains("already complete"));
    f.claim(false, true);
    CHECK(f.state().first == "running");
}
