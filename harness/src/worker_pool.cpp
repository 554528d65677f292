#include "lockstep/harness/worker_pool.hpp"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace lockstep::harness {

void for_each_in_pool(std::size_t count, int jobs, const std::function<bool()>& stop,
                      const std::function<void(std::size_t)>& task) {
  if (jobs <= 0) jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < count;) {
      if (stop && stop()) return;
      task(i);
    }
  };
  const std::size_t threads = std::min(static_cast<std::size_t>(jobs), count);
  std::vector<std::jthread> others;
  for (std::size_t t = 1; t < threads; ++t) others.emplace_back(worker);
  worker();
}

}  // namespace lockstep::harness
