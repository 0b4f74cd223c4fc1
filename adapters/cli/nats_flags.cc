#include "adapters/cli/nats_flags.h"

namespace stockroom::cli {

void add_nats_auth_flags(CLI::App& sub, nats_adapter::ConnectOptions& target) {
  auto flag = [&sub](const char* name, std::string& into, const char* env, const char* help) {
    sub.add_option(name, into, help)->envname(env)->group("NATS credentials and TLS");
  };
  flag("--nats-user", target.user, "STOCKROOM_NATS_USER", "NATS user (with --nats-password)");
  flag("--nats-password", target.password, "STOCKROOM_NATS_PASSWORD",
       "NATS password (prefer the environment: a flag shows in ps)");
  flag("--nats-token", target.token, "STOCKROOM_NATS_TOKEN",
       "NATS token (prefer the environment: a flag shows in ps)");
  flag("--nats-creds", target.creds_file, "STOCKROOM_NATS_CREDS",
       "NATS credentials file (user JWT and nkey seed, as nsc writes it)");
  flag("--nats-nkey", target.nkey_seed_file, "STOCKROOM_NATS_NKEY",
       "NATS nkey user seed file (SU...); the public key is derived from it");
  flag("--nats-inbox-prefix", target.inbox_prefix, "STOCKROOM_NATS_INBOX_PREFIX",
       "subject prefix of reply inboxes (default _INBOX); per user, so that the server "
       "can permit each user only its own replies");
  flag("--nats-ca", target.ca_file, "STOCKROOM_NATS_CA",
       "TLS: CA file that signed the server's certificate");
  flag("--nats-cert", target.cert_file, "STOCKROOM_NATS_CERT",
       "TLS: client certificate (PEM), for servers that verify clients");
  flag("--nats-key", target.key_file, "STOCKROOM_NATS_KEY",
       "TLS: the client certificate's private key (PEM)");
}

}  // namespace stockroom::cli
