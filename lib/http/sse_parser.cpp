#include "http/sse_parser.hpp"

namespace llmops::http {

void SseParser::feed(std::string_view bytes) {
    while (!bytes.empty()) {
        std::size_t eol = bytes.find_first_of("\r\n");
        if (eol == std::string_view::npos) {
            pending_.append(bytes);
            return;
        }
        // A "\r\n" split across blocks leaves a lone '\n' at the start of the next one; the
        // empty line it seems to end is skipped by remembering that '\r' ended the last line.
        if (bytes[eol] == '\n' && eol == 0 && after_cr_) {
            after_cr_ = false;
            bytes.remove_prefix(1);
            continue;
        }
        pending_.append(bytes.substr(0, eol));
        line(pending_);
        pending_.clear();
        bool cr = bytes[eol] == '\r';
        std::size_t skip = eol + 1;
        if (cr && skip < bytes.size() && bytes[skip] == '\n') ++skip, cr = false;
        after_cr_ = cr;
        bytes.remove_prefix(skip);
    }
}

void SseParser::finish() {
    if (!pending_.empty()) {
        line(pending_);
        pending_.clear();
    }
    dispatch();
}

void SseParser::line(std::string_view text) {
    if (text.empty()) {
        dispatch();
        return;
    }
    if (text.front() == ':') return; // a comment (keep-alive)
    std::size_t colon = text.find(':');
    std::string_view field = text.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
        value = text.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
        if (has_data_) data_ += '\n';
        data_.append(value);
        has_data_ = true;
    } else if (field == "event") {
        event_.assign(value);
    }
    // id and retry are of no use to a one-shot client.
}

void SseParser::dispatch() {
    if (has_data_) sink_(event_, data_);
    event_.clear();
    data_.clear();
    has_data_ = false;
}

} // namespace llmops::http
