#include "remote/s3_client.hpp"

#include "core/error.hpp"
#include "http/http_transport.hpp"

#include <algorithm>
#include <deque>
#include <fmt/format.h>
#include <openssl/sha.h>
#include <unordered_map>

namespace llmops::remote {

namespace {

constexpr int kAttempts = 3;

bool is_bucket_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

std::string sha256_hex(std::string_view bytes) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
    std::string out;
    out.reserve(2 * SHA256_DIGEST_LENGTH);
    for (unsigned char b : digest)
        out += fmt::format("{:02x}", b);
    return out;
}

// A failure worth another try on a fresh request: the server dropped or refused it for now.
bool is_transient(const http::HttpResponse& r) {
    if (!r.transport_ok) return !r.connect_failed;
    return r.status == 500 || r.status == 502 || r.status == 503 || r.status == 504 ||
           r.status == 429;
}

std::string header_value(const http::HttpResponse& r, std::string_view name) {
    for (const auto& [n, v] : r.headers)
        if (n == name) return v;
    return {};
}

} // namespace

S3Location S3Location::parse(std::string_view url) {
    auto bad = [&](std::string_view why) -> S3Location {
        throw_usage(fmt::format("bad remote URL '{}': {}", url, why),
                    "write it as s3://BUCKET/PREFIX");
    };
    constexpr std::string_view kScheme = "s3://";
    if (!url.starts_with(kScheme)) return bad("it does not start with s3://");
    std::string_view rest = url.substr(kScheme.size());
    auto slash = rest.find('/');
    S3Location out;
    out.bucket = std::string(rest.substr(0, slash));
    if (out.bucket.size() < 3 || out.bucket.size() > 63 ||
        !std::all_of(out.bucket.begin(), out.bucket.end(), is_bucket_char))
        return bad("a bucket name is 3 to 63 of a-z, 0-9, '.' and '-'");
    if (slash != std::string_view::npos) {
        std::string_view prefix = rest.substr(slash + 1);
        while (!prefix.empty() && prefix.front() == '/')
            prefix.remove_prefix(1);
        while (!prefix.empty() && prefix.back() == '/')
            prefix.remove_suffix(1);
        out.prefix = std::string(prefix);
    }
    return out;
}

std::string S3Location::url() const {
    return "s3://" + bucket + (prefix.empty() ? "" : "/" + prefix);
}

std::string S3Location::key(std::string_view name) const {
    return prefix.empty() ? std::string(name) : prefix + "/" + std::string(name);
}

std::string s3_uri_encode(std::string_view text, bool keep_slash) {
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
        if (plain)
            out += c;
        else
            out += fmt::format("%{:02X}", u);
    }
    return out;
}

S3Client::S3Client(S3Settings settings)
    : settings_(std::move(settings)), transport_(std::make_unique<http::HttpTransport>(
                                          std::max<std::size_t>(1, settings_.parallel))) {}

S3Client::~S3Client() = default;

http::HttpCall S3Client::make_call(const std::string& method, const std::string& key,
                                   const std::string& query, std::string body) const {
    http::HttpCall call;
    std::string base;
    if (!settings_.endpoint.empty()) {
        base = settings_.endpoint;
        while (!base.empty() && base.back() == '/')
            base.pop_back();
        base += "/" + settings_.location.bucket;
    } else {
        base = fmt::format("https://{}.s3.{}.amazonaws.com", settings_.location.bucket,
                           settings_.credentials.region);
    }
    call.url = base + "/" + s3_uri_encode(key, true) + (query.empty() ? "" : "?" + query);
    call.method = method;
    call.headers.emplace_back("x-amz-content-sha256", sha256_hex(body));
    if (method == "PUT" || method == "POST")
        call.headers.emplace_back("Content-Type", method == "POST" ? "application/xml"
                                                                   : "application/octet-stream");
    if (!settings_.credentials.session_token.empty())
        call.headers.emplace_back("x-amz-security-token", settings_.credentials.session_token);
    call.body = std::move(body);
    call.timeout_s = 300;
    call.aws_sigv4 = "aws:amz:" + settings_.credentials.region + ":s3";
    call.aws_access_key = settings_.credentials.access_key;
    call.aws_secret_key = settings_.credentials.secret_key;
    return call;
}

