// A child process the harness talks to over pipes, and that can never hang it.
//
// The implementation under test runs as a child with its stdin and stdout on
// pipes (one JSON line each way per request) and its stderr drained continuously
// by a background thread into a bounded ring buffer, so the child never blocks on
// a full stderr pipe and the report can quote the end of its log. Reading a reply
// waits with poll() against a deadline; a line longer than the limit is refused
// rather than buffered. The child runs in its own process group, so stopping it
// also stops anything it started; a descendant that left the group (setsid) and
// still holds one of the child's pipes is found by that pipe (/proc) and killed
// too, and however much anything still writes, stop() ends the stderr drain at
// once: no read loop here waits for an EOF, each is bounded by a deadline or by
// stop(). The child is always reaped (waitpid) before the ChildProcess is gone,
// and every pipe is opened close-on-exec so no descriptor leaks into another
// child started in parallel.
//
// Per request the cost is one write() and, for the reply, one poll() and one
// read(); waiting for an exit is a poll() on a pidfd, not a sleep loop.
//
// The command line is split like a POSIX shell would split it (quotes,
// backslashes) but no shell runs: `python3 'my adapter.py' --fast` is three words.
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "lockstep/error.hpp"

namespace lockstep::harness {

// Splits a command line into words: blanks separate words; '...' keeps everything
// literally; "..." keeps everything but lets \" \\ \$ \` escape; a backslash
// outside quotes escapes the next character. invalid_argument for an unterminated
// quote, a trailing backslash, or no words at all.
Result<std::vector<std::string>> split_command_line(std::string_view line);

// How the child ended.
struct ExitStatus {
  bool exited = false;  // normal exit (code valid)
  int code = 0;
  bool signaled = false;  // killed by a signal (signal valid)
  int signal = 0;
  std::string describe() const;  // "exited with status 3", "killed by signal 9 (Killed)"
};

struct ChildOptions {
  std::size_t stderr_tail_bytes = 64 * 1024;  // ring buffer size
  std::size_t max_line_bytes = 1024 * 1024;   // longest reply line accepted
  std::optional<std::string> working_directory;
};

// Why reading a line failed.
enum class ReadFailure { timeout, eof, too_long, io };

struct ReadError {
  ReadFailure kind = ReadFailure::io;
  std::string message;
};

class ChildProcess {
 public:
  // Starts argv[0] (looked up on PATH when it has no '/'). io_error when the
  // program cannot be started (not found, not executable).
  static Result<std::unique_ptr<ChildProcess>> spawn(const std::vector<std::string>& argv,
                                                     ChildOptions options = {});
  ~ChildProcess();  // stops the child if still running (stop(grace 0)) and reaps it
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const noexcept;

  // Writes all of `data` to the child's stdin, waiting at most until deadline.
  // io_error when the child closed its stdin (exited) or the deadline passed.
  Result<void> write_all(std::string_view data, std::chrono::steady_clock::time_point deadline);

  // Reads one line from the child's stdout (without the '\n'), waiting at most
  // until deadline.
  std::expected<std::string, ReadError> read_line(std::chrono::steady_clock::time_point deadline);

  // Non-blocking: has the child exited? It is not reaped yet (stop() does that,
  // after cleaning up its process group), so its pid cannot be reused meanwhile.
  std::optional<ExitStatus> poll_exit();
  // Waits until the child exits or the deadline passes (not reaped either).
  std::optional<ExitStatus> wait_exit(std::chrono::steady_clock::time_point deadline);

  // Stops the child for good: closes its stdin, waits up to `grace` for it to
  // exit by itself, then SIGTERMs its process group, waits up to `grace` again,
  // then SIGKILLs the group and reaps; then SIGKILLs any other process still
  // holding the child's stdout or stderr (a descendant that called setsid), and
  // stops draining stderr whatever is still written. Returns within about
  // 2 × grace. Idempotent; returns how it ended.
  ExitStatus stop(std::chrono::milliseconds grace);

  // The last bytes the child wrote on stderr (at most stderr_tail_bytes), with a
  // note in front when older output was dropped.
  std::string stderr_tail() const;

 private:
  struct State;
  explicit ChildProcess(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace lockstep::harness
