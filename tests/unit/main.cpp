// The unit tests' main: Catch2's own, except that every run fails when a test spec matches no
// test case (a ctest entry that would run nothing) or a test case checks nothing. Catch2 2.x
// accepts only one -w option, so both warnings are switched on here.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
    Catch::Session session;
    if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
    auto& config = session.configData();
    config.warnings = static_cast<Catch::WarnAbout::What>(
        config.warnings | Catch::WarnAbout::NoAssertions | Catch::WarnAbout::NoTests);
    return session.run();
}
