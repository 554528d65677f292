#include "lockstep/harness/child_process.hpp"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

extern char** environ;

namespace lockstep::harness {

namespace {
using Clock = std::chrono::steady_clock;
}

namespace detail {
namespace {

int millis_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  // Round up so a poll never returns early just because of truncation.
  return left.count() > 1'000'000 ? 1'000'000 : static_cast<int>(left.count()) + 1;
}

std::string errno_text(int err) { return std::strerror(err); }

void close_fd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

// Writing to the pipe of a child that died must give EPIPE, not kill the harness.
// Ignoring SIGPIPE is process-wide; the child gets the default back (SETSIGDEF).
void ignore_sigpipe_once() {
  static std::once_flag once;
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

// A descriptor that becomes readable when the process exits (Linux 5.3+), so
// waiting for an exit is one poll() rather than a sleep loop; -1 where the
// kernel has none, and the sleep loop stays as the fallback.
int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

// Every other process that holds the write end of the pipe `inode` open. Only
// the child got that end (it is close-on-exec here, and closed right after the
// spawn), so each holder is one of its descendants, however it left the group
// (setsid). Reads /proc; processes of other users are unreadable and skipped.
std::vector<pid_t> pipe_writers(ino_t inode) {
  namespace fs = std::filesystem;
  std::vector<pid_t> holders;
  const std::string wanted = fmt::format("pipe:[{}]", inode);
  const pid_t self = ::getpid();
  std::error_code ec;
  for (fs::directory_iterator proc("/proc", ec), end; !ec && proc != end; proc.increment(ec)) {
    const std::string name = proc->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == self) continue;
    std::error_code fd_ec;
    for (fs::directory_iterator fds(proc->path() / "fd", fd_ec), fd_end; !fd_ec && fds != fd_end;
         fds.increment(fd_ec)) {
      std::error_code link_ec;
      if (fs::read_symlink(fds->path(), link_ec).string() != wanted || link_ec) continue;
      std::ifstream info(proc->path() / "fdinfo" / fds->path().filename());
      std::string key;
      unsigned flags = 0;
      while (info >> key)
        if (key == "flags:") {
          info >> std::oct >> flags;
          break;
        }
      if ((flags & O_ACCMODE) != O_RDONLY) {
        holders.push_back(pid);
        break;
      }
    }
  }
  return holders;
}

ino_t inode_of(int fd) {
  struct stat st{};
  return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

ExitStatus status_from(const siginfo_t& info) {
  ExitStatus s;
  if (info.si_code == CLD_EXITED) {
    s.exited = true;
    s.code = info.si_status;
  } else {
    s.signaled = true;
    s.signal = info.si_status;
  }
  return s;
}

}  // namespace
}  // namespace detail

std::string ExitStatus::describe() const {
  if (exited) return fmt::format("exited with status {}", code);
  if (signaled) {
    const char* name = ::strsignal(signal);
    return fmt::format("killed by signal {} ({})", signal, name ? name : "unknown");
  }
  return "still running";
}

Result<std::vector<std::string>> split_command_line(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '\'') {
      const auto close = line.find('\'', i + 1);
      if (close == std::string_view::npos)
        return fail(ErrorCode::invalid_argument,
                    fmt::format("command line: unterminated single quote at column {}", i + 1));
      word.append(line.substr(i + 1, close - i - 1));
      in_word = true;
      i = close;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (;; ++j) {
        if (j >= line.size())
          return fail(ErrorCode::invalid_argument,
                      fmt::format("command line: unterminated double quote at column {}", i + 1));
        if (line[j] == '"') break;
        if (line[j] == '\\' && j + 1 < line.size() &&
            (line[j + 1] == '"' || line[j + 1] == '\\' || line[j + 1] == '$' || line[j + 1] == '`')) {
          word.push_back(line[++j]);
        } else {
          word.push_back(line[j]);
        }
      }
      in_word = true;
      i = j;
    } else if (c == '\\') {
      if (i + 1 >= line.size())
        return fail(ErrorCode::invalid_argument, "command line: trailing backslash");
      word.push_back(line[++i]);
      in_word = true;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) return fail(ErrorCode::invalid_argument, "command line is empty");
  return words;
}

