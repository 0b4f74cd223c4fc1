#include "engine/domain/state.h"

#include <algorithm>

namespace stockroom {

const HoldEntry* ProductState::hold(const OrderId& order_id) const noexcept {
  auto it = std::lower_bound(holds.begin(), holds.end(), order_id,
                             [](const HoldEntry& h, const OrderId& id) { return h.order_id < id; });
  return it != holds.end() && it->order_id == order_id ? &*it : nullptr;
}

int64_t OrderState::captured_net() const noexcept {
  int64_t net = 0;
  for (const PaymentState& p : payments) net += p.captured - p.refunded;
  return net;
}

}  // namespace stockroom
