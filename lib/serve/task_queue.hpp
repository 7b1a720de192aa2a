#pragma once
// One thread that runs queued tasks in order: the gateway's store work (file uploads, batch
// reads and writes) off its I/O threads, which must never block. The queue is bounded so a
// flood of uploads is refused (post returns false) instead of held.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace llmops::serve {

class TaskQueue {
  public:
    explicit TaskQueue(std::size_t max_waiting) : max_waiting_(max_waiting) {
        thread_ = std::thread([this] { loop(); });
    }
    ~TaskQueue() { stop(); }
    TaskQueue(const TaskQueue&) = delete;
    TaskQueue& operator=(const TaskQueue&) = delete;

    // False when the queue is full or stopped: the task will not run.
    bool post(std::function<void()> task) {
        std::lock_guard lock(mutex_);
        if (stopping_ || tasks_.size() >= max_waiting_) return false;
        tasks_.push_back(std::move(task));
        wake_.notify_one();
        return true;
    }

    // Runs the tasks already queued, then joins the thread.
    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (thread_.joinable()) thread_.join();
    }

  private:
    void loop() {
        std::unique_lock lock(mutex_);
        while (true) {
            wake_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
            if (tasks_.empty()) return;
            auto task = std::move(tasks_.front());
            tasks_.pop_front();
            lock.unlock();
            task(); // tasks catch their own errors
            lock.lock();
        }
    }

    std::size_t max_waiting_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace llmops::serve
