// QrCode: a QR Code (model 2, ISO/IEC 18004) of a byte string, made by Debian's libqrencode,
// and its SVG rendering.
//
// The central office web app shows a tablet's enrollment code with it, so the page needs no
// script and nothing from the internet. Only byte mode is written (the text's UTF-8 bytes, no
// ECI header); the symbol is the smallest version 1..40 that holds the bytes at the chosen
// error correction level, with the mask libqrencode scores best.
// Thread safety: QrCode is an immutable value; every function here may be called from any
// thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace carnet::web {

// Error correction level: the share of codewords a reader can restore (about 7, 15, 25, 30 %).
enum class Ecc { kLow, kMedium, kQuartile, kHigh };

class QrCode {
 public:
  // The symbol of `bytes` in byte mode at level `ecc`. Errors: kInvalidArgument ("texte trop
  // long pour un code QR …") when the bytes do not fit in version 40 at that level (at most
  // 2953 bytes at kLow, 2331 at kMedium, 1663 at kQuartile, 1273 at kHigh); kInternal if
  // libqrencode fails otherwise (out of memory).
  static core::Result<QrCode> encode(std::string_view bytes, Ecc ecc = Ecc::kMedium);

  // Modules per side: 17 + 4 * version (21..177), without the quiet zone.
  int size() const { return size_; }
  // True for a dark module; (0, 0) is the top-left corner, x grows rightwards. Coordinates
  // outside 0..size()-1 are the quiet zone: light.
  bool module(int x, int y) const;
  int version() const { return version_; }  // 1..40
  Ecc ecc() const { return ecc_; }

 private:
  QrCode(int version, Ecc ecc, std::vector<std::uint8_t> modules);

  int version_;
  int size_;
  Ecc ecc_;
  std::vector<std::uint8_t> modules_;  // size_ * size_, row-major, 1 = dark
};

// A self-contained SVG of `code` for inline use in an HTML page: `module_px` pixels per
// module (at least 1), a light 4-module quiet zone, the dark modules as one <path>. With a
// non-empty `title`, the element has role="img" and a <title> (XML-escaped) that screen
// readers announce.
std::string qr_svg(const QrCode& code, int module_px = 6, std::string_view title = "");

}  // namespace carnet::web
