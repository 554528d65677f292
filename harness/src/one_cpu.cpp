#include "one_cpu.hpp"

#include <pthread.h>

#include <atomic>
#include <vector>

namespace lockstep::harness::detail {

namespace {

// The CPUs this process may use, read once: a worker's choice must not depend on
// a mask another worker has just narrowed.
const std::vector<int>& allowed_cpus() {
  static const std::vector<int> cpus = [] {
    std::vector<int> out;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return out;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &set)) out.push_back(cpu);
    return out;
  }();
  return cpus;
}

int this_threads_cpu() {
  static std::atomic<unsigned> next_slot{0};
  thread_local const unsigned slot = next_slot.fetch_add(1, std::memory_order_relaxed);
  const auto& cpus = allowed_cpus();
  return cpus.size() < 2 ? -1 : cpus[slot % cpus.size()];
}

}  // namespace

OneCpu::OneCpu() {
  const int cpu = this_threads_cpu();
  if (cpu < 0) return;
  if (pthread_getaffinity_np(pthread_self(), sizeof before_, &before_) != 0) return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (pthread_setaffinity_np(pthread_self(), sizeof one, &one) == 0) cpu_ = cpu;
}

void use_any_cpu() {
  const auto& cpus = allowed_cpus();
  if (cpus.size() < 2) return;
  cpu_set_t any;
  CPU_ZERO(&any);
  for (const int cpu : cpus) CPU_SET(cpu, &any);
  pthread_setaffinity_np(pthread_self(), sizeof any, &any);
}

OneCpu::~OneCpu() {
  if (cpu_ >= 0) pthread_setaffinity_np(pthread_self(), sizeof before_, &before_);
}

}  // namespace lockstep::harness::detail
