#include "remote/s3_xml.hpp"

#include "core/error.hpp"

#include <charconv>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <memory>

namespace llmops::remote {

namespace {

struct DocDeleter {
    void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using Doc = std::unique_ptr<xmlDoc, DocDeleter>;

// No network, no entities, no DTD: a server's body is data, never instructions to the parser.
Doc parse(std::string_view xml) {
    if (xml.empty()) return nullptr;
    return Doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "s3.xml", nullptr,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
}

std::string_view name_of(const xmlNode* node) {
    return reinterpret_cast<const char*>(node->name);
}

std::string text_of(const xmlNode* node) {
    xmlChar* content = xmlNodeGetContent(node);
    if (!content) return {};
    std::string out(reinterpret_cast<const char*>(content));
    xmlFree(content);
    return out;
}

const xmlNode* child(const xmlNode* parent, std::string_view name) {
    for (const xmlNode* c = parent->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && name_of(c) == name) return c;
    return nullptr;
}

const xmlNode* root_named(const Doc& doc, std::string_view name, std::string_view what) {
    const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
    if (!root || name_of(root) != name)
        throw Error(ErrorKind::Provider, "malformed " + std::string(what) +
                                             " from the server (expected <" + std::string(name) +
                                             ">)");
    return root;
}

std::string escape_xml(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

} // namespace

S3ListPage parse_list_objects(std::string_view xml) {
    Doc doc = parse(xml);
    const xmlNode* root = root_named(doc, "ListBucketResult", "object listing");
    S3ListPage page;
    for (const xmlNode* c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        std::string_view name = name_of(c);
        if (name == "Contents") {
            S3ListedObject object;
            if (const xmlNode* key = child(c, "Key")) object.key = text_of(key);
            if (const xmlNode* size = child(c, "Size")) {
                std::string digits = text_of(size);
                std::from_chars(digits.data(), digits.data() + digits.size(), object.size);
            }
            if (object.key.empty())
                throw Error(ErrorKind::Provider, "malformed object listing from the server "
                                                 "(<Contents> without <Key>)");
            page.objects.push_back(std::move(object));
        } else if (name == "IsTruncated") {
            page.truncated = text_of(c) == "true";
        } else if (name == "NextContinuationToken") {
            page.next_token = text_of(c);
        }
    }
    if (page.truncated && page.next_token.empty())
        throw Error(ErrorKind::Provider, "malformed object listing from the server (truncated "
                                         "without <NextContinuationToken>)");
    return page;
}

std::string parse_initiate_multipart(std::string_view xml) {
    Doc doc = parse(xml);
    const xmlNode* root = root_named(doc, "InitiateMultipartUploadResult", "multipart answer");
    const xmlNode* id = child(root, "UploadId");
    std::string upload_id = id ? text_of(id) : std::string();
    if (upload_id.empty())
        throw Error(ErrorKind::Provider, "malformed multipart answer from the server (no "
                                         "<UploadId>)");
    return upload_id;
}

S3ErrorDocument parse_error_document(std::string_view xml) {
    S3ErrorDocument out;
    Doc doc = parse(xml);
    const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
    if (!root || name_of(root) != "Error") return out;
    if (const xmlNode* code = child(root, "Code")) out.code = text_of(code);
    if (const xmlNode* message = child(root, "Message")) out.message = text_of(message);
    return out;
}

std::string complete_multipart_body(const std::vector<std::pair<int, std::string>>& parts) {
    std::string out = "<CompleteMultipartUpload>";
    for (const auto& [number, etag] : parts)
        out += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" +
               escape_xml(etag) + "</ETag></Part>";
    out += "</CompleteMultipartUpload>";
    return out;
}

} // namespace llmops::remote
