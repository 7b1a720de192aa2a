#pragma once
// `serve`'s scheduled canary checks: when the environment's canary_policy has a schedule, a
// thread runs `deploy check` on every route with a canary that often, and with `auto: true`
// applies the verdict (promote or rollback, recorded in the deploy history; a hold is only
// noted). The gateway picks up the new traffic like any deploy. Reference: docs/deploy.md.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

#include "deploy/environments.hpp"
#include "store/project.hpp"

namespace llmops::serve {

class CanarySchedule {
  public:
    // Starts the thread; the first check runs one interval after the start.
    CanarySchedule(store::ProjectPaths paths, deploy::Environment environment,
                   std::function<void(std::string_view)> note);
    ~CanarySchedule(); // stops and joins
    CanarySchedule(const CanarySchedule&) = delete;
    CanarySchedule& operator=(const CanarySchedule&) = delete;

    // One pass over the environment's canaries (what the thread does each interval).
    void check_all();

  private:
    void loop();

    store::ProjectPaths paths_;
    deploy::Environment environment_;
    std::function<void(std::string_view)> note_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace llmops::serve
