#include "engine/domain/state.h"

namespace stockroom {

int64_t OrderState::captured_net() const noexcept {
  int64_t net = 0;
  for (const PaymentState& p : payments) net += p.captured - p.refunded;
  return net;
}

}  // namespace stockroom
