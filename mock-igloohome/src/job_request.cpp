// A bridge job request's body, read two ways to one result (job_request.hpp).
#include "job_request.hpp"

#include "lockstep/mock/redact.hpp"
#include "lockstep/plain_json.hpp"

namespace lockstep::mock::internal {

namespace {

using plain_json::Kind;

// Whether any key, at any depth, is one the journal redacts.
bool has_secret_keys(const plain_json::Object& object, int depth) {
  for (const plain_json::Member& m : object) {
    if (is_secret_key(m.key)) return true;
    if (m.kind == Kind::object) {
      const auto inner = plain_json::read_object(m.text, depth + 1);
      if (!inner || has_secret_keys(*inner, depth + 1)) return true;
    }
  }
  return false;
}

FieldState state_of(const plain_json::Member* m, Kind wanted) {
  if (m == nullptr) return FieldState::missing;
  return m->kind == wanted ? FieldState::present : FieldState::wrong_type;
}

FieldState state_of(const nlohmann::json& object, const char* key, bool (nlohmann::json::*is_wanted)() const noexcept) {
  const auto it = object.find(key);
  if (it == object.end()) return FieldState::missing;
  return ((*it).*is_wanted)() ? FieldState::present : FieldState::wrong_type;
}

std::string_view string_view_of(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

}  // namespace

std::optional<JobRequest> read_plain_job_request(std::string_view text) {
  const auto body = plain_json::read_object(text);
  if (!body || has_secret_keys(*body, 0)) return std::nullopt;
  JobRequest r;
  const plain_json::Member* type = body->find("jobType");
  r.job_type = state_of(type, Kind::integer);
  if (r.job_type == FieldState::present) r.job_type_value = static_cast<int>(type->integer);
  const plain_json::Member* data = body->find("jobData");
  r.no_data = data == nullptr || data->kind == Kind::null;
  r.data_text = "null";
  if (!r.no_data && data->kind == Kind::object) {
    const auto fields = plain_json::read_object(data->text, 1);
    if (!fields) return std::nullopt;  // read already with the body: cannot happen
    r.data_is_object = true;
    const plain_json::Member* pin = fields->find("pin");
    r.pin = state_of(pin, Kind::string);
    if (r.pin == FieldState::present) r.pin_value = pin->text;
    r.pin_type = state_of(fields->find("pinType"), Kind::integer);
    const plain_json::Member* name = fields->find("accessName");
    r.access_name = state_of(name, Kind::string);
    if (r.access_name == FieldState::present) r.access_name_value = name->text;
    const plain_json::Member* start = fields->find("startDate");
    r.start_date = state_of(start, Kind::string);
    if (r.start_date == FieldState::present) r.start_date_value = start->text;
    const plain_json::Member* end = fields->find("endDate");
    r.end_date = state_of(end, Kind::string);
    if (r.end_date == FieldState::present) r.end_date_value = end->text;
    r.data_text.clear();
    fields->dump_sorted(r.data_text);
  }
  r.body_text.reserve(text.size());
  body->dump_sorted(r.body_text);
  return r;
}

JobRequest read_job_request(const nlohmann::json& body) {
  using Json = nlohmann::json;
  JobRequest r;
  r.job_type = state_of(body, "jobType", &Json::is_number_integer);
  if (r.job_type == FieldState::present) r.job_type_value = body["jobType"].get<int>();
  r.no_data = !body.contains("jobData") || body["jobData"].is_null();
  r.data_text = "null";
  if (!r.no_data && body["jobData"].is_object()) {
    const Json& data = body["jobData"];
    r.data_is_object = true;
    r.pin = state_of(data, "pin", &Json::is_string);
    r.pin_value = string_view_of(data, "pin");
    r.pin_type = state_of(data, "pinType", &Json::is_number_integer);
    r.access_name = state_of(data, "accessName", &Json::is_string);
    r.access_name_value = string_view_of(data, "accessName");
    r.start_date = state_of(data, "startDate", &Json::is_string);
    r.start_date_value = string_view_of(data, "startDate");
    r.end_date = state_of(data, "endDate", &Json::is_string);
    r.end_date_value = string_view_of(data, "endDate");
    r.data_text = data.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return r;
}

}  // namespace lockstep::mock::internal
