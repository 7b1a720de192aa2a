#include "serve/multipart_form.hpp"

#include <algorithm>
#include <cctype>

namespace llmops::serve {

namespace {

constexpr std::size_t kMaxPartHeaderBytes = 8u << 10;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// `value; a=b; c="d"`: the value, then each parameter (names lower-cased). nullopt when a
// quoted string is not closed.
struct HeaderValue {
    std::string value;
    std::vector<std::pair<std::string, std::string>> params;
    const std::string* param(std::string_view name) const {
        for (const auto& [k, v] : params)
            if (k == name) return &v;
        return nullptr;
    }
};

std::optional<HeaderValue> parse_header_value(std::string_view text) {
    HeaderValue out;
    std::size_t semi = text.find(';');
    out.value = lower(trim(text.substr(0, semi)));
    std::size_t pos = semi == std::string_view::npos ? text.size() : semi + 1;
    while (pos < text.size()) {
        while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == ';'))
            ++pos;
        if (pos >= text.size()) break;
        std::size_t eq = text.find('=', pos);
        if (eq == std::string_view::npos) return std::nullopt;
        std::string name = lower(trim(text.substr(pos, eq - pos)));
        pos = eq + 1;
        while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t'))
            ++pos;
        std::string value;
        if (pos < text.size() && text[pos] == '"') {
            ++pos;
            bool closed = false;
            while (pos < text.size()) {
                char c = text[pos++];
                if (c == '\\' && pos < text.size()) {
                    value += text[pos++];
                } else if (c == '"') {
                    closed = true;
                    break;
                } else {
                    value += c;
                }
            }
            if (!closed) return std::nullopt;
        } else {
            std::size_t end = text.find(';', pos);
            value = std::string(trim(text.substr(pos, end - pos)));
            pos = end == std::string_view::npos ? text.size() : end;
        }
        if (name.empty()) return std::nullopt;
        out.params.emplace_back(std::move(name), std::move(value));
    }
    return out;
}

} // namespace

std::variant<std::vector<FormPart>, std::string>
parse_multipart_form(std::string_view content_type, std::string_view body, std::size_t max_parts) {
    auto type = parse_header_value(content_type);
    if (!type || type->value != "multipart/form-data")
        return std::string("the body must be multipart/form-data (Content-Type: ") +
               std::string(content_type.substr(0, 100)) + ")";
    const std::string* boundary_param = type->param("boundary");
    if (!boundary_param || boundary_param->empty() || boundary_param->size() > 70)
        return std::string("the multipart Content-Type needs a boundary of 1 to 70 characters");
    const std::string delimiter = "--" + *boundary_param;
    const std::string next_delimiter = "\r\n" + delimiter;

    // The first delimiter opens the body (a preamble before it is allowed and ignored).
    std::size_t pos;
    if (body.substr(0, delimiter.size()) == delimiter) {
        pos = delimiter.size();
    } else {
        std::size_t at = body.find(next_delimiter);
        if (at == std::string_view::npos)
            return std::string("the multipart body does not contain its boundary");
        pos = at + next_delimiter.size();
    }
    std::vector<FormPart> parts;
    while (true) {
        if (body.substr(pos, 2) == "--") return parts; // the closing delimiter
        // Transport padding after a delimiter, then CRLF.
        while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t'))
            ++pos;
        if (body.substr(pos, 2) != "\r\n")
            return std::string("a multipart boundary is not followed by CRLF at byte ") +
                   std::to_string(pos);
        pos += 2;
        if (parts.size() == max_parts)
            return "the multipart body has more than " + std::to_string(max_parts) + " parts";
        std::size_t header_end = body.find("\r\n\r\n", pos);
        std::size_t headers_len = header_end == std::string_view::npos ? 0 : header_end - pos;
        if (body.substr(pos, 2) == "\r\n") { // a part without headers
            header_end = pos - 2;
            headers_len = 0;
        } else if (header_end == std::string_view::npos) {
            return std::string("a multipart part's headers do not end (no blank line)");
        }
        if (headers_len > kMaxPartHeaderBytes)
            return "a multipart part's headers are larger than " +
                   std::to_string(kMaxPartHeaderBytes) + " bytes";
        FormPart part;
        bool has_disposition = false;
        std::string_view headers = body.substr(pos, headers_len);
        while (!headers.empty()) {
            std::size_t eol = headers.find("\r\n");
            std::string_view line = headers.substr(0, eol);
            headers = eol == std::string_view::npos ? std::string_view{} : headers.substr(eol + 2);
            std::size_t colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0)
                return std::string("a multipart part has a malformed header line");
            std::string name = lower(trim(line.substr(0, colon)));
            std::string_view value = trim(line.substr(colon + 1));
            if (name == "content-disposition") {
                auto d = parse_header_value(value);
                if (!d || d->value != "form-data")
                    return std::string("a multipart part's Content-Disposition is not form-data");
                const std::string* field = d->param("name");
                if (!field) return std::string("a multipart part has no field name");
                part.name = *field;
                if (const std::string* f = d->param("filename")) part.filename = *f;
                has_disposition = true;
            } else if (name == "content-type") {
                part.content_type = std::string(value);
            }
        }
        if (!has_disposition)
            return std::string("a multipart part has no Content-Disposition header");
        std::size_t data_start = header_end + 4;
        std::size_t data_end = body.find(next_delimiter, data_start);
        if (data_end == std::string_view::npos)
            return std::string("the multipart body ends before its closing boundary");
        part.data = body.substr(data_start, data_end - data_start);
        parts.push_back(std::move(part));
        pos = data_end + next_delimiter.size();
    }
}

} // namespace llmops::serve
