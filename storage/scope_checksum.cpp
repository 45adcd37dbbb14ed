#include "storage/scope_checksum.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

namespace carnet::storage {

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string to_hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xF];
  }
  return out;
}

Result<std::string> scope_checksum(Database& db, std::vector<std::string> dossiers, std::string_view scoped_fields_sql) {
  std::sort(dossiers.begin(), dossiers.end());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return core::fail(Status::internal("stockage.scope_checksum.sha256_indisponible"));
  }
  std::string line;
  for (const auto& d : dossiers) {
    auto st = db.prepare(scoped_fields_sql);
    if (!st) return core::fail(st.error());
    st->bind(1, d);
    while (true) {
      auto row = st->step();
      if (!row) return core::fail(row.error());
      if (!*row) break;
      const std::string value = st->column_is_null(3) ? std::string() : st->column_text(3);
      const std::string node = st->column_blob(5);
      line.clear();
      line.append(st->column_text(0)).append("|").append(st->column_text(1)).append("|").append(st->column_text(2));
      line.append("|").append(std::to_string(value.size())).append(":").append(value);
      line.append("|").append(std::to_string(static_cast<std::uint64_t>(st->column_int(4)))).append("|");
      line += to_hex(reinterpret_cast<const unsigned char*>(node.data()), node.size());
      line += '\n';
      EVP_DigestUpdate(ctx.get(), line.data(), line.size());
    }
  }
  unsigned char md[32];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &n);
  return to_hex(md, n);
}

}  // namespace carnet::storage
