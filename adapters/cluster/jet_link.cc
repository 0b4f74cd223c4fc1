#include "adapters/cluster/jet_link.h"

#include <nats/nats.h>

#include <string>
#include <string_view>
#include <vector>

#include "adapters/cluster/internal/js_status.h"

namespace stockroom::cluster {
namespace {

std::vector<std::string> split_urls(std::string_view list) {
  std::vector<std::string> urls;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view url = list.substr(0, comma);
    while (!url.empty() && url.front() == ' ') url.remove_prefix(1);
    while (!url.empty() && url.back() == ' ') url.remove_suffix(1);
    if (!url.empty()) urls.emplace_back(url);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return urls;
}

// natsOptions_SetURL takes one URL (NATS.c splits lists only in ConnectTo), so a list
// goes in as the server pool instead.
Status set_servers(natsOptions* opts, const std::vector<std::string>& urls) {
  std::vector<const char*> raw;
  raw.reserve(urls.size());
  for (const std::string& url : urls) raw.push_back(url.c_str());
  natsStatus s = natsOptions_SetURL(opts, nullptr);
  if (s == NATS_OK) s = natsOptions_SetServers(opts, raw.data(), static_cast<int>(raw.size()));
  if (s != NATS_OK) return fail(ErrorCode::kInvalidArgument, internal::describe("--nats URLs", s));
  return {};
}

}  // namespace

Result<std::unique_ptr<JetLink>> JetLink::connect(const nats_adapter::ConnectOptions& options) {
  const std::vector<std::string> urls = split_urls(options.url);
  if (urls.empty()) return fail(ErrorCode::kInvalidArgument, "no NATS server URL given");
  nats_adapter::ConnectOptions first = options;
  first.url = urls.front();
  // make_nats_options already sets SendAsap and reconnect-forever.
  auto opts = nats_adapter::make_nats_options(first);
  if (!opts) return std::unexpected(opts.error());
  if (Status set = set_servers(*opts, urls); !set) {
    natsOptions_Destroy(*opts);
    return std::unexpected(set.error());
  }
  natsConnection* nc = nullptr;
  const natsStatus s = natsConnection_Connect(&nc, *opts);
  natsOptions_Destroy(*opts);
  if (s != NATS_OK) {
    return fail(ErrorCode::kUnavailable,
                internal::describe("no NATS server answers at " + options.url, s));
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
