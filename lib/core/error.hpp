#pragma once
// The one error type of libllmops. lib/ throws it; cli/ turns it into one stderr line and an
// exit code (see docs/cli.md).
#include <stdexcept>
#include <string>
#include <utility>

namespace llmops {

enum class ErrorKind {
    CheckFailed = 1, // a threshold, gate, drift test or alert did not pass
    Usage = 2,       // the command line is wrong
    BadInput = 3,    // a file, config or dataset is malformed
    Store = 4,       // the project store is missing, locked, corrupt or too new
    Provider = 5,    // a model provider or the network failed
    // A template went over a budget (docs/templates.md#limits). Bad input too (exit 3), but it
    // stops the whole command: code that records a per-row failure and goes on rethrows it.
    Limit = 6,
    Interrupted = 130, // Ctrl-C (SIGINT or SIGTERM) stopped the command
};

// Where an error happened; every field is optional (zero / empty = unknown).
struct ErrorLocation {
    // Default initialisers on every member keep designated initialisers warning-free.
    std::string file{};
    long line = 0;
    long column = 0;
    long row = -1;       // 0-based dataset row, -1 when not about a row
    std::string field{}; // a field name or JSON pointer
    int http_status = 0;

    static ErrorLocation in_file(std::string file, long line = 0, long column = 0) {
        return ErrorLocation{.file = std::move(file), .line = line, .column = column};
    }

    bool empty() const;
    // "file:line:column", "row 12, field answer", "HTTP 429" ... joined with ", ".
    std::string to_string() const;
};

class Error : public std::runtime_error {
  public:
    Error(ErrorKind kind, std::string message, ErrorLocation where = {}, std::string hint = {});

    ErrorKind kind() const { return kind_; }
    const std::string& message() const { return message_; }
    const ErrorLocation& where() const { return where_; }
    const std::string& hint() const { return hint_; }

  private:
    ErrorKind kind_;
    std::string message_;
    ErrorLocation where_;
    std::string hint_;
};

int exit_code_for(ErrorKind kind);

// True for the errors no per-row handling may absorb (a template over its budget, Ctrl-C):
// a loop that turns errors into failed rows must rethrow these.
bool stops_command(const Error& error);

// Convenience constructors for the common kinds.
[[noreturn]] void throw_bad_input(std::string message, ErrorLocation where = {});
[[noreturn]] void throw_store_error(std::string message, ErrorLocation where = {},
                                    std::string hint = {});
[[noreturn]] void throw_usage(std::string message, std::string hint = {});

} // namespace llmops
