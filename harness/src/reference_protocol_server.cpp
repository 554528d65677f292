#include "lockstep/harness/reference_protocol_server.hpp"

#include <istream>
#include <map>
#include <set>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lockstep/clock.hpp"
#include "lockstep/engine.hpp"
#include "lockstep/igloohome/client.hpp"
#include "lockstep/random.hpp"
#include "lockstep/time.hpp"

namespace lockstep::harness {

using nlohmann::json;

namespace detail {
namespace {

// A request that cannot be carried out; becomes an `ok: false` reply.
struct Refusal {
  std::string code;
  std::string message;
};

Refusal refusal_from(const Error& e) { return {std::string(to_string(e.code)), e.message}; }

using Answer = std::expected<json, Refusal>;

std::expected<std::string, Refusal> string_field(const json& request, const char* field,
                                                 std::string_view code_if_bad = "invalid_argument") {
  auto it = request.find(field);
  if (it == request.end() || !it->is_string())
    return std::unexpected(
        Refusal{std::string(code_if_bad), fmt::format("field '{}' is missing or not a string", field)});
  return it->get<std::string>();
}

json instant_or_null(const std::optional<Instant>& t) { return t ? json(format_instant(*t)) : json(nullptr); }

}  // namespace
}  // namespace detail

struct ReferenceProtocolServer::State {
  ReferenceProtocolServerOptions options;
  SimulatedClock clock;
  SeededRandom rng;
  std::unique_ptr<igloohome::HttpClient> http;
  std::unique_ptr<Engine> engine;
  bool finished = false;

  explicit State(ReferenceProtocolServerOptions o) : options(std::move(o)), rng(options.seed) {}

  void log(std::string_view line) {
    if (options.log) *options.log << "lockstep-sut: " << line << '\n' << std::flush;
  }

  detail::Answer init(const json& r) {
    auto protocol = detail::string_field(r, "protocol");
    if (!protocol) return std::unexpected(protocol.error());
    if (*protocol != "lockstep-sut/1")
      return std::unexpected(detail::Refusal{"unsupported", fmt::format("protocol '{}' (this adapter speaks lockstep-sut/1)", *protocol)});
    auto now_text = detail::string_field(r, "now");
    if (!now_text) return std::unexpected(now_text.error());
    auto now = parse_instant(*now_text);
    if (!now) return std::unexpected(detail::refusal_from(now.error()));
    auto urls = r.find("igloohome");
    if (urls == r.end() || !urls->is_object())
      return std::unexpected(detail::Refusal{"invalid_argument", "field 'igloohome' is missing or not an object"});
    auto auth_url = detail::string_field(*urls, "auth_url");
    if (!auth_url) return std::unexpected(auth_url.error());
    auto api_url = detail::string_field(*urls, "api_url");
    if (!api_url) return std::unexpected(api_url.error());

    clock.set(*now);
    engine.reset();  // the engine holds the client: drop it first
    auto opened = igloohome::HttpClient::open(*auth_url, *api_url, clock, {},
                                              std::chrono::milliseconds(options.http_timeout_ms));
    if (!opened) return std::unexpected(detail::refusal_from(opened.error()));
    http = std::move(*opened);
    engine = std::make_unique<Engine>(clock, rng, http->client(), options.profile);
    // The engine's decisions as it makes them, on stderr: an adapter's log is
    // what a conformance report quotes when something goes wrong.
    if (options.log)
      engine->on_audit([this](const std::string& id, const AuditEvent& e) {
        log(fmt::format("{} {} {} [{}] {}", format_instant(e.at), id, to_string(e.kind), e.rule, e.message));
      });
    log(fmt::format("init at {}; igloohome token at {}, API at {}", *now_text, *auth_url, *api_url));
    return json{{"name", "lockstep-reference"}, {"version", options.version}};
  }

