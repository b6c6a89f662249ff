/*
 * The machine's own interruptions of a busy-polling core, with no Levitate code involved: spins on
 * the calling thread reading CLOCK_MONOTONIC and counts the gaps between consecutive reads (time
 * the thread did not run: interrupts, the kernel's work, other threads, a hypervisor that
 * deschedules the vCPU). A forwarding worker is interrupted the same way, and a burst that an
 * interruption falls into takes that much longer, so the rate of gaps above X per second, divided
 * by the worker's bursts per second, is the share of bursts this machine makes slower than X.
 *
 * Usage: jitter SECONDS   (pin it: taskset -c CPU jitter 10; scripts/jitter.sh does both)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int main(int argc, char **argv) {
    static const uint64_t limits_us[] = {2, 5, 10, 20, 30, 50, 100, 1000};
    enum { LIMITS = sizeof limits_us / sizeof limits_us[0] };
    uint64_t above[LIMITS] = {0};
    const double seconds = argc > 1 ? atof(argv[1]) : 10.0;
    if (seconds <= 0) {
        fprintf(stderr, "usage: jitter SECONDS\n");
        return 2;
    }
    const uint64_t start = now_ns();
    const uint64_t end = start + (uint64_t)(seconds * 1e9);
    uint64_t prev = start, reads = 0, lost = 0, longest = 0;
    for (;;) {
        const uint64_t t = now_ns();
        const uint64_t gap = t - prev;
        prev = t;
        reads++;
        if (gap > limits_us[0] * 1000) {
            lost += gap;
            if (gap > longest) {
                longest = gap;
            }
            for (int i = 0; i < LIMITS; i++) {
                above[i] += gap > limits_us[i] * 1000;
            }
        }
        if (t >= end) {
            break;
        }
    }
    const double elapsed = (double)(prev - start) / 1e9;
    printf("jitter: %.1f s, %llu clock reads, %.3f %% of the time in gaps above %llu us, longest %.1f us\n",
           elapsed, (unsigned long long)reads, 100.0 * (double)lost / (elapsed * 1e9),
           (unsigned long long)limits_us[0], (double)longest / 1e3);
    for (int i = 0; i < LIMITS; i++) {
        printf("jitter: gaps above %4llu us: %9llu (%.1f per second)\n", (unsigned long long)limits_us[i],
               (unsigned long long)above[i], (double)above[i] / elapsed);
    }
    return 0;
}
