// QrCode: a QR Code (model 2, ISO/IEC 18004) of a byte string, and its SVG rendering.
//
// The central office web app shows a tablet's enrollment code with it, so the page needs no
// script and nothing from the internet. Only byte mode is written (the text's UTF-8 bytes, no
// ECI header); the symbol is the smallest version 1..40 that holds the bytes at the chosen
// error correction level, masked with whichever of the 8 masks scores the lowest penalty.
// Thread safety: QrCode is an immutable value; every function here may be called from any
// thread.
#pragma once

#include <cstdint>
#include <span>
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
  // 2953 bytes at kLow, 2331 at kMedium, 1663 at kQuartile, 1273 at kHigh).
  static core::Result<QrCode> encode(std::string_view bytes, Ecc ecc = Ecc::kMedium);

  // Modules per side: 17 + 4 * version (21..177), without the quiet zone.
  int size() const { return size_; }
  // True for a dark module; (0, 0) is the top-left corner, x grows rightwards. Coordinates
  // outside 0..size()-1 are the quiet zone: light.
  bool module(int x, int y) const;
  int version() const { return version_; }  // 1..40
  int mask() const { return mask_; }        // 0..7, the pattern of ISO/IEC 18004 Table 10
  Ecc ecc() const { return ecc_; }

 private:
  QrCode(int version, Ecc ecc, int mask, std::vector<std::uint8_t> modules);

  int version_;
  int size_;
  Ecc ecc_;
  int mask_;
  std::vector<std::uint8_t> modules_;  // size_ * size_, row-major, 1 = dark
};

// A self-contained SVG of `code` for inline use in an HTML page: `module_px` pixels per
// module (at least 1), a light 4-module quiet zone, the dark modules as one <path>. With a
// non-empty `title`, the element has role="img" and a <title> (XML-escaped) that screen
// readers announce.
std::string qr_svg(const QrCode& code, int module_px = 6, std::string_view title = "");

// The steps of encode(), exposed so tests can hold them against the standard's published
// numbers. Not for other callers.
namespace detail {

// Total codewords (data + error correction) of a version, 26 for version 1 to 3706 for 40.
int total_codewords(int version);
// Data codewords of a version at a level (ISO/IEC 18004 Table 9): 16 for 1-M, 2956 for 40-L.
int data_codewords(int version, Ecc ecc);
// The data codewords of `bytes` in byte mode, with terminator and pad codewords, for that
// version and level. Requires the bytes to fit.
std::vector<std::uint8_t> byte_mode_codewords(std::string_view bytes, int version, Ecc ecc);
// The `ec_len` Reed–Solomon error correction codewords of `data` over GF(256) (polynomial
// 0x11D, generator roots 2^0 .. 2^(ec_len-1)). Requires 1 <= ec_len <= 254.
std::vector<std::uint8_t> reed_solomon(std::span<const std::uint8_t> data, int ec_len);
// The final codeword sequence: `data` (exactly data_codewords(version, ecc) codewords) split
// into the level's blocks, each given its error correction, data then error correction
// interleaved block by block.
std::vector<std::uint8_t> add_error_correction(std::span<const std::uint8_t> data, int version,
                                               Ecc ecc);
// The 15 format information bits (level, mask, BCH(15,5) code, XOR 101010000010010); the
// most significant bit is the first level bit.
std::uint32_t format_bits(Ecc ecc, int mask);
// The 18 version information bits of versions 7..40 (version, BCH(18,6) code).
std::uint32_t version_bits(int version);

}  // namespace detail
}  // namespace carnet::web
