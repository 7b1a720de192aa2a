// Drives llmops serve with the official openai npm client (tests/cli/test_serve_openai.sh):
// a chat with variables, a streamed chat, the model list, an error as the SDK raises it, and
// feedback with fetch. Prints one JSON object of what it saw; exits 1 on an unexpected throw.
import OpenAI from "openai";

const baseURL = process.argv[2];
const apiKey = process.argv[3];
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const seen = {};

const chat = await client.chat.completions
  .create({
    model: "ask",
    messages: [],
    variables: { question: "hello from node" }, // the llmops extension: the prompt's variables
    user: "node-user",
  })
  .withResponse();
seen.content = chat.data.choices[0].message.content;
seen.finish_reason = chat.data.choices[0].finish_reason;
seen.total_tokens = chat.data.usage.total_tokens;
seen.request_id = chat.response.headers.get("x-request-id");
seen.release = chat.response.headers.get("x-llmops-release");

const stream = await client.chat.completions.create({
  model: "ask",
  messages: [{ role: "user", content: "stream this please" }],
  variables: { question: "ignored" },
  stream: true,
  stream_options: { include_usage: true },
});
let streamed = "";
let usage = null;
let chunks = 0;
for await (const chunk of stream) {
  chunks++;
  if (chunk.choices.length > 0) streamed += chunk.choices[0].delta.content ?? "";
  if (chunk.usage) usage = chunk.usage;
}
seen.streamed = streamed;
seen.stream_chunks = chunks;
seen.stream_usage = usage !== null;

const models = await client.models.list();
seen.models = models.data.map((m) => m.id);

try {
  await client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] });
  seen.error = "no error";
} catch (e) {
  seen.error = { status: e.status, code: e.code, type: e.type, isApiError: e instanceof OpenAI.APIError };
}

const fb = await fetch(`${baseURL}/feedback`, {
  method: "POST",
  headers: { "Content-Type": "application/json", Authorization: `Bearer ${apiKey}` },
  body: JSON.stringify({ request_id: seen.request_id, name: "thumbs", value: "up" }),
});
seen.feedback_status = fb.status;

console.log(JSON.stringify(seen));
