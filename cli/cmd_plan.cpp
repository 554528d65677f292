// `lockstep plan`: JSON Lines in, one JSON line out per line, streaming.
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>

#include "command.hpp"
#include "lockstep/harness/plan_line.hpp"

// A namespace of its own (not anonymous): the subcommands' files are compiled
// together in unity builds, and each has its Args, run() and registration.
namespace lockstep_cmd_plan {

bool write_all(int fd, std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  data.clear();
  return true;
}

// Reads whatever stdin has (a pipe gives what is waiting, up to the buffer), and
// answers all of it before the next read: a conversation over a pipe gets each
// answer at once, bulk input is answered a buffer at a time.
int run_plan() {
  lockstep::harness::PlanStream stream;
  std::string out;
  std::array<char, 1 << 16> buffer;
  while (true) {
    const ssize_t n = ::read(0, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    stream.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)), out);
    if (!write_all(1, out)) return 1;
  }
  stream.finish(out);
  if (!write_all(1, out)) return 1;
  return stream.any_bad() ? 1 : 0;
}

const bool registered = lockstep::cli::register_subcommand(
    "plan",
    "Read bookings as JSON Lines on stdin; write each one's schedule (window, generation, "
    "retry deadline, algoPIN) as a JSON line on stdout. See docs/plan.md.",
    [](CLI::App&) -> lockstep::cli::Run { return run_plan; });

}  // namespace lockstep_cmd_plan
