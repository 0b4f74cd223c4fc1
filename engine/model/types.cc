#include "engine/model/types.h"

#include <algorithm>

namespace stockroom {

bool is_valid_id(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

Currency::Currency(std::string_view code) {
  // A code longer than three letters is malformed: it becomes the empty code, which
  // fails validation. Nothing of it is kept, so that two currencies that read the same
  // compare equal (the fuzzer found a long code that did not survive its stored form).
  if (code.size() > code_.size()) return;
  size_ = static_cast<uint8_t>(code.size());
  std::copy_n(code.begin(), size_, code_.begin());
}

bool is_valid_currency(std::string_view code) noexcept {
  return code.size() == 3 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string_view role_name(Role role) noexcept {
  switch (role) {
    case Role::kCustomer:
      return "customer";
    case Role::kStaff:
      return "staff";
    case Role::kService:
      return "service";
  }
  return "unknown";
}

Actor engine_actor() { return Actor{ActorId("engine"), Role::kService}; }

}  // namespace stockroom
