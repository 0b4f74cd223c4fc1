// How Stockroom connects to NATS: the URL and the credentials and TLS files passed
// through to NATS.c (cli.md: --nats, --nats-user, --nats-password, --nats-token,
// --nats-creds, --nats-ca, --nats-cert, --nats-key; and two additions: --nats-nkey, an
// nkey seed file, and --nats-inbox-prefix, the subject prefix of the reply inboxes).
// Secrets (password, token, the files' contents) go to NATS.c only: no message or log
// line made here or from these options carries them.
#pragma once

#include <string>

#include "engine/model/error.h"

struct __natsOptions;

namespace stockroom::nats_adapter {

struct ConnectOptions {
  std::string url = "nats://127.0.0.1:4222";  // or a comma-separated list of servers
  std::string name = "stockroom";
  std::string user;
  std::string password;
  std::string token;
  std::string creds_file;
  std::string nkey_seed_file;  // an nkey user seed ("SU..."); NATS.c reads it to sign
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // Replies to this connection's requests arrive on "<inbox_prefix>.<id>" ("_INBOX"
  // when empty): a per-user prefix lets the server permit each user only its own
  // replies (docs/security.md, "Least privilege"). A valid subject, no wildcard.
  std::string inbox_prefix;
  int reconnect_wait_ms = 250;
};

// Builds NATS.c options: reconnect forever, SendAsap (a request/reply service would
// otherwise wait for the 1 ms flusher), credentials and TLS as given. The caller owns
// the result (natsOptions_Destroy). kInvalidArgument names the option that failed
// (e.g. a creds file that does not exist).
[[nodiscard]] Result<__natsOptions*> make_nats_options(const ConnectOptions& options);

// `url` for messages and logs: a password or token written into a URL
// ("nats://user:secret@host:4222") shown as "nats://user:***@host:4222".
[[nodiscard]] std::string printable_url(const std::string& url);

}  // namespace stockroom::nats_adapter
