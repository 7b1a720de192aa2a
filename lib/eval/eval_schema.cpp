// The eval spec schema, embedded so the binary needs no files at run time. It mirrors
// schemas/eval.schema.json in meaning; tests/unit/test_eval_spec.cpp checks that the two are
// the same JSON.
#include "eval/eval_schema.hpp"

#include <nlohmann/json.hpp>

#include "eval/eval_spec.hpp"

namespace llmops::eval {

namespace {
constexpr std::string_view kEvalSchema = R"schema(
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://llmops.dev/schemas/eval.schema.json",
  "title": "llmops eval spec",
  "description": "Which cases, which prompts and providers form the matrix, how row fields become prompt variables, the metrics that score every case and the thresholds that make 'llmops eval run' fail. Metric names and their parameters are checked by the metric registry, not here. See docs/eval-spec.md.",
  "type": "object",
  "additionalProperties": false,
  "required": ["prompts", "providers"],
  "anyOf": [{"required": ["dataset"]}, {"required": ["cases"]}],
  "properties": {
    "description": {"type": "string"},
    "dataset": {
      "type": "string",
      "minLength": 1,
      "description": "A dataset reference (NAME, NAME@3, NAME@tag) or a data file: a path containing '/' or ending in .jsonl, .ndjson, .csv or .json, relative to the spec file."
    },
    "case_id": {
      "type": "string",
      "minLength": 1,
      "description": "The row field that identifies a case (default 'id')."
    },
    "prompts": {
      "anyOf": [
        {"$ref": "#/$defs/prompt_ref"},
        {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/prompt_ref"}}
      ]
    },
    "providers": {
      "anyOf": [
        {"type": "string", "minLength": 1},
        {"$ref": "#/$defs/provider_object"},
        {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/provider"}}
      ]
    },
    "vars": {"$ref": "#/$defs/vars"},
    "metrics": {"$ref": "#/$defs/metrics"},
    "cases": {
      "type": "array",
      "minItems": 1,
      "items": {"$ref": "#/$defs/case"}
    },
    "thresholds": {
      "description": "A map for every cell, or a list of maps each scoped to some cells with 'prompt' and/or 'provider'.",
      "anyOf": [
        {"$ref": "#/$defs/threshold_map"},
        {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/scoped_thresholds"}}
      ]
    },
    "baseline": {
      "description": "The cells every other cell is compared with (paired tests in every report): a prompt of 'prompts' (against that prompt's cell on the same provider), or {prompt, provider} with either or both.",
      "anyOf": [
        {"$ref": "#/$defs/prompt_ref"},
        {
          "type": "object",
          "minProperties": 1,
          "additionalProperties": false,
          "properties": {
            "prompt": {"$ref": "#/$defs/prompt_ref"},
            "provider": {"type": "string", "minLength": 1}
          }
        }
      ]
    },
    "concurrency": {"type": "integer", "minimum": 1, "maximum": 1024},
    "limit": {"type": "integer", "minimum": 1}
  },
  "$defs": {
    "prompt_ref": {"type": "string", "minLength": 1},
    "fraction": {"type": "number", "minimum": 0, "maximum": 1},
    "provider": {
      "anyOf": [
        {"type": "string", "minLength": 1},
        {"$ref": "#/$defs/provider_object"}
      ]
    },
    "provider_object": {
      "type": "object",
      "required": ["id"],
      "additionalProperties": false,
      "properties": {
        "id": {"type": "string", "minLength": 1},
        "model": {"type": "string", "minLength": 1},
        "label": {"type": "string", "minLength": 1},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "max_tokens": {"type": "integer", "minimum": 1},
        "seed": {"type": "integer"},
        "stop": {
          "anyOf": [
            {"type": "string", "minLength": 1},
            {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 4}
          ]
        },
        "presence_penalty": {"type": "number", "minimum": -2, "maximum": 2},
        "frequency_penalty": {"type": "number", "minimum": -2, "maximum": 2},
        "response_format": {
          "type": "object",
          "required": ["type"],
          "properties": {"type": {"type": "string", "minLength": 1}}
        },
        "extra": {
          "type": "object",
          "description": "Provider-specific request fields, passed through unchanged."
        }
      }
    },
    "vars": {
      "type": "object",
      "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_-]*$"},
      "additionalProperties": {
        "if": {"type": "object", "required": ["retrieve"]},
        "then": {"$ref": "#/$defs/retrieve_var"}
      }
    },
    "retrieve_var": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "retrieve": {
          "type": "object",
          "required": ["index", "query"],
          "additionalProperties": false,
          "properties": {
            "index": {"type": "string", "minLength": 1},
            "query": {"type": "string"},
            "k": {"type": "integer", "minimum": 1}
          }
        }
      }
    },
    "metrics": {
      "type": "array",
      "items": {"$ref": "#/$defs/metric"}
    },
    "metric": {
      "description": "'- NAME', '- NAME: VALUE' (VALUE becomes the parameter 'value') or '- NAME: {PARAMETERS}'.",
      "anyOf": [
        {"type": "string", "minLength": 1},
        {
          "type": "object",
          "minProperties": 1,
          "maxProperties": 1,
          "propertyNames": {"minLength": 1},
          "additionalProperties": {"$ref": "#/$defs/metric_parameters"}
        }
      ]
    },
    "metric_parameters": {
      "description": "Only threshold and label are common to every metric; the rest is the metric's own.",
      "properties": {
        "threshold": {"type": "number"},
        "label": {"type": "string", "minLength": 1}
      }
    },
    "case": {
      "type": "object",
      "required": ["vars"],
      "additionalProperties": false,
      "properties": {
        "id": {"type": ["string", "integer"], "minLength": 1},
        "vars": {"type": "object"},
        "metrics": {"$ref": "#/$defs/metrics"}
      }
    },
    "threshold_map": {
      "type": "object",
      "properties": {
        "pass_rate": {"$ref": "#/$defs/fraction"}
      },
      "additionalProperties": {"$ref": "#/$defs/metric_threshold"}
    },
    "scoped_thresholds": {
      "type": "object",
      "minProperties": 1,
      "properties": {
        "prompt": {"$ref": "#/$defs/prompt_ref"},
        "provider": {"type": "string", "minLength": 1},
        "pass_rate": {"$ref": "#/$defs/fraction"}
      },
      "additionalProperties": {"$ref": "#/$defs/metric_threshold"}
    },
    "metric_threshold": {
      "type": "object",
      "minProperties": 1,
      "additionalProperties": false,
      "properties": {
        "mean": {"type": "number"},
        "min": {"type": "number"},
        "max": {"type": "number"},
        "p50": {"type": "number"},
        "p95": {"type": "number"},
        "pass_rate": {"$ref": "#/$defs/fraction"}
      }
    }
  }
}
)schema";
} // namespace

std::string_view eval_schema_text() {
    return kEvalSchema;
}

const JsonSchema& eval_spec_schema() {
    static const JsonSchema schema = JsonSchema::compile(nlohmann::json::parse(kEvalSchema));
    return schema;
}

} // namespace llmops::eval
