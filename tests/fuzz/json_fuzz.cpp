// Fuzzes the JSON parser (core/json.hpp), which reads every JSON body of the office app and
// the tablet's local API before anyone is authenticated (the login form among them).
// Properties: nothing crashes; a document that parses dumps to a text that parses to the same
// dump (the compact form is a fixed point); and the cost stays linear, which libFuzzer's
// -timeout watches (a 1 MiB object of short keys once took half a minute).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto json = carnet::core::Json::parse(text);
  if (!json) return 0;
  const std::string once = json->dump();
  auto again = carnet::core::Json::parse(once);
  if (!again || again->dump() != once) std::abort();
  static_cast<void>(json->dump(2));
  return 0;
}
