#include "monitor/alert_delivery.hpp"

#include "core/time.hpp"
#include "http/http_transport.hpp"

#include <algorithm>

namespace llmops::monitor {

using nlohmann::json;

namespace {

constexpr std::int64_t kDeliveryLeaseMarginMs = 60000;

struct Due {
    std::int64_t id = 0;
    std::string fingerprint, receiver, status, payload;
    int attempts = 0;
};

std::vector<Due> load_due(store::Database& db, std::int64_t now_ms) {
    auto st = db.prepare("SELECT id, fingerprint, receiver, status, payload, attempts FROM "
                         "alert_outbox WHERE delivered_at IS NULL AND next_attempt_ms <= ?1 "
                         "ORDER BY id LIMIT 1000");
    st.bind(1, now_ms);
    std::vector<Due> out;
    while (st.step())
        out.push_back({st.column_int(0), st.column_text(1), st.column_text(2), st.column_text(3),
                       st.column_text(4), static_cast<int>(st.column_int(5))});
    return out;
}

// The due entries, taken for this process: in one write transaction their next attempt moves
// past the time this delivery can take, so another process (a second gateway, a cron `monitor
// check`) never sends them too. The outcome then sets the real next attempt; a process that
// dies meanwhile leaves them to be retried when the lease ends.
std::vector<Due> claim_due(store::Database& db, std::int64_t now_ms, double timeout_s) {
    store::Transaction tx(db);
    std::vector<Due> due = load_due(db, now_ms);
    std::int64_t hooks = 0;
    for (const auto& d : due)
        hooks += d.receiver.rfind("exec:", 0) == 0 ? 1 : 0;
    // HTTP receivers run at once (one timeout); exec hooks one after another.
    const std::int64_t lease_ms =
        kDeliveryLeaseMarginMs + static_cast<std::int64_t>(timeout_s * 1000.0) * (hooks + 1);
    auto lease = db.prepare("UPDATE alert_outbox SET next_attempt_ms = ?2 WHERE id = ?1");
    for (const auto& d : due) {
        lease.bind(1, d.id).bind(2, now_ms + lease_ms);
        lease.run();
        lease.reset();
    }
    tx.commit();
    return due;
}

// "alertmanager:URL" -> ("alertmanager", "URL").
std::pair<std::string, std::string> split_receiver(const std::string& receiver) {
    auto colon = receiver.find(':');
    if (colon == std::string::npos) return {receiver, ""};
    return {receiver.substr(0, colon), receiver.substr(colon + 1)};
}

std::string post_url(const std::string& kind, const std::string& target) {
    if (kind != "alertmanager") return target;
    std::string base = target;
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    return base + "/api/v2/alerts";
}

} // namespace

std::int64_t delivery_backoff_ms(int failed_attempts) {
    std::int64_t pause = 5000;
    for (int i = 1; i < failed_attempts && pause < 300000; ++i)
        pause *= 2;
    return std::min<std::int64_t>(pause, 300000);
}

DeliveryReport deliver_due(store::Database& db, std::int64_t now_ms, double timeout_s,
                           const std::string& working_dir) {
    DeliveryReport report;
    std::vector<Due> due = claim_due(db, now_ms, timeout_s);
    if (due.empty()) return report;
    std::vector<std::string> errors(due.size());

    // HTTP receivers all at once on one libcurl multi handle; no store lock is held meanwhile.
    http::HttpTransport transport(8);
    std::size_t http_calls = 0;
    for (std::size_t i = 0; i < due.size(); ++i) {
        auto [kind, target] = split_receiver(due[i].receiver);
        if (kind == "exec") continue;
        http::HttpCall call;
        call.url = post_url(kind, target);
        call.headers = {{"Content-Type", "application/json"}, {"User-Agent", "llmops-alerts"}};
        call.body = due[i].payload;
        call.timeout_s = timeout_s;
        transport.start(i, std::move(call));
        ++http_calls;
    }
    std::vector<http::HttpResponse> done;
    while (done.size() < http_calls)
        transport.poll(done, std::chrono::milliseconds(100));
    for (const auto& r : done) {
        std::string& error = errors[r.ticket];
        if (!r.transport_ok)
            error = r.error.empty() ? "no response" : r.error;
        else if (r.status < 200 || r.status >= 300)
            error = "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200);
    }
    for (std::size_t i = 0; i < due.size(); ++i) {
        auto [kind, target] = split_receiver(due[i].receiver);
        if (kind != "exec") continue;
        errors[i] = run_exec_hook(target, due[i].payload, working_dir, timeout_s,
                                  {{"LLMOPS_ALERT_FINGERPRINT", due[i].fingerprint},
                                   {"LLMOPS_ALERT_STATUS", due[i].status}});
    }

    store::Transaction tx(db);
    auto delivered = db.prepare("UPDATE alert_outbox SET delivered_at = ?2, attempts = "
                                "attempts + 1, last_error = NULL WHERE id = ?1");
    auto failed = db.prepare("UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?2, "
                             "next_attempt_ms = ?3 WHERE id = ?1");
    const std::string now = iso8601_from_ms(now_ms);
    for (std::size_t i = 0; i < due.size(); ++i) {
        DeliveryAttempt a;
        a.receiver = due[i].receiver;
        a.fingerprint = due[i].fingerprint;
        a.status = due[i].status;
        a.attempts = due[i].attempts + 1;
        if (errors[i].empty()) {
            a.delivered = true;
            delivered.bind(1, due[i].id).bind(2, now);
            delivered.run();
            delivered.reset();
            ++report.delivered;
        } else {
            a.error = errors[i];
            a.gave_up = a.attempts >= kMaxDeliveryAttempts;
            // Giving up parks the entry where no due time reaches it; it stays for inspection.
            a.next_attempt_ms = a.gave_up ? INT64_MAX : now_ms + delivery_backoff_ms(a.attempts);
            failed.bind(1, due[i].id).bind(2, a.error).bind(3, a.next_attempt_ms);
            failed.run();
            failed.reset();
            ++report.failed;
        }
        report.attempts.push_back(std::move(a));
    }
    tx.commit();
    return report;
}

json to_json(const DeliveryReport& report) {
    json attempts = json::array();
    for (const auto& a : report.attempts) {
        json item = {{"receiver", a.receiver},
                     {"fingerprint", a.fingerprint},
                     {"status", a.status},
                     {"delivered", a.delivered},
                     {"attempts", a.attempts}};
        if (!a.delivered) {
            item["error"] = a.error;
            item["gave_up"] = a.gave_up;
            if (!a.gave_up) item["next_attempt"] = iso8601_from_ms(a.next_attempt_ms);
        }
        attempts.push_back(std::move(item));
    }
    return {{"delivered", report.delivered}, {"failed", report.failed}, {"attempts", attempts}};
}

} // namespace llmops::monitor
