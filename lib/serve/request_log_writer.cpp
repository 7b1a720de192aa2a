#include "serve/request_log.hpp"

#include <exception>

namespace llmops::serve {

namespace {
// A group is committed early when it reaches this size.
constexpr std::size_t kMaxGroup = 4096;
// While the store refuses writes, records wait in memory up to this many, then are dropped.
constexpr std::size_t kMaxBacklog = 200000;
} // namespace

RequestLogWriter::RequestLogWriter(RequestLogBackend& backend,
                                   std::chrono::milliseconds group_interval)
    : backend_(backend), interval_(group_interval) {
    thread_ = std::thread([this] { loop(); });
}

RequestLogWriter::~RequestLogWriter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void RequestLogWriter::append(RequestRecord record) {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        records_.push_back(std::move(record));
        ++appended_;
        // Only the first record of a group and a full group change what the writer waits
        // for; waking it for every request cost a context switch each.
        wake = (records_.size() == 1 && feedback_.empty()) || records_.size() == kMaxGroup;
    }
    if (wake) wake_.notify_one();
}

void RequestLogWriter::append_feedback(FeedbackRecord record, std::function<void(bool)> done) {
    {
        std::lock_guard lock(mutex_);
        feedback_.push_back(std::move(record));
        feedback_done_.push_back(std::move(done));
        ++appended_;
    }
    wake_.notify_one();
}

void RequestLogWriter::flush() {
    std::unique_lock lock(mutex_);
    std::uint64_t target = appended_;
    flush_requested_ = true;
    wake_.notify_all();
    flushed_.wait(lock, [&] { return committed_ >= target; });
}

std::uint64_t RequestLogWriter::written() const {
    std::lock_guard lock(mutex_);
    return written_;
}

std::uint64_t RequestLogWriter::failed_groups() const {
    std::lock_guard lock(mutex_);
    return failed_groups_;
}

std::string RequestLogWriter::last_error() const {
    std::lock_guard lock(mutex_);
    return last_error_;
}

void RequestLogWriter::loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !records_.empty() || !feedback_.empty(); });
        if (records_.empty() && feedback_.empty()) {
            if (stopping_) break;
            continue;
        }
        // Gather for up to the interval after the group's first record.
        auto deadline = std::chrono::steady_clock::now() + interval_;
        wake_.wait_until(lock, deadline, [this] {
            return stopping_ || flush_requested_ || records_.size() >= kMaxGroup;
        });
        flush_requested_ = false;
        std::vector<RequestRecord> records;
        std::vector<FeedbackRecord> feedback;
        std::vector<std::function<void(bool)>> done;
        records.swap(records_);
        feedback.swap(feedback_);
        done.swap(feedback_done_);
        std::uint64_t count = records.size() + feedback.size();
        lock.unlock();

        std::vector<bool> found(feedback.size(), false);
        std::string error;
        try {
            backend_.write_group(records, feedback, found);
        } catch (const std::exception& e) {
            error = e.what();
        }
        for (std::size_t i = 0; i < done.size(); ++i)
            if (done[i]) done[i](error.empty() && found[i]);

        lock.lock();
        if (error.empty()) {
            written_ += records.size();
            committed_ += count;
        } else {
            ++failed_groups_;
            last_error_ = error;
            // Keep the records for the next group unless the backlog is out of bounds.
            if (records_.size() + records.size() <= kMaxBacklog) {
                records.insert(records.end(), std::make_move_iterator(records_.begin()),
                               std::make_move_iterator(records_.end()));
                records_.swap(records);
                committed_ += feedback.size();
            } else {
                committed_ += count;
            }
            if (!stopping_) {
                // Do not spin on a store that refuses writes.
                lock.unlock();
                std::this_thread::sleep_for(interval_);
                lock.lock();
            } else {
                records_.clear(); // stopping: the store refused the last try
                committed_ = appended_;
            }
        }
        flushed_.notify_all();
        if (stopping_ && records_.empty() && feedback_.empty()) break;
    }
    committed_ = appended_;
    flushed_.notify_all();
}

} // namespace llmops::serve