void S3Client::run_all(std::size_t count, const std::function<http::HttpCall(std::size_t)>& make,
                       const std::function<void(std::size_t, http::HttpResponse&)>& done) {
    struct InFlight {
        std::size_t index;
        int attempt;
    };
    std::unordered_map<std::uint64_t, InFlight> in_flight;
    std::deque<std::pair<std::size_t, int>> retries;
    std::size_t next = 0;
    std::uint64_t ticket = 0;
    std::size_t limit = std::max<std::size_t>(1, settings_.parallel);
    auto start = [&](std::size_t index, int attempt) {
        transport_->start(++ticket, make(index));
        in_flight.emplace(ticket, InFlight{index, attempt});
    };
    try {
        std::vector<http::HttpResponse> finished;
        while (next < count || !in_flight.empty() || !retries.empty()) {
            while (in_flight.size() < limit && !retries.empty()) {
                auto [index, attempt] = retries.front();
                retries.pop_front();
                start(index, attempt);
            }
            while (in_flight.size() < limit && next < count)
                start(next++, 1);
            finished.clear();
            transport_->poll(finished, std::chrono::milliseconds(200));
            for (auto& response : finished) {
                auto it = in_flight.find(response.ticket);
                if (it == in_flight.end()) continue;
                InFlight f = it->second;
                in_flight.erase(it);
                if (is_transient(response) && f.attempt < kAttempts) {
                    retries.emplace_back(f.index, f.attempt + 1);
                    continue;
                }
                done(f.index, response);
            }
        }
    } catch (...) {
        transport_->abort_all();
        throw;
    }
}

http::HttpResponse S3Client::send(http::HttpCall call) {
    http::HttpResponse out;
    run_all(
        1, [&](std::size_t) { return call; },
        [&](std::size_t, http::HttpResponse& r) { out = std::move(r); });
    return out;
}

void S3Client::fail(const http::HttpResponse& r, std::string_view what) const {
    const std::string& name = settings_.name;
    std::string where = settings_.endpoint.empty()
                            ? fmt::format("s3.{}.amazonaws.com", settings_.credentials.region)
                            : settings_.endpoint;
    if (!r.transport_ok) {
        if (r.connect_failed)
            throw Error(ErrorKind::Provider,
                        fmt::format("remote '{}': cannot reach {}: {}", name, where, r.error), {},
                        "check --endpoint with 'llmops remote list' and that the server runs");
        throw Error(ErrorKind::Provider, fmt::format("remote '{}': {} failed{}: {}", name, what,
                                                     r.timed_out ? " (timed out)" : "", r.error));
    }
    S3ErrorDocument doc = parse_error_document(r.body);
    if (doc.code == "NoSuchBucket")
        throw Error(ErrorKind::Provider,
                    fmt::format("remote '{}': bucket '{}' does not exist at {}", name,
                                settings_.location.bucket, where));
    if (doc.code == "InvalidAccessKeyId" || doc.code == "SignatureDoesNotMatch" ||
        doc.code == "AccessDenied" || doc.code == "ExpiredToken" || r.status == 403)
        throw Error(ErrorKind::Provider,
                    fmt::format("remote '{}': access denied ({}{}{})", name,
                                doc.code.empty() ? "HTTP 403" : doc.code,
                                doc.message.empty() ? "" : ": ", doc.message),
                    {},
                    "check the credentials from " + settings_.credentials.source +
                        " (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE)");
    throw Error(ErrorKind::Provider,
                fmt::format("remote '{}': {} failed: HTTP {}{}{}{}", name, what, r.status,
                            doc.code.empty() ? "" : " ", doc.code,
                            doc.message.empty() ? "" : ": " + doc.message));
}

void S3Client::check(const http::HttpResponse& r, std::string_view what) const {
    if (!r.transport_ok || r.status < 200 || r.status >= 300) fail(r, what);
}

std::vector<S3ListedObject> S3Client::list(std::string_view key_prefix) {
    std::vector<S3ListedObject> out;
    std::string token;
    for (;;) {
        // Parameters in SigV4's canonical order (sorted by name), values encoded.
        std::string query;
        if (!token.empty()) query += "continuation-token=" + s3_uri_encode(token, false) + "&";
        query += "list-type=2&prefix=" + s3_uri_encode(key_prefix, false);
        http::HttpResponse r = send(make_call("GET", "", query, {}));
        check(r, "listing " + std::string(key_prefix));
        S3ListPage page = parse_list_objects(r.body);
        for (auto& o : page.objects)
            out.push_back(std::move(o));
        if (!page.truncated) break;
        token = page.next_token;
    }
    return out;
}

std::optional<std::string> S3Client::get(const std::string& key) {
    http::HttpResponse r = send(make_call("GET", key, {}, {}));
    if (r.transport_ok && r.status == 404 && parse_error_document(r.body).code != "NoSuchBucket")
        return std::nullopt;
    check(r, "reading " + key);
    return std::move(r.body);
}

