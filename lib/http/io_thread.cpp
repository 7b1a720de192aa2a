#include "http/io_thread.hpp"

namespace llmops::http {

namespace {
thread_local IoThread* this_threads_loop = nullptr;
} // namespace

IoThread* IoThread::current() {
    return this_threads_loop;
}

void IoThread::run(const std::function<std::unique_ptr<LoopWork>()>& make) {
    this_threads_loop = this;
    if (make) {
        try {
            start_loop_work(make());
        } catch (const std::exception&) {
            end_loop_work(); // no event set for this thread: its handler's work runs elsewhere
        }
    }
    ioc.run();
    end_loop_work();
    this_threads_loop = nullptr;
}

void IoThread::start_loop_work(std::unique_ptr<LoopWork> work_made) {
    loop_work_ = std::move(work_made);
    watch_.emplace(ioc, loop_work_->watched_fd());
    watch_next();
    rearm();
}

void IoThread::watch_next() {
    watch_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [this](boost::system::error_code ec) {
                           if (ec || stopping_.load()) return;
                           loop_work_->run();
                           rearm();
                           watch_next();
                       });
}

// A timer change is a system call, the check is not: an earlier wake already set asks again
// when it fires.
void IoThread::rearm() {
    if (!loop_work_) return;
    auto due = loop_work_->due();
    if (!due || (armed_ && *armed_ <= *due)) return;
    armed_ = due;
    timer_.expires_at(*due);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopping_.load()) return;
        armed_.reset();
        loop_work_->run();
        rearm();
    });
}

// On the thread, after the loop stopped: the work goes before its loop.
void IoThread::end_loop_work() {
    stopping_.store(true);
    if (watch_) {
        watch_->release(); // the descriptor is the work's to close
        watch_.reset();
    }
    timer_.cancel();
    loop_work_.reset();
}

} // namespace llmops::http
