// A bridge job request's body (POST /devices/{lock}/jobs/bridges/{bridge}) as
// create_job judges it: each field it looks at, found or not, of the right type
// or not. Read in place from plain text (plain_json: the client's own bodies),
// or from the DOM for everything else; both give the same JobRequest, so
// create_job answers a body, its errors included, the same whichever way it was
// read (tests/mock/job_request_test.cpp holds the two to each other). Not
// installed; not part of the API.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lockstep::mock::internal {

enum class FieldState { missing, wrong_type, present };

struct JobRequest {
  FieldState job_type = FieldState::missing;  // present: an integer
  int job_type_value = 0;                     // as get<int>() reads it
  // jobData: absent or null (no_data), an object, or something else.
  bool no_data = true;
  bool data_is_object = false;
  // Within jobData (when an object); the views point into the body's text or DOM.
  FieldState pin = FieldState::missing;  // present: a string
  std::string_view pin_value;
  FieldState pin_type = FieldState::missing;  // present: an integer
  FieldState access_name = FieldState::missing;  // present: a string
  std::string_view access_name_value;
  FieldState start_date = FieldState::missing;  // present: a string
  std::string_view start_date_value;
  FieldState end_date = FieldState::missing;  // present: a string
  std::string_view end_date_value;
  // What the journal and GET /__admin/jobs keep: the body as JSON text
  // (nlohmann's dump of it) and jobData's text ("null" when absent or null).
  std::string body_text;
  std::string data_text;
};

// From plain text; nullopt when the text is not plain, not an object, or carries
// a key the journal redacts (read through the DOM then).
std::optional<JobRequest> read_plain_job_request(std::string_view text);
// From a parsed JSON object; the views point into `body`, which must outlive
// the result. body_text is left empty (the journal dumps the DOM itself).
JobRequest read_job_request(const nlohmann::json& body);

}  // namespace lockstep::mock::internal
