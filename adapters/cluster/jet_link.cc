#include "adapters/cluster/jet_link.h"

#include <nats/nats.h>

#include <string>

#include "adapters/cluster/internal/js_status.h"
#include "adapters/nats/connect_failure.h"

namespace stockroom::cluster {

Result<std::unique_ptr<JetLink>> JetLink::connect(const nats_adapter::ConnectOptions& options) {
  if (options.url.find_first_not_of(", ") == std::string::npos) {
    return fail(ErrorCode::kInvalidArgument, "no NATS server URL given");
  }
  // make_nats_options takes a comma-separated list as the server pool, and sets
  // SendAsap and reconnect-forever.
  auto opts = nats_adapter::make_nats_options(options);
  if (!opts) return std::unexpected(opts.error());
  natsConnection* nc = nullptr;
  const natsStatus s = natsConnection_Connect(&nc, *opts);
  natsOptions_Destroy(*opts);
  if (s != NATS_OK) {
    // kUnavailable only when no server answers; refused credentials and TLS failures
    // say so (connect_failure.h), and the URL hides a password written into it.
    return std::unexpected(
        nats_adapter::classify_connect_failure(s, nats_adapter::printable_url(options.url)).error);
  }
  jsOptions js_opts;
  jsOptions_Init(&js_opts);
  js_opts.Wait = kApiWaitMs;
  jsCtx* js = nullptr;
  if (const natsStatus js_s = natsConnection_JetStream(&js, nc, &js_opts); js_s != NATS_OK) {
    std::string why = internal::describe("JetStream context", js_s);
    natsConnection_Destroy(nc);
    return fail(ErrorCode::kUnavailable, std::move(why));
  }
  return std::unique_ptr<JetLink>(new JetLink(nc, js));
}

JetLink::~JetLink() {
  jsCtx_Destroy(js_);
  natsConnection_Close(nc_);
  natsConnection_Destroy(nc_);
}

}  // namespace stockroom::cluster