  detail::Answer dispatch(const std::string& type, const json& r) {
    if (type == "init") return init(r);
    if (type == "shutdown") {
      finished = true;
      return json::object();
    }
    static const std::set<std::string> known{"connect",       "disconnect",     "put_property", "assign_lock",
                                             "remove_lock",   "configure_lock", "put_booking",  "cancel_booking",
                                             "tick",          "get_code",       "render"};
    if (!known.contains(type))
      return std::unexpected(detail::Refusal{"unsupported", fmt::format("unknown request type '{}'", type)});
    if (!engine) return std::unexpected(detail::Refusal{"protocol_error", "send init first"});
    Engine& e = *engine;

    auto done = [](Result<void> result) -> detail::Answer {
      if (!result) return std::unexpected(detail::refusal_from(result.error()));
      return json::object();
    };

    if (type == "connect") {
      auto id = detail::string_field(r, "client_id", "invalid_credentials");
      if (!id) return std::unexpected(id.error());
      auto secret = detail::string_field(r, "client_secret", "invalid_credentials");
      if (!secret) return std::unexpected(secret.error());
      auto name = e.connect(Credentials{*id, *secret});
      if (!name) return std::unexpected(detail::refusal_from(name.error()));
      return json{{"account_name", *name}};
    }
    if (type == "disconnect") return done(e.disconnect());
    if (type == "put_property") {
      auto property = detail::string_field(r, "property_id");
      if (!property) return std::unexpected(property.error());
      auto zone = detail::string_field(r, "timezone", "invalid_timezone");
      if (!zone) return std::unexpected(zone.error());
      return done(e.put_property(*property, *zone));
    }
    if (type == "assign_lock") {
      auto property = detail::string_field(r, "property_id");
      if (!property) return std::unexpected(property.error());
      auto brand_text = detail::string_field(r, "brand");
      if (!brand_text) return std::unexpected(brand_text.error());
      auto lock = detail::string_field(r, "lock_id");
      if (!lock) return std::unexpected(lock.error());
      auto brand = brand_from_string(*brand_text);
      if (!brand)
        return std::unexpected(detail::Refusal{
            "invalid_argument", fmt::format("brand '{}' is not igloohome, nuki or ttlock", *brand_text)});
      return done(e.assign_lock(*property, *brand, *lock));
    }
    if (type == "remove_lock") {
      auto property = detail::string_field(r, "property_id");
      if (!property) return std::unexpected(property.error());
      return done(e.remove_lock(*property));
    }
    if (type == "configure_lock") {
      auto lock = detail::string_field(r, "lock_id");
      if (!lock) return std::unexpected(lock.error());
      SettingsPatch patch;
      for (const char* field : {"days_before", "margin_minutes"}) {
        auto it = r.find(field);
        if (it == r.end()) continue;
        // S4: a value of the wrong type is refused, never converted.
        if (!it->is_number_integer() || it->get<long long>() < -1'000'000 || it->get<long long>() > 1'000'000)
          return std::unexpected(detail::Refusal{"invalid_setting", fmt::format("{} must be an integer", field)});
        const int v = static_cast<int>(it->get<long long>());
        (std::string_view(field) == "days_before" ? patch.days_before : patch.margin_minutes) = v;
      }
      if (auto it = r.find("code_source"); it != r.end()) {
        std::optional<CodeSource> source;
        if (it->is_string()) source = code_source_from_string(it->get<std::string>());
        if (!source)
          return std::unexpected(
              detail::Refusal{"invalid_setting", "code_source must be \"random\" or \"guest_phone\""});
        patch.code_source = *source;
      }
      return done(e.configure_lock(*lock, patch));
    }
    if (type == "put_booking") {
      BookingInput b;
      auto id = detail::string_field(r, "booking_id");
      if (!id) return std::unexpected(id.error());
      auto property = detail::string_field(r, "property_id");
      if (!property) return std::unexpected(property.error());
      auto checkin = detail::string_field(r, "checkin", "invalid_booking");
      if (!checkin) return std::unexpected(checkin.error());
      auto checkout = detail::string_field(r, "checkout", "invalid_booking");
      if (!checkout) return std::unexpected(checkout.error());
      auto in = parse_local(*checkin);
      if (!in) return std::unexpected(detail::Refusal{"invalid_booking", "checkin: " + in.error().message});
      auto out = parse_local(*checkout);
      if (!out) return std::unexpected(detail::Refusal{"invalid_booking", "checkout: " + out.error().message});
      b.booking_id = *id;
      b.property_id = *property;
      b.checkin = *in;
      b.checkout = *out;
      if (auto it = r.find("guest_phone"); it != r.end() && !it->is_null()) {
        if (!it->is_string())
          return std::unexpected(detail::Refusal{"invalid_booking", "guest_phone must be a string"});
        b.guest_phone = it->get<std::string>();
      }
      return done(e.put_booking(b));
    }
    if (type == "cancel_booking") {
      auto id = detail::string_field(r, "booking_id");
      if (!id) return std::unexpected(id.error());
      return done(e.cancel_booking(*id));
    }
    if (type == "tick") {
      auto now_text = detail::string_field(r, "now");
      if (!now_text) return std::unexpected(now_text.error());
      auto now = parse_instant(*now_text);
      if (!now) return std::unexpected(detail::refusal_from(now.error()));
      // Work due before `now` runs at its own instant; then the clock rests at
      // `now`, where the requests that follow take effect.
      e.run_until(*now);
      clock.advance_to(*now);
      return json{{"next_wakeup", detail::instant_or_null(e.next_wakeup())}};
    }
    if (type == "get_code") {
      auto id = detail::string_field(r, "booking_id");
      if (!id) return std::unexpected(id.error());
      auto view = e.code(*id);
      if (!view) return std::unexpected(detail::refusal_from(view.error()));
      return json{{"status", to_string(view->status)},
                  {"code", view->code ? json(*view->code) : json(nullptr)},
                  {"kind", view->kind ? json(to_string(*view->kind)) : json(nullptr)},
                  {"valid_from", detail::instant_or_null(view->valid_from)},
                  {"valid_until", detail::instant_or_null(view->valid_until)}};
    }
    if (type == "render") {
      auto id = detail::string_field(r, "booking_id");
      if (!id) return std::unexpected(id.error());
      auto tmpl = detail::string_field(r, "template");
      if (!tmpl) return std::unexpected(tmpl.error());
      auto text = e.render(*id, *tmpl);
      if (!text) return std::unexpected(detail::refusal_from(text.error()));
      return json{{"text", *text}};
    }
    return std::unexpected(detail::Refusal{"unsupported", fmt::format("unknown request type '{}'", type)});
  }
};

ReferenceProtocolServer::ReferenceProtocolServer(ReferenceProtocolServerOptions options) : state_(std::make_unique<State>(std::move(options))) {}
ReferenceProtocolServer::~ReferenceProtocolServer() = default;

bool ReferenceProtocolServer::finished() const noexcept { return state_->finished; }

std::string ReferenceProtocolServer::handle(std::string_view request_line) {
  json request;
  json id = nullptr;
  auto error_reply = [&](std::string_view code, std::string_view message) {
    state_->log(fmt::format("request {} refused: {}: {}", id.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), code, message));
    return json{{"id", id}, {"ok", false}, {"error", {{"code", code}, {"message", message}}}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
  };
  try {
    request = json::parse(request_line);
  } catch (const json::exception& e) {
    return error_reply("invalid_json", fmt::format("the request is not JSON: {}", e.what()));
  }
  if (!request.is_object()) return error_reply("invalid_json", "the request is not a JSON object");
  if (auto it = request.find("id"); it != request.end()) id = *it;
  auto type = request.find("type");
  if (type == request.end() || !type->is_string())
    return error_reply("invalid_argument", "field 'type' is missing or not a string");

  detail::Answer answer = [&]() -> detail::Answer {
    try {
      return state_->dispatch(type->get<std::string>(), request);
    } catch (const std::exception& e) {
      // JSON type surprises and the like: answered, never fatal.
      return std::unexpected(detail::Refusal{"internal", e.what()});
    }
  }();
  if (!answer) return error_reply(answer.error().code, answer.error().message);
  json reply{{"id", id}, {"ok", true}};
  for (auto& [key, value] : answer->items()) reply[key] = value;
  return reply.dump(-1, ' ', false, json::error_handler_t::replace);
}

int serve_sut(std::istream& in, std::ostream& out, ReferenceProtocolServerOptions options) {
  ReferenceProtocolServer adapter(std::move(options));
  std::string line;
  while (!adapter.finished() && std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    out << adapter.handle(line) << '\n' << std::flush;
  }
  return 0;
}

}  // namespace lockstep::harness
