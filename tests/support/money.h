// Amounts in the tests: every suite prices in euros, in cents.
#pragma once

#include <cstdint>

#include "engine/model/types.h"

namespace stockroom::testing {

inline Money eur(int64_t cents) { return Money{cents, Currency("EUR")}; }

}  // namespace stockroom::testing