std::optional<std::uint64_t> S3Client::head(const std::string& key) {
    http::HttpResponse r = send(make_call("HEAD", key, {}, {}));
    if (r.transport_ok && r.status == 404) return std::nullopt;
    check(r, "checking " + key);
    std::string length = header_value(r, "content-length");
    return length.empty() ? 0 : std::stoull(length);
}

void S3Client::put(const std::string& key, std::string body) {
    check(send(make_call("PUT", key, {}, std::move(body))), "writing " + key);
}

void S3Client::remove(const std::string& key) {
    http::HttpResponse r = send(make_call("DELETE", key, {}, {}));
    if (r.transport_ok && r.status == 404) return;
    check(r, "deleting " + key);
}

std::string S3Client::initiate_multipart(const std::string& key) {
    http::HttpResponse r = send(make_call("POST", key, "uploads=", {}));
    check(r, "starting the multipart upload of " + key);
    return parse_initiate_multipart(r.body);
}

void S3Client::complete_multipart(const std::string& key, const std::string& upload_id,
                                  const std::vector<std::pair<int, std::string>>& parts) {
    http::HttpResponse r =
        send(make_call("POST", key, "uploadId=" + s3_uri_encode(upload_id, false),
                       complete_multipart_body(parts)));
    check(r, "completing the multipart upload of " + key);
    // S3 may answer 200 and still report a failure in the body.
    if (!parse_error_document(r.body).code.empty()) fail(r, "completing the upload of " + key);
}

void S3Client::abort_multipart(const std::string& key, const std::string& upload_id) {
    http::HttpResponse r =
        send(make_call("DELETE", key, "uploadId=" + s3_uri_encode(upload_id, false), {}));
    if (r.transport_ok && (r.status == 404 || r.status == 204)) return;
    check(r, "aborting the multipart upload of " + key);
}

void S3Client::upload_multipart(const S3Upload& upload) {
    std::string upload_id = initiate_multipart(upload.key);
    std::uint64_t part = std::max<std::uint64_t>(settings_.part_size, 1);
    std::size_t count = static_cast<std::size_t>((upload.size + part - 1) / part);
    std::vector<std::pair<int, std::string>> etags(count);
    std::string id_query = "uploadId=" + s3_uri_encode(upload_id, false);
    try {
        run_all(
            count,
            [&](std::size_t i) {
                std::uint64_t offset = i * part;
                std::uint64_t length = std::min(part, upload.size - offset);
                return make_call("PUT", upload.key,
                                 fmt::format("partNumber={}&{}", i + 1, id_query),
                                 upload.read(offset, length));
            },
            [&](std::size_t i, http::HttpResponse& r) {
                check(r, fmt::format("uploading part {} of {}", i + 1, upload.key));
                std::string etag = header_value(r, "etag");
                if (etag.empty())
                    throw Error(ErrorKind::Provider,
                                fmt::format("remote '{}': no ETag for part {} of {}",
                                            settings_.name, i + 1, upload.key));
                etags[i] = {static_cast<int>(i + 1), std::move(etag)};
            });
        complete_multipart(upload.key, upload_id, etags);
    } catch (...) {
        try {
            abort_multipart(upload.key, upload_id);
        } catch (const Error&) {
            // The first failure is the one to report; the server expires the upload anyway.
        }
        throw;
    }
}

void S3Client::put_many(std::vector<S3Upload> uploads,
                        const std::function<void(const S3Upload&)>& on_done) {
    std::vector<const S3Upload*> small;
    std::vector<const S3Upload*> large;
    for (const auto& u : uploads)
        (u.size > settings_.part_size ? large : small).push_back(&u);
    run_all(
        small.size(),
        [&](std::size_t i) {
            const S3Upload& u = *small[i];
            return make_call("PUT", u.key, {}, u.read(0, u.size));
        },
        [&](std::size_t i, http::HttpResponse& r) {
            check(r, "writing " + small[i]->key);
            if (on_done) on_done(*small[i]);
        });
    for (const S3Upload* u : large) {
        upload_multipart(*u);
        ++multipart_uploads_;
        if (on_done) on_done(*u);
    }
}

void S3Client::get_many(
    const std::vector<std::string>& keys,
    const std::function<void(const std::string&, std::optional<std::string>)>& sink) {
    run_all(
        keys.size(), [&](std::size_t i) { return make_call("GET", keys[i], {}, {}); },
        [&](std::size_t i, http::HttpResponse& r) {
            if (r.transport_ok && r.status == 404 &&
                parse_error_document(r.body).code != "NoSuchBucket") {
                sink(keys[i], std::nullopt);
                return;
            }
            check(r, "reading " + keys[i]);
            sink(keys[i], std::move(r.body));
        });
}

} // namespace llmops::remote
