#pragma once
// The two connection backends behind store::Database (database.hpp).
#include "store/database.hpp"

namespace llmops::store::backend {

std::unique_ptr<ConnectionImpl> open_sqlite(const std::filesystem::path& path, bool create);
// display: the URL without its password, for messages.
std::unique_ptr<ConnectionImpl> open_postgres(const std::string& url, const std::string& display);

} // namespace llmops::store::backend
