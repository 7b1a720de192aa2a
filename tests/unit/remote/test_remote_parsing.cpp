// lib/remote without a server: the S3 XML bodies, AWS credential files and the environment,
// remote URLs, key encoding, and the canonical form of catalog records and refs.
#include "core/error.hpp"
#include "remote/aws_credentials.hpp"
#include "remote/catalog_record.hpp"
#include "remote/s3_client.hpp"
#include "remote/s3_xml.hpp"
#include "temp_dir.hpp"
#include "json/canonical_json.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>

using namespace llmops;
using namespace llmops::remote;

namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

} // namespace

TEST_CASE("ListObjectsV2 pages: keys, sizes, continuation", "[remote]") {
    S3ListPage page = parse_list_objects(
        R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <Contents><Key>p/objects/ab/cd</Key><Size>12</Size><ETag>"x"</ETag></Contents>
  <Contents><Key>p/a &amp; b</Key><Size>0</Size></Contents>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
</ListBucketResult>)");
    REQUIRE(page.objects.size() == 2);
    CHECK(page.objects[0].key == "p/objects/ab/cd");
    CHECK(page.objects[0].size == 12);
    CHECK(page.objects[1].key == "p/a & b");
    CHECK(page.truncated);
    CHECK(page.next_token == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");

    S3ListPage last =
        parse_list_objects("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
    CHECK(last.objects.empty());
    CHECK_FALSE(last.truncated);

    CHECK_THROWS_AS(parse_list_objects("<Error><Code>NoSuchBucket</Code></Error>"), Error);
    CHECK_THROWS_AS(parse_list_objects("not xml"), Error);
    CHECK_THROWS_AS(
        parse_list_objects("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"),
        Error);
}

TEST_CASE("Multipart and error bodies", "[remote]") {
    CHECK(parse_initiate_multipart(
              "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
              "<UploadId>VXBsb2FkIElE</UploadId></InitiateMultipartUploadResult>") ==
          "VXBsb2FkIElE");
    CHECK_THROWS_AS(parse_initiate_multipart("<InitiateMultipartUploadResult/>"), Error);
    S3ErrorDocument e = parse_error_document(
        "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The "
        "signature</Message></Error>");
    CHECK(e.code == "SignatureDoesNotMatch");
    CHECK(e.message == "The signature");
    CHECK(parse_error_document("").code.empty());
    CHECK(parse_error_document("<ListBucketResult/>").code.empty());
    CHECK(complete_multipart_body({{1, "\"a\""}, {2, "\"b\""}}) ==
          "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag>"
          "</Part><Part><PartNumber>2</PartNumber><ETag>&quot;b&quot;</ETag></Part>"
          "</CompleteMultipartUpload>");
}

TEST_CASE("AWS INI files: sections, comments, nested blocks, errors", "[remote]") {
    IniSections s = parse_aws_ini("# comment\n[default]\naws_access_key_id = AKIA1\n"
                                  "AWS_Secret_Access_Key=s3cr=t\n; other\n\n[profile dev]\n"
                                  "region = eu-west-1\ns3 =\n  max_concurrent_requests = 20\n",
                                  "config");
    CHECK(s["default"]["aws_access_key_id"] == "AKIA1");
    CHECK(s["default"]["aws_secret_access_key"] == "s3cr=t");
    CHECK(s["profile dev"]["region"] == "eu-west-1");
    CHECK(s["profile dev"].count("max_concurrent_requests") == 0);
    try {
        parse_aws_ini("[default]\nno equals here\n", "creds");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BadInput);
        CHECK(std::string(e.what()).find("creds:2:1") != std::string::npos);
    }
    CHECK_THROWS_AS(parse_aws_ini("key = value\n", "creds"), Error);
    CHECK_THROWS_AS(parse_aws_ini("[open\n", "creds"), Error);
}

TEST_CASE("AWS credentials: environment first, then the profile's files", "[remote]") {
    testing::TempDir home;
    testing::write_test_file(
        home.path() / ".aws/credentials",
        "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n"
        "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = DEVSECRET\n"
        "aws_session_token = TOKEN\n");
    testing::write_test_file(home.path() / ".aws/config",
                             "[default]\nregion = eu-central-1\n[profile dev]\n"
                             "region = ap-south-1\n");
    std::string h = home.path().string();

    AwsCredentials env = resolve_aws_credentials(env_of({{"HOME", h},
                                                         {"AWS_ACCESS_KEY_ID", "E"},
                                                         {"AWS_SECRET_ACCESS_KEY", "S"},
                                                         {"AWS_SESSION_TOKEN", "T"},
                                                         {"AWS_DEFAULT_REGION", "us-west-2"}}),
                                                 std::nullopt);
    CHECK(env.access_key == "E");
    CHECK(env.secret_key == "S");
    CHECK(env.session_token == "T");
    CHECK(env.region == "us-west-2");
    CHECK(env.source == "environment");

    AwsCredentials file = resolve_aws_credentials(env_of({{"HOME", h}}), std::nullopt);
    CHECK(file.access_key == "FILEKEY");
    CHECK(file.region == "eu-central-1");

    AwsCredentials dev =
        resolve_aws_credentials(env_of({{"HOME", h}, {"AWS_PROFILE", "dev"}}), std::nullopt);
    CHECK(dev.access_key == "DEVKEY");
    CHECK(dev.session_token == "TOKEN");
    CHECK(dev.region == "ap-south-1");

    AwsCredentials overridden = resolve_aws_credentials(
        env_of({{"HOME", h}, {"AWS_REGION", "us-east-2"}}), std::string("sa-east-1"));
    CHECK(overridden.region == "sa-east-1");

    try {
        resolve_aws_credentials(env_of({{"HOME", h}, {"AWS_PROFILE", "nobody"}}), std::nullopt);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Provider);
        CHECK(std::string(e.what()).find("profile 'nobody'") != std::string::npos);
    }
}

