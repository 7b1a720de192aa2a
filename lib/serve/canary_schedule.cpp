#include "serve/canary_schedule.hpp"

#include <chrono>
#include <fmt/format.h>

#include "deploy/canary_analysis.hpp"
#include "deploy/deploy_store.hpp"

namespace llmops::serve {

CanarySchedule::CanarySchedule(store::ProjectPaths paths, deploy::Environment environment,
                               std::function<void(std::string_view)> note)
    : paths_(std::move(paths)), environment_(std::move(environment)), note_(std::move(note)) {
    thread_ = std::thread([this] { loop(); });
}

CanarySchedule::~CanarySchedule() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void CanarySchedule::check_all() {
    const deploy::CanaryPolicy& policy = environment_.canary_policy;
    // Write access only while checking: a long-held shared lock would keep gc out.
    store::Project project = store::Project::open(
        paths_, policy.auto_apply ? store::StoreAccess::Write : store::StoreAccess::Read);
    for (const auto& traffic : deploy::list_traffic(project.db(), environment_.name)) {
        if (!traffic.canary) continue;
        try {
            auto result = deploy::check_canary(project, environment_, traffic.route,
                                               policy.auto_apply, /*record_hold=*/false);
            const auto& a = result.analysis;
            std::string applied;
            if (result.change)
                applied = fmt::format(" (applied, attempt {})", result.attempt_id);
            else if (a.verdict != "hold" && !policy.auto_apply)
                applied = " (not applied: canary_policy.auto is off)";
            if (note_)
                note_(fmt::format("canary check {} route {}: {}{}: {}", environment_.name,
                                  traffic.route, a.verdict, applied, a.reason));
        } catch (const std::exception& e) {
            if (note_)
                note_(fmt::format("canary check {} route {} failed: {}", environment_.name,
                                  traffic.route, e.what()));
        }
    }
}

void CanarySchedule::loop() {
    const auto interval =
        std::chrono::duration<double>(environment_.canary_policy.schedule_s.value_or(60));
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (wake_.wait_for(lock, interval, [this] { return stopping_; })) break;
        lock.unlock();
        try {
            check_all();
        } catch (const std::exception& e) {
            if (note_) note_(std::string("canary check failed: ") + e.what());
        }
        lock.lock();
    }
}

} // namespace llmops::serve
