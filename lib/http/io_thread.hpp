#pragma once
// One I/O thread of the inbound server (http_server.cpp, http_session.cpp): its own event
// loop, an io_context that this thread alone runs, so that a request, its upstream call and its
// answer stay on one thread, as in nginx's workers; its acceptor on the shared listening socket;
// and the LoopWork that lives beside its connections (watched descriptor, due time). Internal to
// the server: only the server's own files include it, and with it Asio (not Beast).
#include "http/http_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

namespace llmops::http {

class IoThread {
  public:
    boost::asio::io_context ioc{1}; // one thread: asio skips waking others for its own posts
    // Every thread accepts on the same listening socket (a descriptor of its own, dup()ed, in
    // its own event loop), as nginx's workers do, so 1,000 connections arriving at once are
    // accepted by all threads.
    boost::asio::ip::tcp::acceptor acceptor{ioc};
    // Keeps the thread alive while the only work is a handler's answer still to come: once
    // the acceptor closes (draining), nothing else may be pending and run() would return early.
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
    std::thread thread;

    // The body of the thread: makes the LoopWork (when `make` is set; a work that cannot be
    // made leaves this thread's handler work to others), runs the event loop until it is
    // stopped, then destroys the work, all on this thread.
    void run(const std::function<std::unique_ptr<LoopWork>()>& make);
    // Sets the timer to the work's due time unless an earlier wake is already set.
    void rearm();
    static IoThread* current(); // the calling thread's, or null off the I/O threads

  private:
    void start_loop_work(std::unique_ptr<LoopWork> work_made);
    void watch_next();
    void end_loop_work();

    std::unique_ptr<LoopWork> loop_work_;
    std::optional<boost::asio::posix::stream_descriptor> watch_;
    boost::asio::steady_timer timer_{ioc};
    std::optional<std::chrono::steady_clock::time_point> armed_; // when the timer fires
    std::atomic<bool> stopping_{false};
};

} // namespace llmops::http
