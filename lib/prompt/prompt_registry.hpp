#pragma once
// The prompt registry in store.db: prompts, numbered versions (each a canonical-JSON spec
// object in the object store, named by its hash), labels with history, and references
// NAME, NAME@3, NAME@label, NAME@latest, NAME@<hash prefix>.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "prompt/prompt_spec.hpp"
#include "store/project.hpp"

namespace llmops::prompt {

struct PromptRef {
    std::string name;
    std::optional<std::string> selector; // the part after '@'
};

// Throws Error(BadInput) on a malformed reference.
PromptRef parse_prompt_ref(std::string_view ref);

// A label: a letter, then letters, digits, '.', '_' or '-' (at most 64); not "latest", which
// is automatic. Throws Error(Usage) otherwise.
void validate_label(std::string_view label);

struct PromptVersionInfo {
    std::int64_t id = 0;
    std::int64_t prompt_id = 0;
    std::string name;
    std::int64_t number = 0;
    std::string hash; // the spec object's hash: 32 hex digits
    std::string description;
    std::string message;
    std::string source; // the file it was added from, relative to the project when inside it
    std::string created_at;
    std::optional<std::int64_t> parent_id;
    std::string parent_ref;          // "base@2", empty without a parent
    std::vector<std::string> labels; // "latest" first when it applies, then sorted

    std::string ref() const { return name + "@" + std::to_string(number); }
};

struct AddResult {
    PromptVersionInfo version;
    bool created = false; // false: the content equals the latest version's
    std::vector<SpecWarning> warnings;
};

struct PromptSummary {
    PromptVersionInfo latest;
    std::int64_t version_count = 0;
    std::vector<std::pair<std::string, std::int64_t>> labels; // label -> version number
};

struct LabelEvent {
    std::string label;
    std::optional<std::int64_t> from_number; // empty when the label was first set
    std::int64_t to_number = 0;
    std::string created_at;
};

struct LabelChange {
    std::string label;
    std::optional<std::int64_t> from_number;
    std::int64_t to_number = 0;
    bool changed = false; // false when the label already pointed there
};

class PromptRegistry {
  public:
    explicit PromptRegistry(store::Project& project);

    // Checks and compiles the spec file, then stores a new version unless its content (with
    // the parent pinned by hash) equals the latest version's. Needs a project opened for
    // writing. Throws Error(BadInput) with file:line:column for bad specs.
    AddResult add_file(const std::filesystem::path& file, const std::string& message);
    // The same for a spec held in memory (built-in prompts such as the eval judges);
    // `source_name` names it in errors and is recorded as the version's source.
    AddResult add_text(std::string_view yaml_text, const std::string& source_name,
                       const std::string& message);

    // Throws Error(BadInput) for unknown names, versions and labels.
    PromptVersionInfo resolve(std::string_view ref);
    CompiledPromptPtr load(const PromptVersionInfo& version);
    nlohmann::json load_document(const PromptVersionInfo& version);

    std::vector<PromptSummary> list();
    // Newest first.
    std::vector<PromptVersionInfo> versions(std::string_view name);
    std::vector<LabelEvent> label_history(std::string_view name);

    LabelChange set_label(std::string_view ref, std::string_view label);
    // The same inside a write transaction the caller holds (a deploy moves a label together
    // with its release and traffic).
    LabelChange set_label(std::string_view ref, std::string_view label,
                          const store::Transaction& within);

  private:
    AddResult add_loaded(LoadedSpec loaded, const std::string& source, const std::string& message);
    std::int64_t prompt_id(std::string_view name); // throws when unknown
    PromptVersionInfo version_by_id(std::int64_t id);
    std::vector<std::string> labels_of(const PromptVersionInfo& version);

    store::Project& project_;
    std::map<std::int64_t, CompiledPromptPtr> loaded_; // by version id
};

} // namespace llmops::prompt
