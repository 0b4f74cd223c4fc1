// Ratings across partitions (cluster mode, docs/scale-out.md "Ratings"): rating.submit
// is keyed by its order, so it arrives in the order's partition, which checks the
// buyer, the delivery and the sku there (Engine::check, nothing written); the rating
// itself belongs to the product's partition, where the one-rating-per-customer rule
// and the ratings view live. This file makes the rating.record that carries a checked
// rating there, and sends it.
//
// Threads: any. Ownership: borrows the connection.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "adapters/wire/wire.h"
#include "engine/model/command.h"
#include "engine/model/error.h"

struct __natsConnection;

namespace stockroom::nats_adapter {

// The rating.record request for `submitted` (a SubmitRating) in `encoding`: the same
// command id, so that a resend is answered `duplicate: true` where the rating lives;
// the customer who submitted it (the order's buyer, as the check found); sent by
// `forwarder` with the service role.
// REQUIRES: std::holds_alternative<SubmitRating>(submitted.command).
[[nodiscard]] std::string rating_record_request(const CommandEnvelope& submitted,
                                                const ActorId& forwarder, wire::Encoding encoding);

// "<prefix>.cmd.rating.record.<sku>": the keyed subject the server's mapping routes
// to the sku's partition.
[[nodiscard]] std::string rating_record_subject(std::string_view prefix, const Sku& sku);

// Sends `request` (in `encoding`) on `subject` and waits up to `timeout` for the
// reply: its bytes, or kUnavailable naming why none came (no responder: the partition
// is between owners; a timeout). The caller may resend with the same command id. Also
// what the settle outbox (settle_outbox.h) sends stock.settle with.
[[nodiscard]] Result<std::string> request_reply(__natsConnection* connection,
                                                const std::string& subject,
                                                const std::string& request, wire::Encoding encoding,
                                                std::chrono::milliseconds timeout);

}  // namespace stockroom::nats_adapter
