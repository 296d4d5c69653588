// The simulator's only source of randomness: xoshiro256** seeded through splitmix64. Our
// own code, so a seed gives the same numbers with any compiler and standard library.
#pragma once

#include <cstdint>

namespace scxd::sim {

inline std::uint64_t splitmix64(std::uint64_t &state)
{
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

class Rng {
public:
    Rng() : Rng(0) {}
    explicit Rng(std::uint64_t seed)
    {
        for (auto &word : s_)
            word = splitmix64(seed);
    }

    // A stream of its own for one (seed, a, b), e.g. one task of one group: adding a group
    // does not change the numbers another group draws.
    static Rng stream(std::uint64_t seed, std::uint64_t a, std::uint64_t b)
    {
        std::uint64_t mix = seed;
        std::uint64_t key = splitmix64(mix) ^ (a * 0xd1b54a32d192ed03ULL);
        key = splitmix64(key) ^ (b * 0xabc98388fb8fac03ULL);
        return Rng(key);
    }

    std::uint64_t next()
    {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform in [0, n); n == 0 gives 0. Multiply-shift: no modulo bias worth speaking of
    // and no division.
    std::uint64_t below(std::uint64_t n)
    {
        if (n == 0)
            return 0;
        __extension__ using u128 = unsigned __int128;
        return static_cast<std::uint64_t>((static_cast<u128>(next()) * n) >> 64);
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    std::uint64_t s_[4]{}; // every constructor sets it; {} so analysers see that too
};

} // namespace scxd::sim
