#include "remote/remote_clone.hpp"

#include "store/project.hpp"

#include <system_error>

namespace llmops::remote {

namespace fs = std::filesystem;

namespace {

// Removes the folder (when clone created it) or what init put in it, unless released. A
// llmops.yaml that was there before belongs to the user and stays.
class CloneCleanup {
  public:
    CloneCleanup(fs::path dir, bool created, bool keep_config)
        : dir_(std::move(dir)), created_(created), keep_config_(keep_config) {}
    ~CloneCleanup() {
        if (released_) return;
        std::error_code ec;
        if (created_) {
            fs::remove_all(dir_, ec);
            return;
        }
        fs::remove_all(dir_ / ".llmops", ec);
        if (!keep_config_) fs::remove(dir_ / "llmops.yaml", ec);
    }
    CloneCleanup(const CloneCleanup&) = delete;
    CloneCleanup& operator=(const CloneCleanup&) = delete;
    void release() { released_ = true; }

  private:
    fs::path dir_;
    bool created_;
    bool keep_config_;
    bool released_ = false;
};

} // namespace

CloneResult clone(const RemoteConfig& remote, const fs::path& dir, const EnvLookup& env,
                  const TransferProgress& progress) {
    check_remote(remote);
    S3Settings settings = settings_for(remote, env); // credentials before anything is made
    std::error_code ec;
    bool existed = fs::exists(dir, ec);
    bool had_config = existed && fs::exists(dir / "llmops.yaml", ec);
    store::ProjectPaths paths = store::init_project(dir);
    CloneCleanup cleanup(dir, !existed, had_config);
    CloneResult result;
    result.root = paths.root;
    result.remote = remote;
    {
        store::Project project = store::Project::open(paths, store::StoreAccess::Write);
        add_remote(project.db(), remote);
        S3Client s3(settings);
        result.pulled = pull(project, s3, remote, PullOptions{}, progress);
    }
    cleanup.release();
    return result;
}

nlohmann::json to_json(const CloneResult& r) {
    return {{"root", r.root.string()}, {"remote", to_json(r.remote)}, {"pull", to_json(r.pulled)}};
}

} // namespace llmops::remote
