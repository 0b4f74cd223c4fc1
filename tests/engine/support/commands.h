// Short constructors of command envelopes for engine tests.
#pragma once

#include <string>

#include "engine/model/command.h"
#include "support/money.h"

namespace stockroom::testing {

inline Actor staff() { return Actor{ActorId("ops-1"), Role::kStaff}; }
inline Actor service() { return Actor{ActorId("svc-1"), Role::kService}; }
inline Actor customer(const std::string& id) { return Actor{ActorId(id), Role::kCustomer}; }

inline CommandEnvelope envelope(std::string id, Actor actor, Command command) {
  return CommandEnvelope{CommandId(std::move(id)), std::move(actor), std::nullopt,
                         std::move(command)};
}

}  // namespace stockroom::testing
