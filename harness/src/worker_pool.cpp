#include "lockstep/harness/worker_pool.hpp"

#include <algorithm>
#include <atomic>
#include <numeric>
#include <thread>
#include <vector>

namespace lockstep::harness {

void for_each_in_pool(std::span<const std::size_t> order, int jobs, const std::function<bool()>& stop,
                      const std::function<void(std::size_t)>& task) {
  const std::size_t count = order.size();
  if (jobs <= 0) jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < count;) {
      if (stop && stop()) return;
      task(order[i]);
    }
  };
  const std::size_t threads = std::min(static_cast<std::size_t>(jobs), count);
  std::vector<std::jthread> others;
  for (std::size_t t = 1; t < threads; ++t) others.emplace_back(worker);
  worker();
}

void for_each_in_pool(std::size_t count, int jobs, const std::function<bool()>& stop,
                      const std::function<void(std::size_t)>& task) {
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for_each_in_pool(order, jobs, stop, task);
}

}  // namespace lockstep::harness
