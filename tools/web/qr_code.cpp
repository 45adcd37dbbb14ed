#include "tools/web/qr_code.hpp"

#include <qrencode.h>

#include <array>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

namespace carnet::web {
namespace {

constexpr int kQuietZone = 4;  // modules of light margin on each side

std::size_t level_index(Ecc ecc) { return static_cast<std::size_t>(ecc); }

// libqrencode's levels, and the most bytes version 40 holds in byte mode at each (ISO/IEC
// 18004 Table 7), in the order of Ecc.
constexpr std::array<QRecLevel, 4> kLevels = {QR_ECLEVEL_L, QR_ECLEVEL_M, QR_ECLEVEL_Q,
                                              QR_ECLEVEL_H};
constexpr std::array<std::size_t, 4> kMaxBytes = {2953, 2331, 1663, 1273};

core::Status too_long(std::size_t bytes, Ecc ecc) {
  return core::Status::invalid_argument("outils.qr_code.trop_long",
                                        {{"taille", bytes},
                                         {"max", kMaxBytes[level_index(ecc)]},
                                         {"niveau", std::string(1, "LMQH"[level_index(ecc)])}});
}

struct FreeInput {
  void operator()(QRinput* input) const noexcept { QRinput_free(input); }
};
struct FreeCode {
  void operator()(QRcode* code) const noexcept { QRcode_free(code); }
};

}  // namespace

QrCode::QrCode(int version, Ecc ecc, std::vector<std::uint8_t> modules)
    : version_(version), size_(17 + 4 * version), ecc_(ecc), modules_(std::move(modules)) {}

bool QrCode::module(int x, int y) const {
  if (x < 0 || x >= size_ || y < 0 || y >= size_) return false;
  return modules_[static_cast<std::size_t>(y) * static_cast<std::size_t>(size_) +
                  static_cast<std::size_t>(x)] != 0;
}

core::Result<QrCode> QrCode::encode(std::string_view bytes, Ecc ecc) {
  if (bytes.size() > kMaxBytes[level_index(ecc)]) return core::fail(too_long(bytes.size(), ecc));
  // Version 0: libqrencode picks the smallest that holds the input. An empty text is a
  // symbol with no data segment.
  const std::unique_ptr<QRinput, FreeInput> input(QRinput_new2(0, kLevels[level_index(ecc)]));
  std::unique_ptr<QRcode, FreeCode> code;
  if (input && (bytes.empty() ||
                QRinput_append(input.get(), QR_MODE_8, static_cast<int>(bytes.size()),
                               reinterpret_cast<const unsigned char*>(bytes.data())) == 0)) {
    code.reset(QRcode_encodeInput(input.get()));
  }
  if (!code) {
    const int error = errno;
    if (error == ERANGE) return core::fail(too_long(bytes.size(), ecc));
    return core::fail(
        core::Status::internal("outils.qr_code.echec", {{"detail", std::strerror(error)}}));
  }
  // libqrencode's modules: bit 0 is the colour (1 dark), the other bits say what the module
  // belongs to.
  assert(code->width == 17 + 4 * code->version);
  const auto count = static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width);
  std::vector<std::uint8_t> modules(count);
  for (std::size_t i = 0; i < count; ++i) modules[i] = code->data[i] & 1U;
  return QrCode(code->version, ecc, std::move(modules));
}

namespace {

void append_xml_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace

std::string qr_svg(const QrCode& code, int module_px, std::string_view title) {
  assert(module_px >= 1);
  const int side = code.size() + 2 * kQuietZone;  // in modules
  const std::string side_text = std::to_string(side);
  const std::string px_text = std::to_string(side * module_px);
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + px_text +
                    "\" height=\"" + px_text + "\" viewBox=\"0 0 " + side_text + " " + side_text +
                    "\" shape-rendering=\"crispEdges\"";
  if (!title.empty()) {
    out += " role=\"img\"><title>";
    append_xml_escaped(out, title);
    out += "</title>";
  } else {
    out += ">";
  }
  out += "<rect width=\"" + side_text + "\" height=\"" + side_text +
         "\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
  // One subpath per horizontal run of dark modules: "M x y h run v1 h -run z".
  for (int y = 0; y < code.size(); ++y) {
    for (int x = 0; x < code.size();) {
      if (!code.module(x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (code.module(x + run, y)) ++run;
      const std::string r = std::to_string(run);
      out += "M" + std::to_string(x + kQuietZone) + " " + std::to_string(y + kQuietZone) + "h" + r +
             "v1h-" + r + "z";
      x += run;
    }
  }
  out += "\"/></svg>";
  return out;
}

}  // namespace carnet::web
