#include "http/curl_library.hpp"

#include "core/error.hpp"

#include <dlfcn.h>
#include <string>

namespace llmops::http {

namespace {

// Debian's libcurl4 (OpenSSL) first, then libcurl3-gnutls: the same API and ABI.
constexpr const char* kSonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};

template <typename Fn> void resolve(void* handle, const char* name, Fn& slot) {
    void* symbol = ::dlsym(handle, name);
    if (!symbol)
        throw Error(ErrorKind::Provider, std::string("the loaded libcurl has no ") + name +
                                             " (libcurl 7.66 or newer is needed)");
    slot = reinterpret_cast<Fn>(symbol);
}

CurlLibrary load() {
    void* handle = nullptr;
    std::string why;
    for (const char* soname : kSonames) {
        // Never closed: libcurl's global state lives as long as the process.
        handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (handle) break;
        if (const char* e = ::dlerror(); e && why.empty()) why = e;
    }
    if (!handle)
        throw Error(ErrorKind::Provider,
                    "https:// endpoints and proxies need libcurl, which cannot be loaded (" + why +
                        "); install Debian's libcurl4");
    CurlLibrary lib{};
    decltype(&::curl_global_init) global_init = nullptr;
    resolve(handle, "curl_global_init", global_init);
    resolve(handle, "curl_slist_append", lib.slist_append);
    resolve(handle, "curl_slist_free_all", lib.slist_free_all);
    resolve(handle, "curl_easy_init", lib.easy_init);
    resolve(handle, "curl_easy_reset", lib.easy_reset);
    resolve(handle, "curl_easy_cleanup", lib.easy_cleanup);
    resolve(handle, "curl_easy_setopt", lib.easy_setopt);
    resolve(handle, "curl_easy_getinfo", lib.easy_getinfo);
    resolve(handle, "curl_easy_strerror", lib.easy_strerror);
    resolve(handle, "curl_multi_init", lib.multi_init);
    resolve(handle, "curl_multi_cleanup", lib.multi_cleanup);
    resolve(handle, "curl_multi_setopt", lib.multi_setopt);
    resolve(handle, "curl_multi_add_handle", lib.multi_add_handle);
    resolve(handle, "curl_multi_remove_handle", lib.multi_remove_handle);
    resolve(handle, "curl_multi_perform", lib.multi_perform);
    resolve(handle, "curl_multi_poll", lib.multi_poll);
    resolve(handle, "curl_multi_info_read", lib.multi_info_read);
    resolve(handle, "curl_multi_strerror", lib.multi_strerror);
    // Not thread-safe, hence here, once, before any handle exists.
    if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        throw Error(ErrorKind::Provider, "libcurl failed to initialise");
    return lib;
}

} // namespace

const CurlLibrary& curl_library() {
    static const CurlLibrary lib = load(); // a throw leaves it unset: the next call retries
    return lib;
}

} // namespace llmops::http
