// Process owners: identity that survives pid reuse, and liveness as seen from this host.
#include "core/process_owner.hpp"

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

using namespace llmops;

TEST_CASE("an owner's text round-trips", "[core][owner]") {
    ProcessOwner self = this_process();
    CHECK(self.pid == static_cast<long>(::getpid()));
    CHECK(self.start_ticks > 0);
    auto parsed = ProcessOwner::parse(self.to_text());
    REQUIRE(parsed);
    CHECK(parsed->host == self.host);
    CHECK(parsed->boot_id == self.boot_id);
    CHECK(parsed->pid == self.pid);
    CHECK(parsed->start_ticks == self.start_ticks);
    CHECK_FALSE(ProcessOwner::parse(""));
    CHECK_FALSE(ProcessOwner::parse("host/boot/notapid/1"));
    CHECK_FALSE(ProcessOwner::parse("1/2"));
}

TEST_CASE("liveness: this process, a dead one, a reused pid, another host", "[core][owner]") {
    ProcessOwner self = this_process();
    CHECK(liveness(self) == OwnerLiveness::Alive);

    // A child that has exited: gone whether reaped or still a zombie.
    pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ProcessOwner dead = self;
    dead.pid = child;
    for (int i = 0; i < 200; ++i) { // until the child is a zombie (not yet reaped)
        if (liveness(dead) == OwnerLiveness::Gone) break;
        ::usleep(10000);
    }
    CHECK(liveness(dead) == OwnerLiveness::Gone);
    ::waitpid(child, nullptr, 0);
    CHECK(liveness(dead) == OwnerLiveness::Gone);

    // The same pid with another start time is another process.
    ProcessOwner reused = self;
    reused.start_ticks = self.start_ticks + 1;
    CHECK(liveness(reused) == OwnerLiveness::Gone);

    ProcessOwner elsewhere = self;
    elsewhere.host = self.host + "-elsewhere";
    CHECK(liveness(elsewhere) == OwnerLiveness::Unknown);
}
