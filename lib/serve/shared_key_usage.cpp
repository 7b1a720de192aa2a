#include "serve/shared_key_usage.hpp"

namespace llmops::serve {

SharedKeyUsage::SharedKeyUsage(const store::DatabaseAddress& database)
    : db_(store::Database::open(database, false)) {}

std::vector<KeyUsage> SharedKeyUsage::read() {
    std::lock_guard lock(mutex_);
    return read_key_usage(db_);
}

} // namespace llmops::serve
