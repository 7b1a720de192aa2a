#include "store/project.hpp"

#include "core/error.hpp"
#include "store/migrations.hpp"
#include "store/store_location.hpp"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <thread>

namespace llmops::store {

namespace fs = std::filesystem;

namespace {
constexpr const char* kStoreDirName = ".llmops";
constexpr auto kLockTimeout = std::chrono::seconds(60);

constexpr const char* kDefaultConfig =
    R"yaml(# llmops project configuration. Commit this file; keep .llmops/ out of git.
# Reference: docs/config.md
version: 1

# Model providers, referred to by id from `llmops run` and eval specs.
# providers:
#   default:
#     type: openai                 # openai | azure | anthropic | exec | echo
#     model: gpt-4o-mini
#     api_key_env: OPENAI_API_KEY  # the key is read from this variable, never stored
providers:
  echo:
    type: echo
)yaml";

FileDescriptor acquire_lock(const fs::path& lock_file, StoreAccess access) {
    if (access == StoreAccess::Read) return {};
    FileDescriptor fd(::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd.valid())
        throw Error(ErrorKind::Store,
                    std::string("cannot open store lock: ") + std::strerror(errno),
                    ErrorLocation{.file = lock_file.string()});
    int mode = (access == StoreAccess::Exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
    auto deadline = std::chrono::steady_clock::now() + kLockTimeout;
    while (::flock(fd.get(), mode) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR)
            throw Error(ErrorKind::Store, std::string("cannot lock store: ") + std::strerror(errno),
                        ErrorLocation{.file = lock_file.string()});
        if (std::chrono::steady_clock::now() > deadline)
            throw Error(ErrorKind::Store, "timed out waiting for the store lock",
                        ErrorLocation{.file = lock_file.string()},
                        "another llmops process (gc?) holds the store");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return fd;
}
} // namespace

ProjectPaths ProjectPaths::for_root(const fs::path& root) {
    ProjectPaths p;
    p.root = root;
    p.config_file = root / "llmops.yaml";
    p.store_dir = root / kStoreDirName;
    p.db_file = p.store_dir / "store.db";
    p.objects_dir = p.store_dir / "objects";
    p.tmp_dir = p.store_dir / "tmp";
    p.lock_file = p.store_dir / "lock";
    p.database_url = configured_database_url(p.config_file);
    return p;
}

std::optional<fs::path> discover_project_root(const fs::path& start) {
    std::error_code ec;
    fs::path dir = fs::weakly_canonical(fs::absolute(start, ec), ec);
    for (;;) {
        if (fs::is_directory(dir / kStoreDirName, ec)) return dir;
        if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
        dir = dir.parent_path();
    }
}

ProjectPaths locate_project() {
    const char* env = std::getenv("LLMOPS_DIR");
    if (env && *env) {
        fs::path root = fs::absolute(env);
        if (!fs::is_directory(root / kStoreDirName))
            throw Error(ErrorKind::Store, "LLMOPS_DIR is not an llmops project",
                        ErrorLocation{.file = root.string()}, "run 'llmops init' there");
        return ProjectPaths::for_root(root);
    }
    auto root = discover_project_root(fs::current_path());
    if (!root)
        throw Error(ErrorKind::Store,
                    "not an llmops project (or any parent up to /): no .llmops directory", {},
                    "run 'llmops init' to create one here");
    return ProjectPaths::for_root(*root);
}

ProjectPaths init_project(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw Error(ErrorKind::BadInput, "cannot create project directory: " + ec.message(),
                    ErrorLocation{.file = dir.string()});
    fs::path root = fs::canonical(dir);
    ProjectPaths paths = ProjectPaths::for_root(root);
    if (fs::exists(paths.store_dir))
        throw Error(ErrorKind::Usage, "a project already exists at " + paths.store_dir.string(), {},
                    "use it as it is; remove that directory first to start afresh");

    // Build the store under a temp name so a crash never leaves a half-made .llmops/.
    TempFile placeholder(root, ".llmops-init-");
    fs::path staging = placeholder.path().string() + ".d";
    ProjectPaths staged = ProjectPaths::for_root(root);
    staged.store_dir = staging;
    fs::create_directory(staging);
    try {
        fs::create_directory(staging / "objects");
        fs::create_directory(staging / "tmp");
        write_all(FileDescriptor(::open((staging / ".gitignore").c_str(),
                                        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644))
                      .get(),
                  "# The llmops store is local; share it with `llmops push`.\n*\n",
                  staging / ".gitignore");
        {
            // A PostgreSQL store may already hold a schema: a second project (or CI runner)
            // joining a shared database migrates nothing.
            Database db =
                Database::open(DatabaseAddress(staging / "store.db", paths.database_url), true);
            migrate(db);
            if (db.dialect() == Dialect::SQLite) db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        if (!fs::exists(paths.config_file))
            write_file_atomic(paths.config_file, kDefaultConfig, staging / "tmp");
        if (::rename(staging.c_str(), paths.store_dir.c_str()) != 0)
            throw Error(ErrorKind::Store,
                        std::string("cannot create the store: ") + std::strerror(errno),
                        ErrorLocation{.file = paths.store_dir.string()});
        fsync_directory(root);
    } catch (...) {
        fs::remove_all(staging, ec);
        throw;
    }
    return paths;
}

Project::Project(ProjectPaths paths, Database db, FileDescriptor lock)
    : paths_(std::move(paths)), db_(std::move(db)), objects_(paths_.objects_dir, paths_.tmp_dir),
      lock_(std::move(lock)) {}

Project Project::open(const ProjectPaths& paths, StoreAccess access) {
    if (paths.database_url.empty() && !fs::exists(paths.db_file))
        throw Error(ErrorKind::Store, "the store database is missing",
                    ErrorLocation{.file = paths.db_file.string()}, "run 'llmops fsck'");
    FileDescriptor lock = acquire_lock(paths.lock_file, access);
    Database db = Database::open(paths.database(), false);
    migrate(db);
    return Project(paths, std::move(db), std::move(lock));
}

} // namespace llmops::store
