// The NATS credential and TLS flags, one table for every subcommand that connects
// (serve, send): --nats-user, --nats-password, --nats-token, --nats-creds,
// --nats-nkey, --nats-inbox-prefix, --nats-ca, --nats-cert, --nats-key, each also STOCKROOM_<NAME>
// in the environment. No default is captured for help: a value given in the environment never shows
// in --help.
#pragma once

#include <CLI/CLI.hpp>

#include "adapters/nats/nats_options.h"

namespace stockroom::cli {

// Adds the flags to `sub`; they write into `target`, which must outlive parsing.
void add_nats_auth_flags(CLI::App& sub, nats_adapter::ConnectOptions& target);

}  // namespace stockroom::cli
