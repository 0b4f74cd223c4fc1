// A product of another partition, read from its partition's stock view (cluster mode,
// docs/scale-out.md "Checkouts across partitions"): what the cart's partition needs to
// add it to a cart (defined, retired, its price) and a checkout's saga the price of a
// line it has held. Threads: any. Ownership: borrows the connection.
#pragma once

#include <chrono>
#include <string_view>

#include "engine/domain/state.h"
#include "engine/model/error.h"

struct __natsConnection;

namespace stockroom::nats_adapter {

// Asks "<prefix>.query.stock.<sku>" (JSON) and waits up to `timeout`. The product as
// far as the view tells it: version, defined, price, retired (its stock is not read):
// a ProductState of version 0 when the product's partition answers NOT_FOUND.
// kUnavailable when no answer came (the partition is between owners), or the reply
// is neither a stock view nor NOT_FOUND.
[[nodiscard]] Result<ProductState> read_product(__natsConnection* connection,
                                                std::string_view prefix, const Sku& sku,
                                                std::chrono::milliseconds timeout);

// The ProductState of a stock view's JSON or of a query refusal's; kUnavailable for
// anything else. Pure (read_product's parsing).
[[nodiscard]] Result<ProductState> product_from_reply(std::string_view reply);

}  // namespace stockroom::nats_adapter
