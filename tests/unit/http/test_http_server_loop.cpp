// The inbound server's event loops: each I/O thread has its own, connections are dealt to
// them in turn, and the LoopWork beside each loop (the gateway's upstream calls) is made, run
// and destroyed on its own thread: when its descriptor is readable, when it is due, and after
// a request its thread handled.
#include "http/http_server.hpp"
#include "http/http_transport.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace llmops::http;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct WorkRecord {
    std::thread::id made_on;
    std::atomic<int> runs{0};
    std::atomic<bool> runs_on_own_thread{true};
    std::atomic<bool> destroyed{false};
    std::atomic<bool> destroyed_on_own_thread{false};
    std::atomic<bool> due_once{false}; // set by a request: due() answers "now" once
    int event_fd = -1;
};

class CountingWork final : public LoopWork {
  public:
    explicit CountingWork(WorkRecord& record) : record_(record) {
        record_.made_on = std::this_thread::get_id();
        record_.event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    }
    ~CountingWork() override {
        record_.destroyed_on_own_thread = std::this_thread::get_id() == record_.made_on;
        ::close(record_.event_fd);
        record_.destroyed = true;
    }
    int watched_fd() const override { return record_.event_fd; }
    std::optional<Clock::time_point> due() const override {
        if (record_.due_once.load()) return Clock::now();
        return std::nullopt;
    }
    void run() override {
        if (std::this_thread::get_id() != record_.made_on) record_.runs_on_own_thread = false;
        std::uint64_t count = 0;
        [[maybe_unused]] auto got = ::read(record_.event_fd, &count, sizeof count);
        record_.due_once = false;
        record_.runs.fetch_add(1);
    }

  private:
    WorkRecord& record_;
};

template <class Predicate> bool eventually(Predicate done) {
    for (auto until = Clock::now() + 5s; Clock::now() < until; std::this_thread::sleep_for(2ms))
        if (done()) return true;
    return done();
}

// One request on a connection of its own (a fresh transport opens a fresh connection).
int get_on_new_connection(int port) {
    HttpTransport transport(1);
    HttpCall call;
    call.url = "http://127.0.0.1:" + std::to_string(port) + "/x";
    call.method = "GET";
    call.timeout_s = 5;
    transport.start(1, std::move(call));
    std::vector<HttpResponse> done;
    for (auto until = Clock::now() + 5s; done.empty() && Clock::now() < until;)
        transport.poll(done, 50ms);
    return done.empty() ? 0 : done.front().status;
}

} // namespace

TEST_CASE("server: every I/O thread's loop work lives and runs on that thread", "[http][serve]") {
    WorkRecord records[2];
    std::atomic<int> taken{0}, made{0};
    std::mutex mutex;
    std::vector<std::thread::id> handled_on; // per request, in order

    ServerOptions options;
    options.threads = 2;
    options.loop_work = [&]() -> std::unique_ptr<LoopWork> {
        auto work = std::make_unique<CountingWork>(records[taken.fetch_add(1)]);
        made.fetch_add(1);
        return work;
    };
    HttpServer server(options, [&](ServerRequest&&, std::shared_ptr<ResponseWriter> writer) {
        {
            std::lock_guard lock(mutex);
            handled_on.push_back(std::this_thread::get_id());
        }
        for (auto& r : records)
            if (r.made_on == std::this_thread::get_id()) r.due_once = true;
        writer->respond(200, {{"Content-Type", "text/plain"}}, "ok");
    });
    server.start();
    REQUIRE(eventually([&] { return made.load() == 2; }));
    REQUIRE(records[0].made_on != records[1].made_on);

    SECTION("connections are dealt to the threads in turn") {
        for (int i = 0; i < 4; ++i)
            REQUIRE(get_on_new_connection(server.port()) == 200);
        std::lock_guard lock(mutex);
        REQUIRE(handled_on.size() == 4);
        CHECK(handled_on[0] != handled_on[1]);
        CHECK(handled_on[0] == handled_on[2]);
        CHECK(handled_on[1] == handled_on[3]);
        for (const auto& id : handled_on)
            CHECK((id == records[0].made_on || id == records[1].made_on));
    }
    SECTION("run() follows the descriptor, and a due time a request set") {
        const int before = records[1].runs.load();
        std::uint64_t one = 1;
        REQUIRE(::write(records[1].event_fd, &one, sizeof one) == sizeof one);
        CHECK(eventually([&] { return records[1].runs.load() > before; }));
        // A request makes its thread's work due at once (the server asks after each request).
        const int runs_before = records[0].runs.load() + records[1].runs.load();
        REQUIRE(get_on_new_connection(server.port()) == 200);
        CHECK(eventually(
            [&] { return records[0].runs.load() + records[1].runs.load() > runs_before; }));
    }

    server.shutdown(1);
    for (auto& r : records) {
        CHECK(r.destroyed.load());
        CHECK(r.destroyed_on_own_thread.load());
        CHECK(r.runs_on_own_thread.load());
    }
}
