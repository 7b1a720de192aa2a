// The Batch API of llmops serve with the official openai npm client
// (tests/cli/test_serve_openai.sh): files.create (multipart upload), batches.create,
// batches.retrieve until the batch completes, files.content of the output and error files,
// batches.list and batches.cancel. Prints one JSON object of what it saw; exits 1 on an
// unexpected throw.
import fs from "node:fs";
import OpenAI from "openai";

const [baseURL, apiKey, inputPath] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const seen = {};

const file = await client.files.create({ file: fs.createReadStream(inputPath), purpose: "batch" });
seen.file = { id: file.id, object: file.object, purpose: file.purpose, bytes: file.bytes };

const batch = await client.batches.create({
  input_file_id: file.id,
  endpoint: "/v1/chat/completions",
  completion_window: "24h",
  metadata: { suite: "node" },
});
seen.created_status = batch.status;

let current = batch;
for (let i = 0; i < 1200 && !["completed", "failed", "expired", "cancelled"].includes(current.status); i++) {
  await new Promise((resolve) => setTimeout(resolve, 50));
  current = await client.batches.retrieve(batch.id);
}
seen.status = current.status;
seen.request_counts = current.request_counts;
seen.metadata = current.metadata;

const output = await client.files.content(current.output_file_id);
seen.output = (await output.text())
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l));
if (current.error_file_id) {
  const errors = await client.files.content(current.error_file_id);
  seen.errors = (await errors.text())
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

const list = await client.batches.list({ limit: 10 });
seen.listed = list.data.map((b) => b.id).includes(batch.id);

try {
  await client.batches.cancel(batch.id);
  seen.cancel_error = "no error";
} catch (e) {
  seen.cancel_error = { status: e.status, isApiError: e instanceof OpenAI.APIError };
}

console.log(JSON.stringify(seen));
