// How the cluster link judges a NATS.c / JetStream outcome: the one place where a
// natsStatus and a JetStream err_code turn into "retry", "fenced" or "give up". For the
// cluster link's own .cc files; its public headers keep NATS.c out.
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stockroom::cluster::internal {

// JetStream err_codes the link reacts to (nats-server's errors.json; NATS.c 3.4.1 names
// most of them in status.h).
inline constexpr int kJsClusterIncomplete = 10004;      // "incomplete results"
inline constexpr int kJsClusterNoPeers = 10005;         // "no suitable peers for placement"
inline constexpr int kJsClusterNotAssigned = 10007;     // a server that lost its assignment
inline constexpr int kJsClusterNotAvailable = 10008;    // meta leader not elected yet
inline constexpr int kJsClusterNotLeader = 10009;       // asked a leader that just stepped down
inline constexpr int kJsInsufficientResources = 10023;  // right after a cluster starts
inline constexpr int kJsMessageTooLarge = 10054;        // "message size exceeds maximum allowed"
inline constexpr int kJsStreamNameExists = 10058;
inline constexpr int kJsStreamNotFound = 10059;
inline constexpr int kJsWrongLastSequence = 10071;  // the fence: Nats-Expected-Last-Sequence

// True for what passes by itself in a healthy cluster: timeouts, no responders (no
// stream leader yet), a connection that is reconnecting, and the JetStream errors a
// cluster answers while it elects leaders or places replicas.
[[nodiscard]] bool is_transient(natsStatus status, int err_code);

// True for a create of a stream (or of the KV bucket over one) answered "Not Found" (a
// JetStream 404, "stream not found"): seen when engines start together with a cluster
// still forming — one engine's create is being placed and the server answers
// another's so (CI, 2026-12-04: an engine exited "KV bucket STOCKROOM_leases: Not
// Found"). It passes; the caller's deadline bounds it. `err_code` 0 when unknown (the
// KV API hides it).
[[nodiscard]] inline bool create_being_placed(natsStatus status, int err_code) {
  return status == NATS_NOT_FOUND || err_code == kJsStreamNotFound;
}

// "<what>: <NATS.c's text> (<the server's or NATS.c's detail>)" for the call that just
// failed on this thread (NATS.c keeps the last error per thread).
[[nodiscard]] std::string describe(std::string_view what, natsStatus status);

// The stream's last sequence named by a "wrong last sequence: N" error text, if any.
[[nodiscard]] std::optional<uint64_t> wrong_last_sequence(std::string_view text);

}  // namespace stockroom::cluster::internal
