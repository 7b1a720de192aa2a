#pragma once
// libcurl, loaded on first use instead of linked. Its dependency chain (OpenSSL, GnuTLS,
// Kerberos, LDAP, SSH, ...) costs about 6 MiB of resident memory in every process that links
// it, and only https:// endpoints (or a proxy) need it; plain http:// has its own client.
#include <curl/curl.h>

namespace llmops::http {

struct CurlLibrary {
    decltype(&::curl_slist_append) slist_append;
    decltype(&::curl_slist_free_all) slist_free_all;
    decltype(&::curl_easy_init) easy_init;
    decltype(&::curl_easy_reset) easy_reset;
    decltype(&::curl_easy_cleanup) easy_cleanup;
    decltype(&::curl_easy_setopt) easy_setopt;
    decltype(&::curl_easy_getinfo) easy_getinfo;
    decltype(&::curl_easy_strerror) easy_strerror;
    decltype(&::curl_multi_init) multi_init;
    decltype(&::curl_multi_cleanup) multi_cleanup;
    decltype(&::curl_multi_setopt) multi_setopt;
    decltype(&::curl_multi_add_handle) multi_add_handle;
    decltype(&::curl_multi_remove_handle) multi_remove_handle;
    decltype(&::curl_multi_perform) multi_perform;
    decltype(&::curl_multi_poll) multi_poll;
    decltype(&::curl_multi_info_read) multi_info_read;
    decltype(&::curl_multi_strerror) multi_strerror;
};

// Loads libcurl and runs curl_global_init once (thread-safe). Throws Error(Provider) naming
// the library when it cannot be loaded.
const CurlLibrary& curl_library();

} // namespace llmops::http
