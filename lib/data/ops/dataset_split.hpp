#pragma once
// `data split`: deterministic hash-based splits. Each row (or each value of a grouping field)
// is hashed with the seed to a number in [0, 1); the ratios cut [0, 1) into consecutive
// intervals in the order given, so the same row always lands in the same split, and adding rows
// never moves existing ones.
#include "data/dataset_writer.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::data {

struct SplitRatio {
    std::string name{};
    double ratio = 0;
};

// "train=0.8,val=0.1,test=0.1". Malformed text is Error(Usage); a ratio that is not positive,
// a repeated or invalid name, or a sum other than 1 (within 1e-9) is Error(BadInput).
std::vector<SplitRatio> parse_ratios(std::string_view text);

// The position in [0, 1) of a 64-bit hash: its top 53 bits as a fraction.
double unit_interval(std::uint64_t hash);

// Index of the split that `u` in [0, 1) falls in.
std::size_t split_index(const std::vector<SplitRatio>& ratios, double u);

struct SplitRequest {
    std::string source{};
    std::vector<SplitRatio> ratios{};
    std::uint64_t seed = 0;
    std::optional<std::string> by{}; // group by this field's value
    std::string prefix{};            // outputs PREFIX-NAME; empty: the source's dataset name
    std::string message{};
};

struct SplitOutput {
    std::string split{};
    double ratio = 0;
    std::int64_t rows = 0;
    CommitResult commit{};
};

struct SplitReport {
    DatasetVersion source{};
    std::int64_t rows_in = 0;
    std::vector<SplitOutput> outputs{};
};

// Every output is written in full before the first is committed; a row missing the --by field
// is Error(BadInput) and nothing is stored.
SplitReport split_dataset(store::Project& project, const SplitRequest& request);

} // namespace llmops::data
