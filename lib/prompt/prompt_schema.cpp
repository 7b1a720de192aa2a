// The prompt spec schema, embedded so the binary needs no files at run time. It mirrors
// schemas/prompt.schema.json byte for byte in meaning; tests/unit/test_prompt_spec.cpp checks
// that the two are the same JSON.
#include "prompt/prompt_schema.hpp"

#include <nlohmann/json.hpp>

namespace llmops::prompt {

namespace {
constexpr std::string_view kPromptSchema = R"schema(
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://llmops.dev/schemas/prompt.schema.json",
  "title": "llmops prompt spec",
  "description": "A versioned prompt: chat messages or a completion template (Mustache), its variables, few-shot examples, model parameters and expected output. See docs/prompts.md.",
  "type": "object",
  "required": ["name"],
  "additionalProperties": false,
  "properties": {
    "name": {
      "type": "string",
      "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$",
      "description": "The prompt's name in the registry."
    },
    "description": {"type": "string"},
    "messages": {
      "type": "array",
      "minItems": 1,
      "items": {"$ref": "#/$defs/message"}
    },
    "template": {
      "type": "string",
      "description": "A completion-style prompt: one template instead of messages."
    },
    "variables": {
      "type": "object",
      "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_-]*$"},
      "additionalProperties": {"$ref": "#/$defs/variable"}
    },
    "examples": {
      "type": "array",
      "items": {"type": "object"},
      "description": "Few-shot examples, visible to the templates as the list 'examples'."
    },
    "model": {"$ref": "#/$defs/model"},
    "output": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "json_schema": {
          "type": ["object", "boolean"],
          "description": "JSON Schema (2020-12) the answer must satisfy."
        }
      }
    },
    "extends": {
      "type": "string",
      "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(@[A-Za-z0-9._-]+)?$",
      "description": "Parent prompt reference (NAME, NAME@3, NAME@label): Mustache inheritance."
    }
  },
  "$defs": {
    "message": {
      "type": "object",
      "required": ["role", "content"],
      "additionalProperties": false,
      "properties": {
        "role": {"enum": ["system", "developer", "user", "assistant"]},
        "content": {"type": "string"},
        "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}
      }
    },
    "variable": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "type": {"enum": ["string", "number", "integer", "boolean", "array", "object", "any"]},
        "required": {"type": "boolean"},
        "default": true,
        "description": {"type": "string"}
      }
    },
    "model": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "name": {"type": "string", "minLength": 1},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "max_tokens": {"type": "integer", "minimum": 1},
        "stop": {
          "anyOf": [
            {"type": "string", "minLength": 1},
            {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 4}
          ]
        },
        "seed": {"type": "integer"},
        "presence_penalty": {"type": "number", "minimum": -2, "maximum": 2},
        "frequency_penalty": {"type": "number", "minimum": -2, "maximum": 2},
        "extra": {
          "type": "object",
          "description": "Provider-specific request fields, passed through unchanged."
        }
      }
    }
  }
}
)schema";
} // namespace

std::string_view prompt_spec_schema_text() {
    return kPromptSchema;
}

const JsonSchema& prompt_spec_schema() {
    // Compiled once; JsonSchema is immutable and safe to share.
    static const JsonSchema schema = JsonSchema::compile(nlohmann::json::parse(kPromptSchema));
    return schema;
}

} // namespace llmops::prompt