struct ChildProcess::State {
  pid_t pid = -1;
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int pid_fd = -1;   // readable once the child exits (-1: not supported)
  int wake_fd = -1;  // eventfd: wakes the stderr drain when it must stop
  ChildOptions options;
  std::string stdout_buffer;
  std::optional<ExitStatus> exit;  // known once the child has exited
  bool reaped = false;

  mutable std::mutex stderr_mutex;
  std::string stderr_ring;  // the newest stderr_tail_bytes bytes
  std::size_t stderr_dropped = 0;
  std::atomic<bool> stop_drain{false};
  std::thread drain;

  void append_stderr(const char* data, std::size_t n) {
    std::lock_guard lock(stderr_mutex);
    stderr_ring.append(data, n);
    const std::size_t cap = options.stderr_tail_bytes;
    if (stderr_ring.size() > cap) {
      const std::size_t excess = stderr_ring.size() - cap;
      stderr_ring.erase(0, excess);
      stderr_dropped += excess;
    }
  }

  // Runs on its own thread until the child's stderr closes or stop_drain is set,
  // so the child never blocks writing its log. It sleeps in poll() until there
  // is output or a wake-up, and looks at stop_drain before every read: a
  // descendant that keeps writing (even one that left the group with setsid)
  // cannot keep it reading once stop() asks it to end.
  void drain_stderr() {
    char chunk[8192];
    for (;;) {
      if (stop_drain.load()) {
        // Keep what is already in the pipe (the ring keeps its newest bytes),
        // bounded so a writer that never stops cannot keep us reading.
        constexpr std::size_t kFinalDrainBytes = 4 * 1024 * 1024;  // far above a pipe's capacity
        std::size_t kept = 0;
        ssize_t n;
        while (kept < kFinalDrainBytes && (n = ::read(stderr_fd, chunk, sizeof chunk)) > 0) {
          append_stderr(chunk, static_cast<std::size_t>(n));
          kept += static_cast<std::size_t>(n);
        }
        return;
      }
      pollfd p[2] = {{stderr_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
      const int ready = ::poll(p, wake_fd >= 0 ? 2 : 1, wake_fd >= 0 ? -1 : 50);
      if (ready < 0 && errno != EINTR) return;
      if (ready > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !stop_drain.load()) {
        const ssize_t n = ::read(stderr_fd, chunk, sizeof chunk);
        if (n > 0) {
          append_stderr(chunk, static_cast<std::size_t>(n));
          continue;
        }
        if (n == 0) return;  // every writer closed it
        if (errno != EINTR && errno != EAGAIN) return;
      }
    }
  }

  void end_drain() {
    if (!drain.joinable()) return;
    stop_drain = true;
    if (wake_fd >= 0) {
      const std::uint64_t one = 1;
      [[maybe_unused]] const auto n = ::write(wake_fd, &one, sizeof one);
    }
    drain.join();
  }

  // Checks for exit without reaping (WNOWAIT): the pid and its process group id
  // stay ours until stop() has cleaned up the group and reaped.
  std::optional<ExitStatus> check_exit(bool block) {
    if (exit) return exit;
    siginfo_t info{};
    const int flags = WEXITED | WNOWAIT | (block ? 0 : WNOHANG);
    for (;;) {
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, flags) == 0) break;
      if (errno != EINTR) return std::nullopt;
    }
    if (info.si_pid == 0) return std::nullopt;  // still running
    exit = detail::status_from(info);
    return exit;
  }

