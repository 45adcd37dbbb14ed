// The handler's view of a request that Beast parsed: how the server (sync/http_server.cpp)
// and the fuzzer that feeds it raw bytes (tests/fuzz/http_request_fuzz.cpp) turn one into
// the other, so that both hand the central service the same thing.
#pragma once

#include <utility>  // before Boost.Asio (DESIGN.md, "Facts about this toolchain")

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "sync/http.hpp"

namespace carnet::sync {

// Method, target, headers (names in lower case; a repeated header's values joined with ", ")
// and body, moved out of `request`. The caller sets `peer` and `remote_address`.
HttpRequest to_http_request(boost::beast::http::request<boost::beast::http::string_body>&& request);

}  // namespace carnet::sync
