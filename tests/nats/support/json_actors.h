// The `"actor":{...}` members the NATS tests put in JSON command bodies, once for
// every test file (the test files are compiled together in unity batches).
#pragma once

#include <string>

namespace stockroom::testing {

inline const std::string kStaff = R"("actor":{"id":"ops-1","role":"staff"})";
inline const std::string kService = R"("actor":{"id":"svc","role":"service"})";

}  // namespace stockroom::testing
