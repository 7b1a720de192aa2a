#pragma once
// Server-sent events (the text/event-stream format of the HTML standard), parsed incrementally
// from arbitrary byte blocks: "event:" and "data:" fields, events ended by a blank line.
#include <functional>
#include <string>
#include <string_view>

namespace llmops::http {

class SseParser {
  public:
    // Called once per complete event; `event` is "" when the stream names none ("message").
    using EventSink = std::function<void(std::string_view event, std::string_view data)>;

    explicit SseParser(EventSink sink) : sink_(std::move(sink)) {}
    void feed(std::string_view bytes);
    // Dispatches an event left without its closing blank line (a cut stream).
    void finish();

  private:
    void line(std::string_view text);
    void dispatch();

    EventSink sink_;
    std::string pending_; // an incomplete line
    std::string event_;
    std::string data_;
    bool has_data_ = false;
    bool after_cr_ = false; // the last line ended with '\r': a following '\n' belongs to it
};

} // namespace llmops::http