  std::optional<ExitStatus> wait_until(Clock::time_point deadline) {
    for (;;) {
      if (auto s = check_exit(false)) return s;
      if (Clock::now() >= deadline) return std::nullopt;
      if (pid_fd >= 0) {
        pollfd p{pid_fd, POLLIN, 0};
        ::poll(&p, 1, detail::millis_until(deadline));
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }

  void kill_group(int sig) const {
    if (!reaped) ::kill(-pid, sig);
  }
};

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(const std::vector<std::string>& argv,
                                                         ChildOptions options) {
  if (argv.empty()) return fail(ErrorCode::invalid_argument, "no command to run");
  detail::ignore_sigpipe_once();

  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  auto close_all = [&] {
    for (int* p : {in, out, err}) {
      detail::close_fd(p[0]);
      detail::close_fd(p[1]);
    }
  };
  // O_CLOEXEC: a child started in parallel by another job must not inherit these.
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    const int e = errno;
    close_all();
    return fail(ErrorCode::io_error, "cannot create pipes: " + detail::errno_text(e));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  if (options.working_directory)
    posix_spawn_file_actions_addchdir_np(&actions, options.working_directory->c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&defaults, sig);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: we stop it and its children together
  posix_spawnattr_setflags(&attr, static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                                     POSIX_SPAWN_SETSIGMASK));

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    close_all();
    return fail(ErrorCode::io_error,
                fmt::format("cannot start '{}': {}", argv[0], detail::errno_text(rc)));
  }

  detail::close_fd(in[0]);
  detail::close_fd(out[1]);
  detail::close_fd(err[1]);
  ::fcntl(in[1], F_SETFL, ::fcntl(in[1], F_GETFL) | O_NONBLOCK);
  ::fcntl(out[0], F_SETFL, ::fcntl(out[0], F_GETFL) | O_NONBLOCK);
  ::fcntl(err[0], F_SETFL, ::fcntl(err[0], F_GETFL) | O_NONBLOCK);

  auto state = std::make_unique<State>();
  state->pid = pid;
  state->stdin_fd = in[1];
  state->stdout_fd = out[0];
  state->stderr_fd = err[0];
  state->pid_fd = detail::open_pidfd(pid);
  if (state->pid_fd >= 0) ::fcntl(state->pid_fd, F_SETFD, FD_CLOEXEC);
  state->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  state->options = std::move(options);
  State* raw = state.get();
  state->drain = std::thread([raw] { raw->drain_stderr(); });
  return std::unique_ptr<ChildProcess>(new ChildProcess(std::move(state)));
}

ChildProcess::ChildProcess(std::unique_ptr<State> state) : state_(std::move(state)) {}

ChildProcess::~ChildProcess() {
  if (state_) stop(std::chrono::milliseconds(0));
}

pid_t ChildProcess::pid() const noexcept { return state_->pid; }

Result<void> ChildProcess::write_all(std::string_view data, Clock::time_point deadline) {
  auto& s = *state_;
  if (s.stdin_fd < 0) return fail(ErrorCode::io_error, "the child's stdin is closed");
  while (!data.empty()) {
    const ssize_t n = ::write(s.stdin_fd, data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE)
      return fail(ErrorCode::io_error, "the child closed its stdin (it has probably exited)");
    if (n < 0 && errno != EAGAIN)
      return fail(ErrorCode::io_error, "writing to the child's stdin: " + detail::errno_text(errno));
    pollfd p{s.stdin_fd, POLLOUT, 0};
    const int ready = ::poll(&p, 1, detail::millis_until(deadline));
    if (ready == 0 && Clock::now() >= deadline)
      return fail(ErrorCode::io_error, "the child does not read its stdin (timed out writing)");
  }
  return {};
}

