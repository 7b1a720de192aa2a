#include "serve/shared_spend.hpp"

namespace llmops::serve {

SharedSpend::SharedSpend(const store::DatabaseAddress& database)
    : db_(store::Database::open(database, false)) {}

std::vector<std::pair<std::string, double>> SharedSpend::read() {
    std::lock_guard lock(mutex_);
    auto st = db_.prepare("SELECT key_name, cost_usd FROM request_key_spend");
    std::vector<std::pair<std::string, double>> out;
    while (st.step())
        out.emplace_back(st.column_text(0), st.column_double(1));
    return out;
}

} // namespace llmops::serve