TEST_CASE("Remote URLs and key encoding", "[remote]") {
    S3Location l = S3Location::parse("s3://my-bucket/team/llmops/");
    CHECK(l.bucket == "my-bucket");
    CHECK(l.prefix == "team/llmops");
    CHECK(l.url() == "s3://my-bucket/team/llmops");
    CHECK(l.key("objects/ab") == "team/llmops/objects/ab");
    CHECK(S3Location::parse("s3://bucket").key("x") == "x");
    CHECK_THROWS_AS(S3Location::parse("https://bucket/x"), Error);
    CHECK_THROWS_AS(S3Location::parse("s3://Bucket/x"), Error);
    CHECK_THROWS_AS(S3Location::parse("s3://ab"), Error);
    CHECK(s3_uri_encode("a b/c~d+e=", true) == "a%20b/c~d%2Be%3D");
    CHECK(s3_uri_encode("a/b", false) == "a%2Fb");
}

TEST_CASE("Catalog records: canonical form, hash, and what a corrupt one is", "[remote]") {
    nlohmann::json body = {{"format", "llmops.record/1"},
                           {"kind", "prompt_version"},
                           {"prompt", "support"},
                           {"spec", "06b05ab6733a618578af5f94892f3950"},
                           {"parent_spec", nullptr},
                           {"description", "d"},
                           {"source", "p.yaml"},
                           {"message", ""},
                           {"created_at", "2026-12-06T06:00:00.000Z"}};
    CatalogRecord r = make_record(body);
    // Sorted keys, no whitespace: the same bytes on every machine.
    CHECK(r.text.starts_with("{\"created_at\":\"2026-12-06T06:00:00.000Z\",\"description\":"));
    CHECK(r.text.find(' ') == std::string::npos);
    CHECK(r.hash == hash128(r.text));
    CHECK(r.kind == RecordKind::PromptVersion);
    CHECK(r.name == "support");

    CatalogRecord back = parse_record(r.text, r.hash, "test");
    CHECK(back.hash == r.hash);

    std::string truncated = r.text.substr(0, r.text.size() - 3);
    CHECK_THROWS_WITH(parse_record(truncated, r.hash, "rec"),
                      Catch::Contains("rec: corrupt record: content hashes to"));
    std::string spaced = body.dump(1);
    CHECK_THROWS_WITH(parse_record(spaced, hash128(spaced), "rec"),
                      Catch::Contains("not canonical"));
    nlohmann::json missing = body;
    missing.erase("parent_spec");
    std::string m = canonical_json(missing);
    CHECK_THROWS_WITH(parse_record(m, hash128(m), "rec"), Catch::Contains("'parent_spec'"));
}

TEST_CASE("Refs: paths and documents", "[remote]") {
    auto ref = parse_ref_path("prompt-labels/support/production");
    REQUIRE(ref);
    CHECK(ref->kind == RecordKind::PromptVersion);
    CHECK(ref->name == "support");
    CHECK(ref->label == "production");
    CHECK(parse_ref_path("dataset-tags/qa/gold")->kind == RecordKind::DatasetVersion);
    CHECK_FALSE(parse_ref_path("prompt-labels/support"));
    CHECK_FALSE(parse_ref_path("prompt-labels/a/b/c"));
    CHECK_FALSE(parse_ref_path("prompt-labels/../x"));
    CHECK_FALSE(parse_ref_path("branches/main"));

    ref->target = Hash128::from_hex("06b05ab6733a618578af5f94892f3950");
    std::string doc = ref_document(*ref, std::nullopt, "2026-12-06T06:00:00.000Z");
    CHECK(doc == "{\"format\":\"llmops.ref/1\",\"previous\":null,\"ref\":"
                 "\"prompt-labels/support/production\",\"target\":"
                 "\"06b05ab6733a618578af5f94892f3950\",\"updated_at\":"
                 "\"2026-12-06T06:00:00.000Z\"}");
    CHECK(parse_ref_document(doc, ref->path, "r").target == ref->target);
    CHECK_THROWS_AS(parse_ref_document(doc, "prompt-labels/support/staging", "r"), Error);
    CHECK_THROWS_AS(parse_ref_document("{", ref->path, "r"), Error);
}

TEST_CASE("Dataset manifests list their chunks", "[remote]") {
    auto chunks = manifest_chunks(
        R"({"format":"llmops.dataset/1","rows":3,"bytes":30,"chunks":[["06b05ab6733a618578af5f94892f3950",3,30]]})",
        "m");
    REQUIRE(chunks.size() == 1);
    CHECK(chunks[0].rows == 3);
    CHECK(chunks[0].bytes == 30);
    CHECK_THROWS_AS(manifest_chunks(R"({"chunks":[["xyz",1,1]]})", "m"), Error);
    CHECK_THROWS_AS(manifest_chunks("[]", "m"), Error);
}
