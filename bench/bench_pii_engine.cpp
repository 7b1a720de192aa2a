// The PII engine's own speed, startup left out: the engine is made and warmed on a short text
// (so the phone judge has made its region plans), then one file is scanned once, and the CPU
// time of that scan alone is printed as MB/s per core. One scan per process, so the phone
// judge's verdict cache holds only what this text put in it.
// Usage: bench_pii_engine FILE
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

#include "safety/pii_engine.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: bench_pii_engine FILE\n");
        return 2;
    }
    llmops::safety::PiiEngine engine;
    engine.scan("call 0121 234 5678 or +44 20 7946 0958, ISBN 978-0-306-40615-7");
    std::ifstream in(argv[1], std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    const std::clock_t start = std::clock();
    const auto findings = engine.scan(text);
    const double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    std::printf("%.1f MB/s per core (%zu findings, %.3f s)\n",
                static_cast<double>(text.size()) / 1048576.0 / seconds, findings.size(), seconds);
    return 0;
}
