#include "sync/beast_request.hpp"

#include <algorithm>

namespace carnet::sync {
namespace {

std::string lower(boost::beast::string_view s) {
  std::string out(s.data(), s.size());
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

}  // namespace

HttpRequest to_http_request(boost::beast::http::request<boost::beast::http::string_body>&& request) {
  HttpRequest in;
  in.method = std::string(request.method_string());
  in.target = std::string(request.target());
  for (const auto& field : request) {
    auto [it, inserted] = in.headers.try_emplace(lower(field.name_string()), std::string(field.value()));
    if (!inserted) {
      it->second += ", ";
      it->second += std::string(field.value());
    }
  }
  in.body = std::move(request.body());
  return in;
}

}  // namespace carnet::sync
