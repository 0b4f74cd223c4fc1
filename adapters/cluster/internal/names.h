// The names the cluster link gives JetStream objects: stream and bucket names allow
// only [A-Za-z0-9_-], so a prefix is upper-cased and anything else becomes '_'.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace stockroom::cluster::internal {

// "stockroom" -> "STOCKROOM", "acme.shop" -> "ACME_SHOP".
[[nodiscard]] inline std::string jetstream_name(std::string_view prefix) {
  std::string name;
  name.reserve(prefix.size());
  for (const char c : prefix) {
    const auto u = static_cast<unsigned char>(c);
    name.push_back(std::isalnum(u) || c == '_' || c == '-' ? static_cast<char>(std::toupper(u))
                                                           : '_');
  }
  return name;
}

}  // namespace stockroom::cluster::internal
