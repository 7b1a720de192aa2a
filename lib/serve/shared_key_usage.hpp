#pragma once
// What every key has used, as the store records it (request_key_spend: each gateway's log
// writer adds its requests' cost, count and tokens there in one statement, an atomic counter
// in the database). Replicas of one store read it so that a key's budget and rate limits hold
// across all of them.
#include "serve/request_log.hpp"
#include "store/database.hpp"

#include <mutex>
#include <vector>

namespace llmops::serve {

class SharedKeyUsage {
  public:
    // Opens a connection of its own (the caller's may be busy on another thread).
    explicit SharedKeyUsage(const store::DatabaseAddress& database);
    // Thread-safe.
    std::vector<KeyUsage> read();

  private:
    std::mutex mutex_;
    store::Database db_;
};

} // namespace llmops::serve
