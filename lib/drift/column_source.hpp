#pragma once
// Where a side of a drift comparison comes from. The drift layer reads rows (canonical JSON
// objects) through this interface only, so a selection of the request log (lib/monitor, a
// higher layer) can implement it later without drift/ knowing about it.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::store {
class Project;
}

namespace llmops::drift {

class ColumnSource {
  public:
    virtual ~ColumnSource() = default;
    // What the side is, for messages and the report (a dataset reference, a log selection).
    virtual std::string label() const = 0;
    // The number of rows, when known before reading (used to hold out the first half of the
    // reference as the text vocabulary); nullopt when unknown.
    virtual std::optional<std::int64_t> row_count() const = 0;
    // The top-level fields the rows may hold, in order (the columns --columns may name).
    virtual std::vector<std::string> fields() const = 0;
    // The fields compared when no columns are named: all of them unless the source says less
    // (a log selection compares its input variables by default).
    virtual std::vector<std::string> default_fields() const { return fields(); }
    // Calls fn with each row's canonical JSON text and 0-based index until it returns false.
    virtual void for_each_row(const std::function<bool(std::string_view, std::int64_t)>& fn) = 0;
    // True when for_each_row may run on another thread while the other side is read (it
    // touches no shared connection), so run_drift can read both sides at once.
    virtual bool reads_concurrently() const { return false; }
    // The rows in parts that can be read independently and on any thread at once (a dataset's
    // chunks): each part's row count, in row order; empty when the source is read whole only.
    virtual std::vector<std::int64_t> part_rows() const { return {}; }
    // One part's rows as canonical JSON text, one a line (only when part_rows() is not empty).
    virtual std::string read_part(std::size_t part);
};

// A stored dataset version (any reference `data` accepts: NAME, NAME@3, NAME@tag ...).
class DatasetColumnSource : public ColumnSource {
  public:
    DatasetColumnSource(store::Project& project, const std::string& ref);
    ~DatasetColumnSource() override;
    std::string label() const override;
    std::optional<std::int64_t> row_count() const override;
    std::vector<std::string> fields() const override;
    void for_each_row(const std::function<bool(std::string_view, std::int64_t)>& fn) override;
    // The chunk list is read at construction; rows come from the object files alone.
    bool reads_concurrently() const override { return true; }
    std::vector<std::int64_t> part_rows() const override;
    std::string read_part(std::size_t part) override;

  private:
    struct State;
    store::Project& project_;
    std::string label_;
    std::unique_ptr<State> state_;
};

// A plain file: CSV, JSONL or JSON (an array of objects), read as `data import` reads it (CSV
// values typed: numbers, booleans, empty as null). The fields are those of every row, in the
// order they first appear; the file is read once for them and once for the rows.
class FileColumnSource : public ColumnSource {
  public:
    explicit FileColumnSource(std::filesystem::path path);
    std::string label() const override;
    std::optional<std::int64_t> row_count() const override;
    std::vector<std::string> fields() const override;
    void for_each_row(const std::function<bool(std::string_view, std::int64_t)>& fn) override;
    bool reads_concurrently() const override { return true; }

  private:
    std::filesystem::path path_;
    std::int64_t rows_ = 0;
    std::vector<std::string> fields_;
};

} // namespace llmops::drift
