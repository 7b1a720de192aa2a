#pragma once
// The XML bodies of the S3 API that llmops reads and writes (libxml2 parses them): listings
// (ListObjectsV2), multipart uploads (initiate, complete) and error documents.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmops::remote {

struct S3ListedObject {
    std::string key;
    std::uint64_t size = 0;
};

struct S3ListPage {
    std::vector<S3ListedObject> objects;
    bool truncated = false;
    std::string next_token; // NextContinuationToken when truncated
};

// Throws Error(Provider) "malformed ... from the server" when the body is not the document.
S3ListPage parse_list_objects(std::string_view xml);
std::string parse_initiate_multipart(std::string_view xml); // the UploadId

struct S3ErrorDocument {
    std::string code;    // NoSuchBucket, SignatureDoesNotMatch ...; empty when not an error body
    std::string message; // as the server wrote it
};
S3ErrorDocument parse_error_document(std::string_view xml);

// CompleteMultipartUpload's body: (part number, ETag as the server sent it) in part order.
std::string complete_multipart_body(const std::vector<std::pair<int, std::string>>& parts);

} // namespace llmops::remote
