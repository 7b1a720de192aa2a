// jemalloc's settings, chosen from the command line before anything allocates.
//
// The commands that read bulk data (data, scan, drift, index) get transparent huge pages for
// the heap: fresh memory then arrives 2 MiB at a time instead of 4 KiB, and on this class of
// VM a 4 KiB page fault costs about 6 µs. `scan --pii --injection` of 8 MB went from 5,680 faults
// to 790 and 0.32–0.35 s to 0.23–0.26 s; `data diff` of two 2M-row versions 155 ms to 100 ms
// (docs/performance.md). The other commands keep 4 KiB pages: for the gateway huge pages
// doubled the resident memory (20 → 40 MiB at start, 51 → 89 MiB with 1,000 connections) and
// gained nothing, and small commands would only round their heaps up.
#include <cstring>
#include <initializer_list>

extern "C" {
// Read by jemalloc when it initialises, at the first allocation; null keeps its defaults.
// (Without jemalloc, under the sanitizers, nothing reads it.)
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
const char* malloc_conf = nullptr;
}

namespace {

// The first word that is not a global option: the top-level command. Global options come
// before it (docs/cli.md); only -C takes a value. The same rule as command_words() in main.cpp,
// which cannot be shared: nothing here may allocate.
const char* top_level_command(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const char* arg = argv[i];
        if (std::strcmp(arg, "--") == 0) return nullptr;
        if (std::strcmp(arg, "-C") == 0) {
            ++i;
            continue;
        }
        if (arg[0] != '-' || arg[1] == '\0') return arg; // "-" (standard input) is a word
    }
    return nullptr;
}

bool reads_bulk_data(const char* command) {
    for (const char* bulk : {"data", "scan", "drift", "index"})
        if (std::strcmp(command, bulk) == 0) return true;
    return false;
}

void choose_allocator_settings(int argc, char** argv, char** /*environment*/) {
    const char* command = top_level_command(argc, argv);
    if (command && reads_bulk_data(command)) malloc_conf = "thp:always";
}

} // namespace

// An executable's pre-initialisers run before any shared library's initialisers, the first
// code that allocates; the C library passes them the command line.
__attribute__((section(".preinit_array"), used)) static void (*const preinit_allocator_settings)(
    int, char**, char**) = choose_allocator_settings;
