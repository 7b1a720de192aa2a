// The Batch API's pure parts: multipart/form-data bodies, the input file check, and the
// OpenAI shapes of files and batches.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "serve/batch_store.hpp"
#include "serve/multipart_form.hpp"

using namespace llmops::serve;
using nlohmann::json;

namespace {

std::vector<FormPart> parts_of(std::string_view type, std::string_view body) {
    auto parsed = parse_multipart_form(type, body);
    if (auto* e = std::get_if<std::string>(&parsed)) FAIL(*e);
    return std::get<std::vector<FormPart>>(parsed);
}

std::string part_error_of(std::string_view type, std::string_view body) {
    auto parsed = parse_multipart_form(type, body);
    REQUIRE(std::holds_alternative<std::string>(parsed));
    return std::get<std::string>(parsed);
}

std::string check_error(std::string_view content, BatchLimits limits = {}) {
    auto checked = check_batch_input(content, limits, 1 << 20);
    REQUIRE(std::holds_alternative<std::string>(checked));
    return std::get<std::string>(checked);
}

const std::string kLine =
    R"({"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}})";

} // namespace

TEST_CASE("a multipart body gives its fields and files", "[serve][batch]") {
    std::string body =
        "preamble\r\n--XyZ\r\n"
        "Content-Disposition: form-data; name=\"purpose\"\r\n\r\n"
        "batch\r\n--XyZ\r\n"
        "Content-Disposition: form-data; name=\"file\"; filename=\"in \\\"1\\\".jsonl\"\r\n"
        "Content-Type: application/jsonl\r\n\r\n"
        "line1\nline2\r\n--XyZ--\r\n";
    auto parts = parts_of("multipart/form-data; boundary=\"XyZ\"", body);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0].name == "purpose");
    CHECK(parts[0].data == "batch");
    CHECK_FALSE(parts[0].filename);
    CHECK(parts[1].name == "file");
    CHECK(parts[1].filename == std::optional<std::string>("in \"1\".jsonl"));
    CHECK(parts[1].content_type == "application/jsonl");
    CHECK(parts[1].data == "line1\nline2");
}

TEST_CASE("a file part may contain CRLF and dashes that are not the boundary", "[serve][batch]") {
    std::string body =
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n"
        "a\r\n--c\r\n-b\r\n--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n"
        "\r\n--b--";
    auto parts = parts_of("Multipart/Form-Data; charset=utf-8; boundary=b", body);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0].data == "a\r\n--c\r\n-b");
    CHECK(parts[1].data.empty());
}

TEST_CASE("malformed multipart bodies are refused with what is wrong", "[serve][batch]") {
    CHECK(part_error_of("application/json", "{}").find("must be multipart/form-data") !=
          std::string::npos);
    CHECK(part_error_of("multipart/form-data", "").find("boundary") != std::string::npos);
    CHECK(part_error_of("multipart/form-data; boundary=b", "no boundary here")
              .find("does not contain its boundary") != std::string::npos);
    CHECK(part_error_of("multipart/form-data; boundary=b",
                        "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\ndata")
              .find("ends before its closing boundary") != std::string::npos);
    CHECK(part_error_of("multipart/form-data; boundary=b",
                        "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--")
              .find("no Content-Disposition") != std::string::npos);
    CHECK(part_error_of("multipart/form-data; boundary=b",
                        "--b\r\nContent-Disposition: form-data; name=\"f\r\n\r\nx\r\n--b--")
              .find("not form-data") != std::string::npos);
    CHECK(part_error_of("multipart/form-data; boundary=b", "--bX").find("not followed by CRLF") !=
          std::string::npos);
    std::string many;
    for (int i = 0; i < 17; ++i)
        many += "--b\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\nv\r\n";
    many += "--b--";
    CHECK(part_error_of("multipart/form-data; boundary=b", many).find("more than 16 parts") !=
          std::string::npos);
}

TEST_CASE("a batch input file is checked line by line", "[serve][batch]") {
    auto ok = check_batch_input(kLine + "\n", {}, 1 << 20);
    REQUIRE(std::holds_alternative<std::size_t>(ok));
    CHECK(std::get<std::size_t>(ok) == 1);
    CHECK(check_error(kLine + "\n{\"custom_id\": x}\n")
              .rfind("line 2, column 15: malformed JSON", 0) == 0);
    CHECK(check_error(kLine + "\n" + kLine + "\n") ==
          "line 2, column 1: custom_id 'a' is used twice");
    CHECK(check_error(kLine + "\n\n" + kLine) ==
          "line 2, column 1: empty line (one request per line)");
    CHECK(check_error("[1]\n") == "line 1, column 1: each line must be a JSON object");
    CHECK(check_error(R"({"custom_id":"","method":"POST"})").find("custom_id") !=
          std::string::npos);
    CHECK(check_error(R"({"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":[]})")
              .find("body: must be a JSON object") != std::string::npos);
    CHECK(check_error("") == "the file holds no request");
    // A number beyond double range is not a parse_error but out_of_range (found by fuzzing).
    CHECK(check_error(R"({"custom_id":"a","n":1e999})").find("line 1, column 1: malformed JSON") ==
          0);
    BatchLimits two;
    two.max_lines = 2;
    std::string three;
    for (char c : std::string("abc"))
        three += R"({"custom_id":")" + std::string(1, c) +
                 R"(","method":"POST","url":"/v1/chat/completions","body":{}})" + "\n";
    CHECK(check_error(three, two) == "line 3, column 1: more than 2 requests in one file");
    auto crlf = check_batch_input(kLine + "\r\n", {}, 1 << 20);
    CHECK(std::holds_alternative<std::size_t>(crlf));
    CHECK(std::get<std::string>(check_batch_input(kLine, {}, 10)) ==
          "line 1, column 1: the line is longer than 10 bytes");
}

TEST_CASE("each line of a checked file is visited in order", "[serve][batch]") {
    std::string content =
        kLine + "\n" +
        R"({"custom_id":"b","method":"POST","url":"/v1/chat/completions","body":{"model":"n"}})";
    std::vector<std::string> seen;
    for_each_batch_line(content, [&](BatchInputLine&& l) {
        seen.push_back(l.custom_id + "@" + std::to_string(l.line) + ":" +
                       l.body["model"].get<std::string>());
        return true;
    });
    CHECK(seen == std::vector<std::string>{"a@1:m", "b@2:n"});
}

TEST_CASE("files and batches have OpenAI's shapes", "[serve][batch]") {
    BatchFile f;
    f.id = "file-1";
    f.filename = "in.jsonl";
    f.purpose = "batch";
    f.bytes = 10;
    f.created_at = 1700000000;
    json file = file_object(f);
    CHECK(file["object"] == "file");
    CHECK(file["status"] == "processed");
    CHECK_FALSE(file.contains("key"));
    Batch b;
    b.id = "batch_1";
    b.status = "in_progress";
    b.in_progress_at = 1700000001;
    b.counts = {3, 2, 1};
    b.key_name = "secret-name";
    b.chunks = {"00"};
    json batch = batch_object(b);
    CHECK(batch["object"] == "batch");
    CHECK(batch["request_counts"] == json{{"total", 3}, {"completed", 2}, {"failed", 1}});
    CHECK(batch["in_progress_at"] == 1700000001);
    CHECK(batch["completed_at"].is_null());
    CHECK(batch["output_file_id"].is_null());
    CHECK(batch.dump().find("secret-name") == std::string::npos);
    CHECK_FALSE(batch_is_finished(b));
    b.status = "cancelled";
    CHECK(batch_is_finished(b));
}
