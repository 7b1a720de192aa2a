#pragma once
// The validator's walk over compiled schema nodes, shared by json_schema_validate.cpp (the
// type and value keywords) and json_schema_applicators.cpp (allOf, anyOf, oneOf, not,
// if/then/else, $ref, and the annotations unevaluated* needs). In "fast" mode (no error list)
// it stops at the first failure and builds no strings; anyOf / oneOf / not / if / contains
// always probe their subschemas in fast mode first and only re-run a failing branch to
// explain it.
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "json/json_schema.hpp"
#include "json/json_schema_internal.hpp"

namespace llmops::json_schema_detail {

// The JSON type of a value as schemas name it ("integer" for integral numbers).
std::string type_name(const nlohmann::json& value);

class Validator {
  public:
    Validator(const CompiledSchema& schema, std::vector<SchemaError>* errors,
              std::size_t max_errors, int depth = 0)
        : schema_(schema), errors_(errors), max_errors_(max_errors), depth_(depth) {}

    bool eval(int index, const nlohmann::json& value);
    void set_pointer(std::string pointer) { pointer_ = std::move(pointer); }

  private:
    struct FalseContext {
        const char* keyword;
        const char* message;
    };
    static constexpr FalseContext default_false{"false", "no value is allowed here"};

    const SchemaNode& node(int index) const {
        return schema_.nodes[static_cast<std::size_t>(index)];
    }
    bool collecting() const { return errors_ != nullptr; }
    // True when evaluation should stop: fast mode, or the error budget is spent.
    bool stop() const {
        return errors_ == nullptr || (max_errors_ != 0 && errors_->size() >= max_errors_);
    }
    void report(const std::string& schema_pointer, const char* keyword, std::string message) {
        if (errors_ == nullptr || stop()) return;
        errors_->push_back({pointer_, keyword, std::move(message), schema_pointer});
    }
    void report(const SchemaNode& n, const char* keyword, std::string message) {
        std::string at = n.pointer;
        append_pointer_token(at, keyword);
        report(at, keyword, std::move(message));
    }

    bool eval_in(int index, const nlohmann::json& value, FalseContext on_false = default_false);
    bool eval_at(int index, const nlohmann::json& value, std::string_view token,
                 FalseContext on_false = default_false);
    bool probe(int index, const nlohmann::json& value) const {
        Validator fast(schema_, nullptr, 0, depth_ + 1);
        return fast.eval(index, value);
    }
    // Runs `index` in collecting mode into a separate list (for anyOf / oneOf explanations).
    std::vector<SchemaError> explain(int index, const nlohmann::json& value) const {
        std::vector<SchemaError> errors;
        Validator v(schema_, &errors, 20, depth_ + 1);
        v.pointer_ = pointer_;
        v.eval(index, value);
        return errors;
    }

    bool eval_number(const SchemaNode& n, const nlohmann::json& value);
    bool eval_string(const SchemaNode& n, const nlohmann::json& value);
    bool eval_array(const SchemaNode& n, const nlohmann::json& value);
    bool eval_object(const SchemaNode& n, const nlohmann::json& value);
    bool eval_applicators(const SchemaNode& n, const nlohmann::json& value);
    void explain_no_match(const SchemaNode& n, const std::vector<int>& branches,
                          const char* keyword, const nlohmann::json& value);

    void evaluated_properties(const SchemaNode& n, const nlohmann::json& object, bool self,
                              std::set<std::string>& out) const;
    void evaluated_items(const SchemaNode& n, const nlohmann::json& array, bool self,
                         std::vector<bool>& out) const;

    const CompiledSchema& schema_;
    std::vector<SchemaError>* errors_;
    std::size_t max_errors_;
    int depth_;
    std::string pointer_;
};

} // namespace llmops::json_schema_detail
