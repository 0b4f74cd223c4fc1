// A reply or event text parsed for a test: fails the test unless it is a JSON object.
#pragma once

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <string>

namespace stockroom::testing {

inline rapidjson::Document parse_object(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  INFO(text);
  REQUIRE_FALSE(d.HasParseError());
  REQUIRE(d.IsObject());
  return d;
}

}  // namespace stockroom::testing
