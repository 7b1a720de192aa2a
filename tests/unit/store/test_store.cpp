#include "core/error.hpp"
#include "store/migrations.hpp"
#include "store/project.hpp"
#include "store/store_maintenance.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

using namespace llmops;
using namespace llmops::store;
namespace fs = std::filesystem;

namespace {
// Runs a block with the working directory changed, restoring it afterwards.
struct ScopedCwd {
    fs::path saved = fs::current_path();
    explicit ScopedCwd(const fs::path& to) { fs::current_path(to); }
    ~ScopedCwd() { fs::current_path(saved); }
};

int table_count(Database& db) {
    Statement st = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'");
    st.step();
    return static_cast<int>(st.column_int(0));
}
} // namespace

TEST_CASE("a fresh database migrates to the latest version", "[store][migrations]") {
    testing::TempDir dir;
    Database db = Database::open(dir.path() / "store.db", true);
    CHECK(db.user_version() == 0);
    migrate(db);
    CHECK(db.user_version() == latest_schema_version());
    CHECK(table_count(db) > 0);
    // Migrating again is a no-op.
    migrate(db);
    CHECK(db.user_version() == latest_schema_version());
}

TEST_CASE("an older store is upgraded step by step", "[store][migrations]") {
    testing::TempDir dir;
    {
        Database db = Database::open(dir.path() / "store.db", true);
        // Version 1 as released: the meta table only.
        db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
        db.exec("INSERT INTO meta VALUES ('created_by', 'an older llmops')");
        db.set_user_version(1);
    }
    Database db = Database::open(dir.path() / "store.db", false);
    migrate(db);
    CHECK(db.user_version() == latest_schema_version());
    Statement st = db.prepare("SELECT value FROM meta WHERE key = 'created_by'");
    REQUIRE(st.step());
    CHECK(st.column_text(0) == "an older llmops");
}

TEST_CASE("logged requests of a version 14 store read back with no guardrail flags", "[store][migrations]") {
    testing::TempDir dir;
    {
        Database db = Database::open(dir.path() / "store.db", true);
        migrate(db, 14);
        db.exec("INSERT INTO log_strings (id, value) VALUES (1, 'prod'), (2, 'POST'), "
                "(3, '/v1/chat/completions'), (4, 'metadata')");
        db.exec("INSERT INTO request_rows (id, env, method, path, canary, status, total_us, "
                "queue_us, upstream_us, overhead_us, prompt_tokens, completion_tokens, "
                "cost_nusd, cached, streamed, body_policy) "
                "VALUES (1048576, 1, 2, 3, 0, 200, 1500, 0, 1200, 300, 7, 9, 0, 0, 0, 4)");
    }
    Database db = Database::open(dir.path() / "store.db", false);
    migrate(db);
    CHECK(db.user_version() == latest_schema_version());
    Statement st = db.prepare("SELECT env, status, total_ms, flags FROM request_log");
    REQUIRE(st.step());
    CHECK(st.column_text(0) == "prod");
    CHECK(st.column_int(1) == 200);
    CHECK(st.column_double(2) == 1.5);
    CHECK(st.column_int(3) == 0);
    CHECK_FALSE(st.step());
}

TEST_CASE("a store newer than the binary is refused", "[store][migrations]") {
    testing::TempDir dir;
    Database db = Database::open(dir.path() / "store.db", true);
    db.set_user_version(latest_schema_version() + 1);
    try {
        migrate(db);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Store);
        CHECK_THAT(e.message(), Catch::Contains("newer than this llmops"));
    }
    CHECK(db.user_version() == latest_schema_version() + 1);
}

TEST_CASE("a failed migration step leaves the database as it was", "[store][migrations]") {
    testing::TempDir dir;
    Database db = Database::open(dir.path() / "store.db", true);
    // A table the first migration wants to create already exists: the step fails.
    db.exec("CREATE TABLE meta (x)");
    CHECK_THROWS_AS(migrate(db), Error);
    CHECK(db.user_version() == 0);
    CHECK(table_count(db) == 1);
}

TEST_CASE("transactions roll back unless committed", "[store]") {
    testing::TempDir dir;
    Database db = Database::open(dir.path() / "store.db", true);
    db.exec("CREATE TABLE t (x INTEGER)");
    {
        Transaction tx(db);
        db.prepare("INSERT INTO t VALUES (?)").bind(1, 1).run();
    }
    {
        Transaction tx(db);
        db.prepare("INSERT INTO t VALUES (?)").bind(1, 2).run();
        tx.commit();
    }
    Statement st = db.prepare("SELECT group_concat(x) FROM t");
    st.step();
    CHECK(st.column_text(0) == "2");
}

TEST_CASE("project discovery walks up and honours LLMOPS_DIR", "[store][project]") {
    testing::TempDir dir;
    ProjectPaths paths = init_project(dir.path() / "proj");
    fs::create_directories(paths.root / "a" / "b");
    CHECK(discover_project_root(paths.root / "a" / "b") == paths.root);
    CHECK(discover_project_root(paths.root) == paths.root);
    fs::create_directories(dir.path() / "elsewhere");
    CHECK_FALSE(discover_project_root(dir.path() / "elsewhere").has_value());

    {
        ScopedCwd cwd(paths.root / "a" / "b");
        ::unsetenv("LLMOPS_DIR");
        CHECK(locate_project().root == paths.root);
    }
    {
        ScopedCwd cwd(dir.path() / "elsewhere");
        try {
            locate_project();
            FAIL("expected an error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::Store);
            CHECK_THAT(e.hint(), Catch::Contains("llmops init"));
        }
        ::setenv("LLMOPS_DIR", paths.root.c_str(), 1);
        CHECK(locate_project().root == paths.root);
        ::setenv("LLMOPS_DIR", (dir.path() / "elsewhere").c_str(), 1);
        CHECK_THROWS_AS(locate_project(), Error);
        ::unsetenv("LLMOPS_DIR");
    }
}

TEST_CASE("init refuses an existing project and creates a complete store", "[store][project]") {
    testing::TempDir dir;
    ProjectPaths paths = init_project(dir.path());
    CHECK(fs::is_directory(paths.objects_dir));
    CHECK(fs::is_directory(paths.tmp_dir));
    CHECK(fs::exists(paths.config_file));
    try {
        init_project(dir.path());
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Usage);
        CHECK_THAT(e.message(), Catch::Contains(paths.store_dir.string()));
    }
    // No staging leftovers beside the store.
    for (const auto& entry : fs::directory_iterator(dir.path()))
        CHECK(entry.path().filename().string().find("llmops-init") == std::string::npos);
}

