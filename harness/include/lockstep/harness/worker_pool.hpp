// Plays a suite's scenarios on a few threads: the one worker pool of run,
// conform and explore's shards. Indexes are handed out in order (or in the order
// given), each to the first free worker; once `stop` says so, no index is started (those under way
// finish, or end early themselves on the same signal). The results stay in
// suite order whatever order they finish in: each task writes its own slot.
#pragma once

#include <cstddef>
#include <functional>
#include <span>

namespace lockstep::harness {

// Calls task(i) for every i in [0, count) not skipped by `stop` (empty: never
// stop), on min(jobs, count) threads (jobs <= 0: one per core). The calling
// thread is one of them, so jobs == 1 runs everything here, in order.
void for_each_in_pool(std::size_t count, int jobs, const std::function<bool()>& stop,
                      const std::function<void(std::size_t)>& task);

// The same, handing the indexes out in `order` (a permutation of [0, count)).
// A suite's few long scenarios go first (longest_first, scenario.hpp): started
// last, one of them alone on a core would set the suite's wall time.
void for_each_in_pool(std::span<const std::size_t> order, int jobs, const std::function<bool()>& stop,
                      const std::function<void(std::size_t)>& task);

}  // namespace lockstep::harness
