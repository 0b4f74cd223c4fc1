// ActorMap: which actors a NATS identity may claim in a command (serve --actor-map
// FILE; docs/security.md, "Actor binding"). Without a map the actor is whatever the
// client writes; with one, a command whose sender may not claim its actor is refused
// FORBIDDEN before it reaches the engine (nothing written).
//
// The sender is known from the `Nats-Request-Info` header that nats-server 2.9 sets
// (replacing any the client wrote) on a request that crossed from a client account
// into the engine's through a service import with `share: true`. A request published
// within the engine's own account carries no such header: other engines of a cluster
// and operators live there, and the map says whether they are trusted.
//
// The file (JSON; unknown keys are refused, so a typo cannot widen or narrow a grant):
//   {"own_account": "trust" | "forbid",
//    "identities": [{"account": "BACKEND", "user": "shop1",
//                    "roles": ["customer", "service"], "actors": ["*"]}, ...]}
// An identity matches a sender of its account and, when `user` is given, of that user
// only (for an nkey user: its public key). A command is allowed when some matching
// identity lists the actor's role and its id (or "*"): grants add up.
//
// Pure apart from load_actor_map (reads the file). Thread safety: an ActorMap is an
// immutable value after loading; check_sender may run on any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/error.h"
#include "engine/model/types.h"

namespace stockroom::nats_adapter {

// The header nats-server sets on a request that crossed an import with share: true.
inline constexpr const char* kRequestInfoHeader = "Nats-Request-Info";

struct ActorIdentity {
  std::string account;              // a NATS account name (or an operator-mode account key)
  std::optional<std::string> user;  // nullopt: any user of the account
  std::vector<Role> roles;          // at least one
  std::vector<std::string> actors;  // actor ids, or "*" for any; at least one
  bool any_actor = false;           // "*" is among `actors`
};

struct ActorMap {
  // A request without the header comes from the engine's own account: true trusts it
  // (own_account "trust"), false refuses it (own_account "forbid").
  bool trust_own_account = true;
  std::vector<ActorIdentity> identities;
};

// Who sent a request. An empty account means the request came from within the
// engine's own account (no header); the header's own account is never empty.
struct Sender {
  std::string account;
  std::string user;  // empty when the server named none
  [[nodiscard]] bool own_account() const { return account.empty(); }
};

// Parses an actor map's JSON. `source` names it in messages (the file's path).
// kInvalidArgument naming `source` and the problem: not JSON, a missing or unknown
// key, an unknown role, an actor id that is neither "*" nor 1-64 of [A-Za-z0-9_-],
// an empty list, two identities for the same account and user.
[[nodiscard]] Result<ActorMap> parse_actor_map(std::string_view json, std::string_view source);

// Reads and parses the file at `path`; kInvalidArgument naming it when it cannot be
// read or does not parse (parse_actor_map).
[[nodiscard]] Result<ActorMap> load_actor_map(const std::string& path);

// The sender of a request whose Nats-Request-Info header is `header` (nullopt: no
// header, the own account). kForbidden when the header is not the server's JSON with
// a non-empty "acc": the sender cannot be known, so it may claim nothing.
[[nodiscard]] Result<Sender> sender_of(std::optional<std::string_view> header);

// Whether `sender` may send a command as `actor` under `map`. kForbidden with a
// message naming the NATS account and user and the actor, and details "account",
// "user", "actor", "role".
[[nodiscard]] Status check_sender(const ActorMap& map, const Sender& sender, const Actor& actor);

}  // namespace stockroom::nats_adapter
