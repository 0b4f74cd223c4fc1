#include "adapters/nats/nats_options.h"

#include <nats/nats.h>

#include <string>
#include <string_view>
#include <vector>

#include "adapters/nats/nats_status.h"
#include "adapters/nats/nkey_seed.h"

namespace stockroom::nats_adapter {
namespace {

// An option NATS.c refuses is the operator's to fix.
Status check(natsStatus s, const char* what) {
  return from_nats(s, what, ErrorCode::kInvalidArgument);
}

}  // namespace

Result<natsOptions*> make_nats_options(const ConnectOptions& o) {
  natsOptions* opts = nullptr;
  if (auto s = check(natsOptions_Create(&opts), "nats options"); !s)
    return std::unexpected(s.error());
  auto fail_with = [&](Status s) -> Result<natsOptions*> {
    natsOptions_Destroy(opts);
    return std::unexpected(s.error());
  };
  if (o.url.find(',') == std::string::npos) {
    if (auto s = check(natsOptions_SetURL(opts, o.url.c_str()), "--nats URL"); !s)
      return fail_with(s);
  } else {
    // A cluster's servers, comma-separated: NATS.c's SetURL takes one URL, the pool
    // takes a list (it connects to any and reconnects to the others).
    std::vector<std::string> urls;
    std::string_view rest = o.url;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view url = rest.substr(0, comma);
      while (!url.empty() && url.front() == ' ') url.remove_prefix(1);
      while (!url.empty() && url.back() == ' ') url.remove_suffix(1);
      if (!url.empty()) urls.emplace_back(url);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    std::vector<const char*> raw;
    for (const std::string& url : urls) raw.push_back(url.c_str());
    if (auto s = check(natsOptions_SetServers(opts, raw.data(), static_cast<int>(raw.size())),
                       "--nats URLs");
        !s)
      return fail_with(s);
  }
  if (auto s = check(natsOptions_SetName(opts, o.name.c_str()), "name"); !s) return fail_with(s);
  if (!o.inbox_prefix.empty()) {
    if (auto s = check(natsOptions_SetCustomInboxPrefix(opts, o.inbox_prefix.c_str()),
                       "--nats-inbox-prefix (a subject without * or >)");
        !s)
      return fail_with(s);
  }
  if (auto s = check(natsOptions_SetSendAsap(opts, true), "send asap"); !s) return fail_with(s);
  if (auto s = check(natsOptions_SetMaxReconnect(opts, -1), "reconnect"); !s) return fail_with(s);
  if (auto s = check(natsOptions_SetReconnectWait(opts, o.reconnect_wait_ms), "reconnect wait"); !s)
    return fail_with(s);
  if (auto s = check(natsOptions_SetReconnectBufSize(opts, 64 * 1024 * 1024), "reconnect buffer");
      !s)
    return fail_with(s);
  if (!o.user.empty() || !o.password.empty()) {
    if (auto s = check(natsOptions_SetUserInfo(opts, o.user.c_str(), o.password.c_str()),
                       "--nats-user/--nats-password");
        !s)
      return fail_with(s);
  }
  if (!o.token.empty()) {
    if (auto s = check(natsOptions_SetToken(opts, o.token.c_str()), "--nats-token"); !s)
      return fail_with(s);
  }
  if (!o.creds_file.empty()) {
    if (auto s = check(natsOptions_SetUserCredentialsFromFiles(opts, o.creds_file.c_str(), nullptr),
                       "--nats-creds");
        !s)
      return fail_with(s);
  }
  if (!o.nkey_seed_file.empty()) {
    Result<std::string> public_key = nkey_public_key_of_seed_file(o.nkey_seed_file);
    if (!public_key) return fail_with(std::unexpected(public_key.error()));
    if (auto s =
            check(natsOptions_SetNKeyFromSeed(opts, public_key->c_str(), o.nkey_seed_file.c_str()),
                  "--nats-nkey");
        !s)
      return fail_with(s);
  }
  if (!o.ca_file.empty() || !o.cert_file.empty()) {
    if (auto s = check(natsOptions_SetSecure(opts, true), "TLS"); !s) return fail_with(s);
  }
  if (!o.ca_file.empty()) {
    if (auto s = check(natsOptions_LoadCATrustedCertificates(opts, o.ca_file.c_str()), "--nats-ca");
        !s)
      return fail_with(s);
  }
  if (!o.cert_file.empty() || !o.key_file.empty()) {
    if (auto s =
            check(natsOptions_LoadCertificatesChain(opts, o.cert_file.c_str(), o.key_file.c_str()),
                  "--nats-cert/--nats-key");
        !s)
      return fail_with(s);
  }
  return opts;
}

std::string printable_url(const std::string& url) {
  std::string out;
  std::string_view rest = url;
  // Each server of a comma-separated list: "scheme://user:secret@host" -> "user:***@".
  while (true) {
    const size_t comma = rest.find(',');
    std::string_view one = rest.substr(0, comma);
    const size_t at = one.rfind('@');
    const size_t scheme = one.find("://");
    const size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
    if (at != std::string_view::npos && at >= start) {
      const std::string_view userinfo = one.substr(start, at - start);
      const size_t colon = userinfo.find(':');
      out += one.substr(0, start);
      // A lone word is a token; user:password keeps the user.
      out += colon == std::string_view::npos ? std::string("***")
                                             : std::string(userinfo.substr(0, colon)) + ":***";
      out += one.substr(at);
    } else {
      out += one;
    }
    if (comma == std::string_view::npos) break;
    out += ',';
    rest.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace stockroom::nats_adapter
