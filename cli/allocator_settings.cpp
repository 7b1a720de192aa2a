// jemalloc's settings, chosen from the command line before anything allocates.
//
// The commands measured to gain from transparent huge pages for the heap get them: fresh memory
// then arrives 2 MiB at a time instead of 4 KiB, and on this class of VM a 4 KiB page fault
// costs about 6 µs. `scan --pii --injection` of 8 MB went from 5,680 faults to 790 and
// 0.32–0.35 s to 0.23–0.26 s; `data diff` of two 2M-row versions from 155 ms to 100 ms;
// `data profile` of 2M rows from 2.61 to 2.37 CPU s (docs/performance.md). Every other command
// keeps 4 KiB pages, where huge pages only round the heap up: the gateway's resident memory
// doubled (20 → 40 MiB at start, 51 → 89 MiB with 1,000 connections) for no speed, `data add`
// took 26 MiB more for none, and `drift`, which asks for huge pages for its large vectors only
// (lib/drift), went from 203 to 227 MiB against its 256 MiB goal.
#include <cstring>

extern "C" {
// Read by jemalloc when it initialises, at the first allocation; null keeps its defaults.
// (Without jemalloc, under the sanitizers, nothing reads it.)
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
const char* malloc_conf = nullptr;
}

namespace {

struct CommandPath {
    const char* top;
    const char* sub; // nullptr: any
};

constexpr CommandPath kHugePageCommands[] = {
    {"scan", nullptr}, {"data", "scan"}, {"data", "diff"}, {"data", "profile"}};

// The first two words that are not options: the command and, for a group, its subcommand.
// Global options come before or after the command (docs/cli.md); only -C takes a value. The
// same rule as command_words() in main.cpp, which cannot be shared: nothing here may allocate.
void command_words(int argc, char** argv, const char* (&words)[2]) {
    int found = 0;
    for (int i = 1; i < argc && found < 2; ++i) {
        const char* arg = argv[i];
        if (std::strcmp(arg, "--") == 0) return;
        if (std::strcmp(arg, "-C") == 0) {
            ++i;
            continue;
        }
        if (arg[0] != '-' || arg[1] == '\0') words[found++] = arg; // "-" (standard input) too
    }
}

void choose_allocator_settings(int argc, char** argv, char** /*environment*/) {
    const char* words[2] = {nullptr, nullptr};
    command_words(argc, argv, words);
    if (!words[0]) return;
    for (const CommandPath& c : kHugePageCommands)
        if (std::strcmp(words[0], c.top) == 0 &&
            (!c.sub || (words[1] && std::strcmp(words[1], c.sub) == 0)))
            malloc_conf = "thp:always";
}

} // namespace

// An executable's pre-initialisers run before any shared library's initialisers, the first
// code that allocates; the C library passes them the command line.
__attribute__((section(".preinit_array"), used)) static void (*const preinit_allocator_settings)(
    int, char**, char**) = choose_allocator_settings;
