#pragma once
// A small S3 client over lib/http's libcurl transport, signed by libcurl's own AWS Signature
// V4 (no AWS SDK): objects (PUT, GET, HEAD, DELETE), ListObjectsV2 with pagination, multipart
// uploads, and many transfers at once on one connection pool. Path-style addressing
// (ENDPOINT/BUCKET/KEY) for a custom endpoint; virtual-hosted AWS otherwise.
#include "remote/aws_credentials.hpp"
#include "remote/s3_xml.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::http {
class HttpTransport;
struct HttpCall;
struct HttpResponse;
} // namespace llmops::http

namespace llmops::remote {

// s3://BUCKET/PREFIX, split. The prefix has no leading or trailing '/'.
struct S3Location {
    std::string bucket;
    std::string prefix;

    // Throws Error(Usage) naming the URL when it is not s3://BUCKET[/PREFIX] with a valid
    // bucket name (3-63 of a-z 0-9 . -).
    static S3Location parse(std::string_view url);
    std::string url() const; // s3://BUCKET/PREFIX
    // PREFIX/name (or name when there is no prefix).
    std::string key(std::string_view name) const;
};

struct S3Settings {
    std::string name; // the remote's name, for messages
    S3Location location;
    std::string endpoint; // "http://127.0.0.1:4568"; empty = AWS for the region
    AwsCredentials credentials;
    std::size_t parallel = 8;             // transfers at once
    std::uint64_t part_size = 8ull << 20; // multipart above this size, in parts of this size
};

// Percent-encodes as SigV4 wants: everything but A-Z a-z 0-9 - _ . ~ (and '/' when keep_slash).
std::string s3_uri_encode(std::string_view text, bool keep_slash);

// One upload of many: the body is read when its turn comes, so memory stays bounded by
// `parallel` bodies however many objects there are.
struct S3Upload {
    std::string key;
    std::uint64_t size = 0;
    std::function<std::string(std::uint64_t offset, std::uint64_t length)> read;
};

class S3Client {
  public:
    explicit S3Client(S3Settings settings);
    ~S3Client();
    S3Client(const S3Client&) = delete;
    S3Client& operator=(const S3Client&) = delete;

    // Every object under a key prefix (all pages).
    std::vector<S3ListedObject> list(std::string_view key_prefix);
    std::optional<std::string> get(const std::string& key); // nullopt when absent (404)
    std::optional<std::uint64_t> head(const std::string& key);
    void put(const std::string& key, std::string body);
    void remove(const std::string& key);

    // Uploads all, `parallel` at a time; one larger than part_size goes as a multipart upload
    // whose parts go in parallel too (an upload that fails is aborted). on_done is called
    // after each object. Throws on the first failure (after stopping the others).
    void put_many(std::vector<S3Upload> uploads,
                  const std::function<void(const S3Upload&)>& on_done = {});
    // Downloads all, `parallel` at a time; sink gets each body (nullopt: absent).
    void get_many(
        const std::vector<std::string>& keys,
        const std::function<void(const std::string& key, std::optional<std::string> body)>& sink);

    // Multipart, step by step (put_many uses them).
    std::string initiate_multipart(const std::string& key);
    void complete_multipart(const std::string& key, const std::string& upload_id,
                            const std::vector<std::pair<int, std::string>>& parts);
    void abort_multipart(const std::string& key, const std::string& upload_id);

    const S3Settings& settings() const { return settings_; }
    // Objects put_many sent as multipart uploads so far.
    std::uint64_t multipart_uploads() const { return multipart_uploads_; }

  private:
    http::HttpCall make_call(const std::string& method, const std::string& key,
                             const std::string& query, std::string body) const;
    http::HttpResponse send(http::HttpCall call);
    // Runs calls `parallel` at a time, retrying transient failures; done(i, response) for each.
    void run_all(std::size_t count, const std::function<http::HttpCall(std::size_t)>& make,
                 const std::function<void(std::size_t, http::HttpResponse&)>& done);
    [[noreturn]] void fail(const http::HttpResponse& response, std::string_view what) const;
    void check(const http::HttpResponse& response, std::string_view what) const;
    void upload_multipart(const S3Upload& upload);

    S3Settings settings_;
    std::unique_ptr<http::HttpTransport> transport_;
    std::uint64_t multipart_uploads_ = 0;
};

} // namespace llmops::remote
