#pragma once
// What the CPU offers beyond the x86-64 baseline the binary is built for, asked once. Code
// compiled for AVX2 (hash_avx2.cpp, the injection scan's byte masks) runs only when this says so.

namespace llmops {

inline bool cpu_has_avx2() {
#if defined(__x86_64__) && defined(__GNUC__)
    static const bool has = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
    return has;
#else
    return false;
#endif
}

} // namespace llmops
