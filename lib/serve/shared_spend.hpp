#pragma once
// What every key has spent, as the store records it (request_key_spend: each gateway's log
// writer adds its requests' cost there in one statement, an atomic counter in the database).
// Replicas of one store read it so that a key's budget holds across all of them.
#include "store/database.hpp"

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace llmops::serve {

class SharedSpend {
  public:
    // Opens a connection of its own (the caller's may be busy on another thread).
    explicit SharedSpend(const store::DatabaseAddress& database);
    // USD per key name; thread-safe.
    std::vector<std::pair<std::string, double>> read();

  private:
    std::mutex mutex_;
    store::Database db_;
};

} // namespace llmops::serve
