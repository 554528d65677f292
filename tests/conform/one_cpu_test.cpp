// A conformance scenario's processes share one CPU while it plays (OneCpu): the
// thread is narrowed to one CPU, a child started meanwhile inherits it, worker
// threads take different CPUs, and the thread gets its CPUs back afterwards.
#include "../../harness/src/one_cpu.hpp"

#include <pthread.h>

#include <thread>

#include <gtest/gtest.h>

#include "lockstep/harness/child_process.hpp"
#include "test_support.hpp"

namespace lockstep::harness {
namespace {

using namespace std::chrono_literals;

int cpus_of_this_thread() {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(pthread_getaffinity_np(pthread_self(), sizeof set, &set), 0);
  return CPU_COUNT(&set);
}

TEST(OneCpu, NarrowsTheThreadAndItsChildrenThenGivesTheCpusBack) {
  const int before = cpus_of_this_thread();
  if (before < 2) GTEST_SKIP() << "one CPU only: nothing to narrow";
  {
    const detail::OneCpu one;
    ASSERT_GE(one.cpu(), 0);
    EXPECT_EQ(cpus_of_this_thread(), 1);
    // A child started now runs on that CPU alone.
    auto child = ChildProcess::spawn({"/bin/sh", "-c", "grep '^Cpus_allowed_list:' /proc/self/status"});
    ASSERT_TRUE(child) << child.error().message;
    const auto line = (*child)->read_line(std::chrono::steady_clock::now() + 5s);
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(*line, "Cpus_allowed_list:\t" + std::to_string(one.cpu())) << *line;
    (*child)->stop(2s);
  }
  EXPECT_EQ(cpus_of_this_thread(), before);
}

TEST(OneCpu, TwoWorkerThreadsTakeDifferentCpus) {
  if (cpus_of_this_thread() < 2) GTEST_SKIP() << "one CPU only";
  int first = -1, second = -1;
  std::thread([&] { first = detail::OneCpu().cpu(); }).join();
  std::thread([&] { second = detail::OneCpu().cpu(); }).join();
  EXPECT_GE(first, 0);
  EXPECT_GE(second, 0);
  EXPECT_NE(first, second);
}

}  // namespace
}  // namespace lockstep::harness
