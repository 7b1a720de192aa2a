#include "core/error.hpp"

#include <fmt/format.h>
#include <utility>
#include <vector>

namespace llmops {

bool ErrorLocation::empty() const {
    return file.empty() && line == 0 && row < 0 && field.empty() && http_status == 0;
}

std::string ErrorLocation::to_string() const {
    std::vector<std::string> parts;
    if (!file.empty()) {
        if (line > 0 && column > 0)
            parts.push_back(fmt::format("{}:{}:{}", file, line, column));
        else if (line > 0)
            parts.push_back(fmt::format("{}:{}", file, line));
        else
            parts.push_back(file);
    } else if (line > 0) {
        parts.push_back(column > 0 ? fmt::format("line {}, column {}", line, column)
                                   : fmt::format("line {}", line));
    }
    if (row >= 0) parts.push_back(fmt::format("row {}", row));
    if (!field.empty()) parts.push_back(fmt::format("field {}", field));
    if (http_status != 0) parts.push_back(fmt::format("HTTP {}", http_status));
    return fmt::format("{}", fmt::join(parts, ", "));
}

Error::Error(ErrorKind kind, std::string message, ErrorLocation where, std::string hint)
    : std::runtime_error(where.empty() ? message : message + " (" + where.to_string() + ")"),
      kind_(kind), message_(std::move(message)), where_(std::move(where)), hint_(std::move(hint)) {}

int exit_code_for(ErrorKind kind) {
    if (kind == ErrorKind::Limit) return static_cast<int>(ErrorKind::BadInput);
    return static_cast<int>(kind);
}

bool stops_command(const Error& error) {
    return error.kind() == ErrorKind::Limit || error.kind() == ErrorKind::Interrupted;
}

void throw_bad_input(std::string message, ErrorLocation where) {
    throw Error(ErrorKind::BadInput, std::move(message), std::move(where));
}

void throw_store_error(std::string message, ErrorLocation where, std::string hint) {
    throw Error(ErrorKind::Store, std::move(message), std::move(where), std::move(hint));
}

void throw_usage(std::string message, std::string hint) {
    throw Error(ErrorKind::Usage, std::move(message), {}, std::move(hint));
}

} // namespace llmops
