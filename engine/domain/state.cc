#include "engine/domain/state.h"

#include <algorithm>

namespace stockroom {

namespace {

// `holds` is kept sorted by order id: the first entry not before `order_id`.
template <class Holds>
auto first_not_before(Holds& holds, const OrderId& order_id) {
  return std::lower_bound(holds.begin(), holds.end(), order_id,
                          [](const HoldEntry& h, const OrderId& id) { return h.order_id < id; });
}

}  // namespace

const HoldEntry* ProductState::hold(const OrderId& order_id) const noexcept {
  auto it = first_not_before(holds, order_id);
  return it != holds.end() && it->order_id == order_id ? &*it : nullptr;
}

HoldEntry& ProductState::hold_for_update(const OrderId& order_id) {
  auto it = first_not_before(holds, order_id);
  if (it == holds.end() || it->order_id != order_id) {
    it = holds.insert(it, HoldEntry{order_id, 0, HoldStatus::kHeld, 0, {}});
  }
  return *it;
}

int64_t OrderState::captured_net() const noexcept {
  int64_t net = 0;
  for (const PaymentState& p : payments) net += p.captured - p.refunded;
  return net;
}

}  // namespace stockroom
