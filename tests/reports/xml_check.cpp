#include "xml_check.hpp"

#include <cctype>

#include <fmt/core.h>

namespace lockstep::testing {

std::vector<const XmlElement*> XmlElement::all(std::string_view child_name) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children)
    if (c->name == child_name) out.push_back(c.get());
  return out;
}

const XmlElement* XmlElement::first(std::string_view child_name) const {
  for (const auto& c : children)
    if (c->name == child_name) return c.get();
  return nullptr;
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view doc) : doc_(doc) {}

  Result<std::unique_ptr<XmlElement>> document() {
    if (doc_.starts_with("<?xml")) {
      auto end = doc_.find("?>");
      if (end == std::string_view::npos) return error("unterminated XML declaration");
      pos_ = end + 2;
    }
    skip_misc();
    if (!peek('<')) return error("expected the root element");
    auto root = element();
    if (!root) return root;
    skip_misc();
    if (pos_ != doc_.size()) return error("content after the root element");
    return root;
  }

 private:
  std::unexpected<Error> error(std::string_view what) const {
    return std::unexpected(Error(ErrorCode::invalid_argument, fmt::format("offset {}: {}", pos_, what)));
  }
  bool peek(char c) const { return pos_ < doc_.size() && doc_[pos_] == c; }
  void skip_space() {
    while (pos_ < doc_.size() && std::isspace(static_cast<unsigned char>(doc_[pos_])) != 0) ++pos_;
  }
  void skip_misc() {
    for (;;) {
      skip_space();
      if (doc_.substr(pos_).starts_with("<!--")) {
        auto end = doc_.find("-->", pos_ + 4);
        if (end == std::string_view::npos) return;
        pos_ = end + 3;
      } else {
        return;
      }
    }
  }
  static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.' || c == ':';
  }
  std::string name() {
    const auto start = pos_;
    while (pos_ < doc_.size() && name_char(doc_[pos_])) ++pos_;
    return std::string(doc_.substr(start, pos_ - start));
  }
  // Character data up to `stop`, unescaped; false on a stray < or & or bad entity.
  bool chars(char stop, std::string& out) {
    while (pos_ < doc_.size() && doc_[pos_] != stop) {
      const char c = doc_[pos_];
      if (c == '<') return false;
      if (c == '&') {
        auto end = doc_.find(';', pos_);
        if (end == std::string_view::npos || end - pos_ > 10) return false;
        auto entity = doc_.substr(pos_ + 1, end - pos_ - 1);
        if (entity == "amp") out += '&';
        else if (entity == "lt") out += '<';
        else if (entity == "gt") out += '>';
        else if (entity == "quot") out += '"';
        else if (entity == "apos") out += '\'';
        else if (entity.starts_with("#x") && entity.size() > 2) out += '?';
        else if (entity.starts_with('#') && entity.size() > 1 &&
                 entity.substr(1).find_first_not_of("0123456789") == std::string_view::npos) {
          const int cp = std::stoi(std::string(entity.substr(1)));
          out += cp < 128 ? static_cast<char>(cp) : '?';
        } else {
          return false;
        }
        pos_ = end + 1;
        continue;
      }
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 && c != '\n' && c != '\t' && c != '\r') return false;
      out += c;
      ++pos_;
    }
    return true;
  }

  Result<std::unique_ptr<XmlElement>> element() {
    ++pos_;  // <
    auto el = std::make_unique<XmlElement>();
    el->name = name();
    if (el->name.empty()) return error("element without a name");
    for (;;) {
      skip_space();
      if (doc_.substr(pos_).starts_with("/>")) {
        pos_ += 2;
        return el;
      }
      if (peek('>')) {
        ++pos_;
        break;
      }
      auto attribute = name();
      if (attribute.empty()) return error(fmt::format("bad attribute in <{}>", el->name));
      skip_space();
      if (!peek('=')) return error(fmt::format("attribute {} without a value", attribute));
      ++pos_;
      skip_space();
      if (!peek('"') && !peek('\'')) return error(fmt::format("attribute {} not quoted", attribute));
      const char quote = doc_[pos_++];
      std::string value;
      if (!chars(quote, value) || !peek(quote)) return error(fmt::format("bad value of attribute {}", attribute));
      ++pos_;
      if (el->attributes.contains(attribute)) return error(fmt::format("attribute {} twice", attribute));
      el->attributes[attribute] = value;
    }
    for (;;) {
      if (!chars('<', el->text)) return error(fmt::format("stray < or & or control character in <{}>", el->name));
      if (pos_ >= doc_.size()) return error(fmt::format("<{}> not closed", el->name));
      if (doc_.substr(pos_).starts_with("</")) {
        pos_ += 2;
        auto closing = name();
        if (closing != el->name) return error(fmt::format("</{}> closes <{}>", closing, el->name));
        skip_space();
        if (!peek('>')) return error("bad closing tag");
        ++pos_;
        return el;
      }
      if (doc_.substr(pos_).starts_with("<!--")) {
        auto end = doc_.find("-->", pos_ + 4);
        if (end == std::string_view::npos) return error("unterminated comment");
        pos_ = end + 3;
        continue;
      }
      auto child = element();
      if (!child) return child;
      el->children.push_back(std::move(*child));
    }
  }

  std::string_view doc_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<std::unique_ptr<XmlElement>> parse_xml(std::string_view document) { return Parser(document).document(); }

}  // namespace lockstep::testing
