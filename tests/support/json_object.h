// A reply or event text parsed for a test: fails the test unless it is a JSON object.
// Also the names and strings of what was parsed.
#pragma once

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace stockroom::testing {

inline rapidjson::Document parse_object(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  INFO(text);
  REQUIRE_FALSE(d.HasParseError());
  REQUIRE(d.IsObject());
  return d;
}

// The member names of `object`, in order.
inline std::vector<std::string> keys(const rapidjson::Value& object) {
  std::vector<std::string> out;
  for (const auto& m : object.GetObject()) out.emplace_back(m.name.GetString());
  return out;
}

inline std::string str(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

}  // namespace stockroom::testing