std::expected<std::string, ReadError> ChildProcess::read_line(Clock::time_point deadline) {
  auto& s = *state_;
  const std::size_t limit = s.options.max_line_bytes;
  std::size_t scanned = 0;  // bytes of the buffer already known to hold no '\n'
  char chunk[65536];
  for (;;) {
    const auto newline = s.stdout_buffer.find('\n', scanned);
    if (newline != std::string::npos) {
      if (newline > limit)
        return std::unexpected(ReadError{ReadFailure::too_long,
                                         fmt::format("reply line longer than {} bytes", limit)});
      std::string line = s.stdout_buffer.substr(0, newline);
      s.stdout_buffer.erase(0, newline + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    scanned = s.stdout_buffer.size();
    if (s.stdout_buffer.size() > limit) {
      s.stdout_buffer.clear();
      return std::unexpected(ReadError{ReadFailure::too_long,
                                       fmt::format("reply line longer than {} bytes", limit)});
    }
    if (s.stdout_fd < 0) return std::unexpected(ReadError{ReadFailure::eof, "the child's stdout is closed"});
    // Wait first, then read: a reply costs one poll() and one read(), not a
    // read() that finds nothing yet, a poll() and another read().
    pollfd p{s.stdout_fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, detail::millis_until(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      if (Clock::now() < deadline) continue;  // woke early (rounding): wait out the rest
      return std::unexpected(ReadError{ReadFailure::timeout, "no complete line before the timeout"});
    }
    const ssize_t n = ::read(s.stdout_fd, chunk, sizeof chunk);
    if (n > 0) {
      s.stdout_buffer.append(chunk, static_cast<std::size_t>(n));
      // A writer that never pauses must not keep us here past the deadline.
      if (s.stdout_buffer.find('\n', scanned) == std::string::npos && Clock::now() >= deadline)
        return std::unexpected(ReadError{ReadFailure::timeout, "no complete line before the timeout"});
      continue;
    }
    if (n == 0) {
      detail::close_fd(s.stdout_fd);
      return std::unexpected(ReadError{
          ReadFailure::eof, s.stdout_buffer.empty()
                                ? std::string("the child closed its stdout")
                                : fmt::format("the child closed its stdout after {} bytes without a newline",
                                              s.stdout_buffer.size())});
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN)
      return std::unexpected(ReadError{ReadFailure::io, "reading the child's stdout: " + detail::errno_text(errno)});
    if (Clock::now() >= deadline)
      return std::unexpected(ReadError{ReadFailure::timeout, "no complete line before the timeout"});
  }
}

std::optional<ExitStatus> ChildProcess::poll_exit() { return state_->check_exit(false); }

std::optional<ExitStatus> ChildProcess::wait_exit(Clock::time_point deadline) {
  return state_->wait_until(deadline);
}

ExitStatus ChildProcess::stop(std::chrono::milliseconds grace) {
  auto& s = *state_;
  if (!s.reaped) {
    detail::close_fd(s.stdin_fd);  // a well-behaved child exits on EOF
    if (!s.wait_until(Clock::now() + grace)) {
      s.kill_group(SIGTERM);
      if (!s.wait_until(Clock::now() + grace)) {
        s.kill_group(SIGKILL);
        ::kill(s.pid, SIGKILL);
      }
    }
    s.check_exit(true);
    // Whatever it started in its group goes too, while the group id is still ours.
    s.kill_group(SIGKILL);
    while (::waitpid(s.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    s.reaped = true;
    // A descendant that left the group (setsid) and still holds a pipe would
    // outlive the run: find it by the pipe it holds and end it too.
    for (int fd : {s.stdout_fd, s.stderr_fd}) {
      if (fd < 0) continue;
      pollfd p{fd, 0, 0};  // POLLHUP once no writer is left
      if (::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) != 0) continue;
      for (pid_t holder : detail::pipe_writers(detail::inode_of(fd))) ::kill(holder, SIGKILL);
    }
  }
  s.end_drain();
  detail::close_fd(s.stdin_fd);
  detail::close_fd(s.stdout_fd);
  detail::close_fd(s.stderr_fd);
  detail::close_fd(s.pid_fd);
  detail::close_fd(s.wake_fd);
  return s.exit.value_or(ExitStatus{});
}

std::string ChildProcess::stderr_tail() const {
  std::lock_guard lock(state_->stderr_mutex);
  if (state_->stderr_dropped == 0) return state_->stderr_ring;
  return fmt::format("[... {} earlier bytes dropped ...]\n{}", state_->stderr_dropped, state_->stderr_ring);
}

}  // namespace lockstep::harness
