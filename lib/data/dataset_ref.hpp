#pragma once
// Dataset names and references: NAME, NAME@3, NAME@tag, NAME@latest, NAME@<hash prefix>.
#include <optional>
#include <string>
#include <string_view>

namespace llmops::data {

// [A-Za-z0-9][A-Za-z0-9._-]{0,127}; throws Error(BadInput) naming the rule otherwise.
void validate_dataset_name(std::string_view name, std::string_view what = "dataset name");
bool is_valid_dataset_name(std::string_view name);

struct DatasetRef {
    std::string name;
    std::optional<std::string> selector; // the part after '@', if any
};

DatasetRef parse_dataset_ref(std::string_view ref);

} // namespace llmops::data