TEST_CASE("gc keeps referenced objects and removes orphans and temp files", "[store][gc]") {
    testing::TempDir dir;
    ProjectPaths paths = init_project(dir.path());
    Project project = Project::open(paths, StoreAccess::Exclusive);
    ObjectInfo kept = project.objects().put("kept");
    ObjectInfo orphan = project.objects().put("orphan");
    // A domain table reference, as a dataset version would make one.
    project.db()
        .prepare("INSERT INTO meta (key, value) VALUES ('object:test', ?)")
        .bind(1, kept.hash.hex())
        .run();
    {
        TempFile stale(paths.tmp_dir);
        stale.write("x");
    }
    std::ofstream(paths.tmp_dir / "obj-stale") << "partial";

    GcReport dry = collect_garbage(project, true);
    CHECK(dry.removed_objects.size() == 1);
    CHECK(project.objects().has(orphan.hash));

    GcReport report = collect_garbage(project, false);
    REQUIRE(report.removed_objects.size() == 1);
    CHECK(report.removed_objects[0].hash == orphan.hash);
    CHECK(report.removed_temp_files.size() == 1);
    CHECK(report.objects_kept == 1);
    CHECK(project.objects().has(kept.hash));
    CHECK_FALSE(project.objects().has(orphan.hash));
    CHECK(fs::is_empty(paths.tmp_dir));
}

TEST_CASE("fsck names corrupt and missing objects", "[store][fsck]") {
    testing::TempDir dir;
    ProjectPaths paths = init_project(dir.path());
    Project project = Project::open(paths, StoreAccess::Write);
    CHECK(check_store(project).problems.empty());

    ObjectInfo good = project.objects().put("good content");
    ObjectInfo bad = project.objects().put("bad content");
    fs::path bad_path = project.objects().path_for(bad.hash, false);
    std::ofstream(bad_path, std::ios::trunc) << "bad contenT";
    Hash128 missing = hash128("never stored");
    project.db()
        .prepare("INSERT INTO meta (key, value) VALUES ('object:gone', ?)")
        .bind(1, missing.hex())
        .run();

    FsckReport report = check_store(project);
    CHECK(report.objects_checked == 2);
    REQUIRE(report.problems.size() == 2);
    bool saw_corrupt = false, saw_missing = false;
    for (const auto& p : report.problems) {
        if (p.kind == "corrupt-object" && p.subject == bad.hash.hex()) saw_corrupt = true;
        if (p.kind == "missing-object" && p.subject == missing.hex()) saw_missing = true;
    }
    CHECK(saw_corrupt);
    CHECK(saw_missing);
    (void)good;
}

TEST_CASE("errors map to the documented exit codes", "[error]") {
    CHECK(exit_code_for(ErrorKind::CheckFailed) == 1);
    CHECK(exit_code_for(ErrorKind::Usage) == 2);
    CHECK(exit_code_for(ErrorKind::BadInput) == 3);
    CHECK(exit_code_for(ErrorKind::Store) == 4);
    CHECK(exit_code_for(ErrorKind::Provider) == 5);
    Error e(ErrorKind::BadInput, "bad row",
            ErrorLocation{.file = "a.jsonl", .line = 3, .column = 7});
    CHECK(std::string(e.what()) == "bad row (a.jsonl:3:7)");
    Error r(ErrorKind::BadInput, "missing variable", ErrorLocation{.row = 4, .field = "question"});
    CHECK(std::string(r.what()) == "missing variable (row 4, field question)");
}

TEST_CASE("no write starts under an open read of the same connection", "[store]") {
    // SQLite would fail such a write at once under concurrency ("database is locked", whatever
    // the busy timeout); the database layer refuses it every time instead.
    testing::TempDir dir;
    Database db = Database::open(dir.path() / "store.db", true);
    db.exec("CREATE TABLE t (x INTEGER)");
    db.exec("INSERT INTO t VALUES (1), (2)");
    Statement cursor = db.prepare("SELECT x FROM t");
    REQUIRE(cursor.step()); // a read is open now
    CHECK_THROWS_AS(Transaction(db), std::logic_error);
    Statement insert = db.prepare("INSERT INTO t VALUES (3)");
    CHECK_THROWS_AS(insert.run(), std::logic_error);
    // Reads may go on; once the cursor is reset, writes may start.
    Statement count = db.prepare("SELECT count(*) FROM t");
    CHECK(count.step());
    count.reset();
    cursor.reset();
    {
        Transaction tx(db);
        insert.run();
        tx.commit();
    }
    // Inside a write transaction a cursor may stay open: the write lock is already held.
    Transaction tx(db);
    Statement again = db.prepare("SELECT x FROM t");
    REQUIRE(again.step());
    insert.run();
    again.reset();
    tx.commit();
    count.step();
    CHECK(count.column_int(0) == 4);
}
