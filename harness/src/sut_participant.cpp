#include "lockstep/harness/sut_participant.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace lockstep::harness {

using nlohmann::json;

namespace detail {
namespace {

std::string shorten(std::string_view text, std::size_t max = 200) {
  if (text.size() <= max) return std::string(text);
  return fmt::format("{}... ({} bytes)", text.substr(0, max), text.size());
}

const std::set<std::string>& known_statuses() {
  static const std::set<std::string> s{"scheduled", "retrying", "active", "failed", "revoked", "none"};
  return s;
}

// Reply fields: absent or null optional fields are fine; a field of the wrong
// type is the implementation's bug and a protocol failure.
struct FieldError {
  std::string message;
};

std::expected<std::optional<std::string>, FieldError> optional_string(const json& reply, const char* field) {
  auto it = reply.find(field);
  if (it == reply.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return std::unexpected(FieldError{fmt::format("field '{}' must be a string or null", field)});
  return std::optional<std::string>{it->get<std::string>()};
}

std::expected<std::optional<Instant>, FieldError> optional_instant(const json& reply, const char* field) {
  auto text = optional_string(reply, field);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<Instant>{};
  auto t = parse_instant(**text);
  if (!t)
    return std::unexpected(FieldError{fmt::format("field '{}' is not an RFC 3339 instant: '{}'", field, **text)});
  return std::optional<Instant>{*t};
}

}  // namespace
}  // namespace detail

Result<std::unique_ptr<SutParticipant>> SutParticipant::start(const SutOptions& options) {
  auto argv = split_command_line(options.command);
  if (!argv) return std::unexpected(argv.error());
  auto child = ChildProcess::spawn(*argv, options.child);
  if (!child) return std::unexpected(child.error());
  return std::unique_ptr<SutParticipant>(new SutParticipant(options, std::move(*child)));
}

std::unique_ptr<SutParticipant> SutParticipant::in_process(LineHandler handler, SutOptions options) {
  return std::unique_ptr<SutParticipant>(new SutParticipant(std::move(options), nullptr, std::move(handler)));
}

SutParticipant::SutParticipant(SutOptions options, std::unique_ptr<ChildProcess> child, LineHandler handler)
    : options_(std::move(options)), child_(std::move(child)), handler_(std::move(handler)) {}

SutParticipant::~SutParticipant() { finish(); }

pid_t SutParticipant::pid() const noexcept { return child_ ? child_->pid() : -1; }

std::string SutParticipant::stderr_tail() const { return child_ ? child_->stderr_tail() : std::string(); }

ExitStatus SutParticipant::finish() {
  if (!child_) return ExitStatus{true, 0, false, 0};
  return child_->stop(shut_down_ ? options_.shutdown_grace : std::chrono::milliseconds(200));
}

void SutParticipant::remember(std::string line) {
  if (options_.transcript_lines == 0) return;
  if (transcript_.size() >= options_.transcript_lines) transcript_.erase(transcript_.begin());
  transcript_.push_back(detail::shorten(line, 500));
}

ReplyError SutParticipant::fail_protocol(std::string message, const std::string& request_line) {
  if (!failure_) {
    ProtocolFailure f;
    f.message = std::move(message);
    f.request = request_line.find("client_secret") == std::string::npos ? request_line : "(connect request, redacted)";
    if (child_) {
      // Give a child that is dying a moment to finish writing its last words.
      f.exit = child_->wait_exit(std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
      f.exit = child_->stop(std::chrono::milliseconds(0));
      f.stderr_tail = child_->stderr_tail();
    }
    failure_ = std::move(f);
  }
  return ReplyError{"protocol_error", failure_->message};
}

std::expected<json, ReplyError> SutParticipant::exchange(json request) {
  const std::string type = request.at("type").get<std::string>();
  if (failure_) return std::unexpected(ReplyError{"protocol_error", failure_->message});
  const long long id = next_id_++;
  request["id"] = id;
  const std::string line = request.dump(-1, ' ', false, json::error_handler_t::replace);
  // Reports quote the transcript; secrets never appear in a report.
  std::string shown = line;
  if (request.contains("client_secret")) {
    json redacted = request;
    redacted["client_secret"] = "***";
    shown = redacted.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  remember("> " + shown);
  const auto what = fmt::format("request {} ({})", id, type);
  const auto deadline = std::chrono::steady_clock::now() + options_.request_timeout;

  std::expected<std::string, ReadError> reply_line;
  if (!child_) {
    reply_line = handler_(line);
  } else {
  if (auto written = child_->write_all(line + "\n", deadline); !written) {
    std::string why = written.error().message;
    if (auto exit = child_->wait_exit(std::chrono::steady_clock::now() + std::chrono::milliseconds(100)))
      why = fmt::format("the implementation {} before {} could be sent", exit->describe(), what);
    else
      why = fmt::format("{}: could not send it: {}", what, why);
    return std::unexpected(fail_protocol(why, line));
  }

  // In slices, so that an interrupted run (SIGINT/SIGTERM) need not wait out the timeout.
  for (;;) {
    const auto slice = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
    reply_line = child_->read_line(slice);
    if (reply_line || reply_line.error().kind != ReadFailure::timeout || slice >= deadline) break;
    if (options_.cancelled && options_.cancelled())
      return std::unexpected(fail_protocol("interrupted", line));
  }
  }
  if (!reply_line) {
    const auto& e = reply_line.error();
    switch (e.kind) {
      case ReadFailure::timeout:
        return std::unexpected(fail_protocol(
            fmt::format("{}: no reply within {} ms", what, options_.request_timeout.count()), line));
      case ReadFailure::too_long:
        return std::unexpected(fail_protocol(fmt::format("{}: {}", what, e.message), line));
      case ReadFailure::eof: {
        auto exit = child_->wait_exit(std::chrono::steady_clock::now() + std::chrono::milliseconds(500));
        return std::unexpected(fail_protocol(
            exit ? fmt::format("the implementation {} before replying to {}", exit->describe(), what)
                 : fmt::format("{}: {} (the process is still running)", what, e.message),
            line));
      }
      case ReadFailure::io:
        return std::unexpected(fail_protocol(fmt::format("{}: {}", what, e.message), line));
    }
  }
  remember("< " + *reply_line);

  json reply;
  try {
    reply = json::parse(*reply_line);
  } catch (const json::exception& e) {
    return std::unexpected(fail_protocol(
        fmt::format("{}: the reply is not JSON ({}): {}", what, e.what(), detail::shorten(*reply_line)), line));
  }
  if (!reply.is_object())
    return std::unexpected(fail_protocol(
        fmt::format("{}: the reply is not a JSON object: {}", what, detail::shorten(*reply_line)), line));
  auto id_it = reply.find("id");
  if (id_it == reply.end() || !id_it->is_number_integer())
    return std::unexpected(fail_protocol(
        fmt::format("{}: the reply has no integer 'id': {}", what, detail::shorten(*reply_line)), line));
  if (id_it->get<long long>() != id)
    return std::unexpected(
        fail_protocol(fmt::format("{}: the reply has id {}, expected {}", what, id_it->get<long long>(), id), line));
  auto ok_it = reply.find("ok");
  if (ok_it == reply.end() || !ok_it->is_boolean())
    return std::unexpected(fail_protocol(
        fmt::format("{}: the reply has no boolean 'ok': {}", what, detail::shorten(*reply_line)), line));
  if (ok_it->get<bool>()) return reply;

  auto err_it = reply.find("error");
  if (err_it == reply.end() || !err_it->is_object() || !err_it->contains("code") ||
      !(*err_it)["code"].is_string() || (*err_it)["code"].get_ref<const std::string&>().empty())
    return std::unexpected(fail_protocol(
        fmt::format("{}: an ok:false reply needs error.code (a non-empty string): {}", what,
                    detail::shorten(*reply_line)),
        line));
  ReplyError error{(*err_it)["code"].get<std::string>(), ""};
  if (auto m = err_it->find("message"); m != err_it->end() && m->is_string()) error.message = m->get<std::string>();
  if (error.code == "unsupported") unsupported_.insert(type);
  return std::unexpected(error);
}

Reply<InitReply> SutParticipant::init(const InitRequest& request) {
  auto reply = exchange({{"type", "init"},
                         {"protocol", "lockstep-sut/1"},
                         {"now", format_instant(request.now)},
                         {"igloohome", {{"auth_url", request.auth_url}, {"api_url", request.api_url}}}});
  if (!reply) return std::unexpected(reply.error());
  InitReply out;
  auto name = detail::optional_string(*reply, "name");
  auto version = detail::optional_string(*reply, "version");
  if (!name || !version)
    return std::unexpected(fail_protocol("reply to init: " + (!name ? name.error() : version.error()).message, ""));
  out.name = name->value_or("");
  out.version = version->value_or("");
  return out;
}

Reply<std::string> SutParticipant::connect(const std::string& client_id, const std::string& client_secret) {
  auto reply = exchange({{"type", "connect"}, {"client_id", client_id}, {"client_secret", client_secret}});
  if (!reply) return std::unexpected(reply.error());
  auto name = detail::optional_string(*reply, "account_name");
  if (!name) return std::unexpected(fail_protocol("reply to connect: " + name.error().message, ""));
  return name->value_or("");
}

namespace {
Reply<Done> done(std::expected<json, ReplyError> reply) {
  if (!reply) return std::unexpected(reply.error());
  return Done{};
}
}  // namespace

Reply<Done> SutParticipant::disconnect() { return done(exchange({{"type", "disconnect"}})); }

Reply<Done> SutParticipant::put_property(const std::string& property_id, const std::string& timezone) {
  return done(exchange({{"type", "put_property"}, {"property_id", property_id}, {"timezone", timezone}}));
}

Reply<Done> SutParticipant::assign_lock(const std::string& property_id, const std::string& brand,
                                        const std::string& lock_id) {
  return done(exchange(
      {{"type", "assign_lock"}, {"property_id", property_id}, {"brand", brand}, {"lock_id", lock_id}}));
}

Reply<Done> SutParticipant::remove_lock(const std::string& property_id) {
  return done(exchange({{"type", "remove_lock"}, {"property_id", property_id}}));
}

Reply<Done> SutParticipant::configure_lock(const std::string& lock_id, const LockConfig& config) {
  json request{{"type", "configure_lock"}, {"lock_id", lock_id}};
  if (config.days_before) request["days_before"] = *config.days_before;
  if (config.margin_minutes) request["margin_minutes"] = *config.margin_minutes;
  if (config.code_source) request["code_source"] = *config.code_source;
  return done(exchange(std::move(request)));
}

Reply<Done> SutParticipant::put_booking(const BookingRequest& booking) {
  json request{{"type", "put_booking"},
               {"booking_id", booking.booking_id},
               {"property_id", booking.property_id},
               {"checkin", booking.checkin},
               {"checkout", booking.checkout}};
  if (booking.guest_phone) request["guest_phone"] = *booking.guest_phone;
  return done(exchange(std::move(request)));
}

Reply<Done> SutParticipant::cancel_booking(const std::string& booking_id) {
  return done(exchange({{"type", "cancel_booking"}, {"booking_id", booking_id}}));
}

Reply<std::optional<Instant>> SutParticipant::tick(Instant now) {
  auto reply = exchange({{"type", "tick"}, {"now", format_instant(now)}});
  if (!reply) return std::unexpected(reply.error());
  auto wakeup = detail::optional_instant(*reply, "next_wakeup");
  if (!wakeup) return std::unexpected(fail_protocol("reply to tick: " + wakeup.error().message, ""));
  return *wakeup;
}

Reply<CodeReply> SutParticipant::get_code(const std::string& booking_id) {
  auto reply = exchange({{"type", "get_code"}, {"booking_id", booking_id}});
  if (!reply) return std::unexpected(reply.error());
  auto bad = [&](const std::string& why) { return std::unexpected(fail_protocol("reply to get_code: " + why, "")); };
  CodeReply out;
  auto status = detail::optional_string(*reply, "status");
  if (!status) return bad(status.error().message);
  if (!*status) return bad("field 'status' is missing");
  if (!detail::known_statuses().contains(**status))
    return bad(fmt::format("field 'status' is '{}', not one of scheduled, retrying, active, failed, revoked, none",
                           **status));
  out.status = **status;
  auto code = detail::optional_string(*reply, "code");
  if (!code) return bad(code.error().message);
  out.code = *code;
  auto kind = detail::optional_string(*reply, "kind");
  if (!kind) return bad(kind.error().message);
  if (*kind && **kind != "pin" && **kind != "algopin")
    return bad(fmt::format("field 'kind' is '{}', not pin, algopin or null", **kind));
  out.kind = *kind;
  auto from = detail::optional_instant(*reply, "valid_from");
  if (!from) return bad(from.error().message);
  out.valid_from = *from;
  auto until = detail::optional_instant(*reply, "valid_until");
  if (!until) return bad(until.error().message);
  out.valid_until = *until;
  return out;
}

Reply<std::string> SutParticipant::render(const std::string& booking_id, const std::string& tmpl) {
  auto reply = exchange({{"type", "render"}, {"booking_id", booking_id}, {"template", tmpl}});
  if (!reply) return std::unexpected(reply.error());
  auto text = detail::optional_string(*reply, "text");
  if (!text) return std::unexpected(fail_protocol("reply to render: " + text.error().message, ""));
  if (!*text) return std::unexpected(fail_protocol("reply to render: field 'text' is missing", ""));
  return **text;
}

Reply<Done> SutParticipant::shutdown() {
  if (shut_down_) return Done{};
  auto reply = exchange({{"type", "shutdown"}});
  shut_down_ = true;
  if (failure_) return std::unexpected(ReplyError{"protocol_error", failure_->message});
  // The protocol says the child exits after replying; give it the grace period.
  if (child_) child_->wait_exit(std::chrono::steady_clock::now() + options_.shutdown_grace);
  finish();
  if (!reply) return std::unexpected(reply.error());
  return Done{};
}

}  // namespace lockstep::harness
