// A small, strict XML 1.0 reader for the tests: enough to prove junit.xml is
// well formed (tags balanced, attributes quoted, entities known, no stray < or &)
// and to read it back as a tree, without a dependency.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lockstep/error.hpp"

namespace lockstep::testing {

struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;  // values unescaped
  std::vector<std::unique_ptr<XmlElement>> children;
  std::string text;  // character data directly inside, unescaped

  std::vector<const XmlElement*> all(std::string_view child_name) const;
  const XmlElement* first(std::string_view child_name) const;
};

// The document's root element, or an error naming the offset and the problem.
Result<std::unique_ptr<XmlElement>> parse_xml(std::string_view document);

}  // namespace lockstep::testing
