#pragma once
// Sets (or unsets) an environment variable for one test and puts back what was there before,
// so that no test leaks process state into the next.
#include <cstdlib>
#include <optional>
#include <string>

namespace llmops::testing {

class ScopedEnv {
  public:
    // value nullptr: unset it for the test.
    ScopedEnv(std::string name, const char* value) : name_(std::move(name)) {
        if (const char* old = std::getenv(name_.c_str())) saved_ = old;
        if (value)
            ::setenv(name_.c_str(), value, 1);
        else
            ::unsetenv(name_.c_str());
    }
    ~ScopedEnv() {
        if (saved_)
            ::setenv(name_.c_str(), saved_->c_str(), 1);
        else
            ::unsetenv(name_.c_str());
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    std::string name_;
    std::optional<std::string> saved_;
};

} // namespace llmops::testing
