#include "tools/web/qr_code.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdlib>
#include <limits>
#include <utility>

namespace carnet::web {
namespace {

constexpr int kMinVersion = 1;
constexpr int kMaxVersion = 40;
constexpr int kMaskCount = 8;
constexpr int kQuietZone = 4;  // modules of light margin on each side

// ISO/IEC 18004 Table 9, indexed [level][version - 1] with levels in the order L, M, Q, H
// (the order of Ecc). Every block of one symbol has the same number of error correction
// codewords; the data codewords are spread over the blocks as evenly as possible.
constexpr std::array<std::array<int, 40>, 4> kEcCodewordsPerBlock = {{
    {7,  10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
     28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
    {10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
     26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28},
    {13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
     28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
    {17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
     30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
}};
constexpr std::array<std::array<int, 40>, 4> kBlockCount = {{
    {1, 1, 1, 1,  1,  2,  2,  2,  2,  4,  4,  4,  4,  4,  6,  6,  6,  6,  7,  8,
     8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25},
    {1,  1,  1,  2,  2,  4,  4,  4,  5,  5,  5,  8,  9,  9,  10, 10, 11, 13, 14, 16,
     17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49},
    {1,  1,  2,  2,  4,  4,  6,  6,  8,  8,  8,  10, 12, 16, 12, 17, 16, 18, 21, 20,
     23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68},
    {1,  1,  2,  4,  4,  4,  5,  6,  8,  8,  11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
     25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81},
}};

std::size_t level_index(Ecc ecc) { return static_cast<std::size_t>(ecc); }
std::size_t version_index(int version) { return static_cast<std::size_t>(version - 1); }
int ec_per_block(int version, Ecc ecc) {
  return kEcCodewordsPerBlock[level_index(ecc)][version_index(version)];
}
int block_count(int version, Ecc ecc) {
  return kBlockCount[level_index(ecc)][version_index(version)];
}

// The two format information bits of a level (Table 12): L 01, M 00, Q 11, H 10.
std::uint32_t level_bits(Ecc ecc) {
  switch (ecc) {
    case Ecc::kLow:
      return 1;
    case Ecc::kMedium:
      return 0;
    case Ecc::kQuartile:
      return 3;
    case Ecc::kHigh:
      return 2;
  }
  std::abort();
}

char level_letter(Ecc ecc) { return "LMQH"[level_index(ecc)]; }

int symbol_size(int version) { return 17 + 4 * version; }

// Bits of the character count indicator in byte mode (Table 3).
int count_bits(int version) { return version <= 9 ? 8 : 16; }

// Centre coordinates of the alignment patterns along one axis (Annex E): 6, then evenly
// spaced down from size - 7 by an even step, the first gap taking what is left. Version 32 is
// the one version whose tabulated step (26) is not the smallest even step that fits.
std::vector<int> alignment_centres(int version) {
  if (version == 1) return {};
  const int count = version / 7 + 2;
  const int last = symbol_size(version) - 7;
  int step = (last - 6 + count - 2) / (count - 1);  // ceil((last - 6) / (count - 1))
  step += step % 2;
  if (version == 32) step = 26;
  std::vector<int> centres(static_cast<std::size_t>(count));
  centres[0] = 6;
  for (int i = count - 1, c = last; i >= 1; --i, c -= step)
    centres[static_cast<std::size_t>(i)] = c;
  return centres;
}

// Galois field GF(2^8) with the QR Code polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D), as
// tables of the powers of its primitive element 2 and of their logarithms.
struct Gf256 {
  // exp[i] = 2^i, stored twice over so that exp[log a + log b] needs no modulo.
  std::array<std::uint8_t, 510> exp{};
  std::array<std::uint8_t, 256> log{};  // log[2^i] = i; log[0] unused

  constexpr Gf256() {
    unsigned x = 1;
    for (std::size_t i = 0; i < 255; ++i) {
      exp[i] = static_cast<std::uint8_t>(x);
      exp[i + 255] = static_cast<std::uint8_t>(x);
      log[x] = static_cast<std::uint8_t>(i);
      x <<= 1;
      if (x & 0x100) x ^= 0x11D;
    }
  }

  constexpr std::uint8_t mul(std::uint8_t a, std::uint8_t b) const {
    if (a == 0 || b == 0) return 0;
    return exp[std::size_t{log[a]} + std::size_t{log[b]}];
  }
};

constexpr Gf256 kGf;

// Appends bits most significant first and packs them into codewords.
class BitWriter {
 public:
  void put(std::uint32_t value, int bits) {
    for (int i = bits - 1; i >= 0; --i) {
      if (bit_count_ % 8 == 0) bytes_.push_back(0);
      if ((value >> i) & 1U)
        bytes_.back() = static_cast<std::uint8_t>(bytes_.back() | (0x80U >> (bit_count_ % 8)));
      ++bit_count_;
    }
  }
  std::size_t bit_count() const { return bit_count_; }
  std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t bit_count_ = 0;
};

// The module grid while a symbol is built: colours, and which modules belong to function
// patterns (finders, separators, timing, alignment, format and version information, the dark
// module), which neither data nor masks touch.
class Grid {
 public:
  explicit Grid(int version) : version_(version), size_(symbol_size(version)) {
    const auto cells = static_cast<std::size_t>(size_) * static_cast<std::size_t>(size_);
    dark_.assign(cells, 0);
    function_.assign(cells, 0);
    draw_function_patterns();
  }

  int size() const { return size_; }
  bool dark(int x, int y) const { return dark_[at(x, y)] != 0; }
  bool is_function(int x, int y) const { return function_[at(x, y)] != 0; }
  const std::vector<std::uint8_t>& cells() const { return dark_; }

  // Fills the data region in the standard's order: two-module columns from the right edge,
  // alternately upwards and downwards, skipping the vertical timing column; within a column
  // pair the right module comes first. Codewords are written most significant bit first;
  // the remainder bits left over stay light.
  void place_codewords(std::span<const std::uint8_t> codewords) {
    const std::size_t total_bits = codewords.size() * 8;
    std::size_t bit = 0;
    bool upwards = true;
    for (int right = size_ - 1; right >= 1; right -= 2) {
      if (right == 6) right = 5;  // column 6 is the vertical timing pattern
      for (int step = 0; step < size_; ++step) {
        const int y = upwards ? size_ - 1 - step : step;
        for (int x = right; x >= right - 1; --x) {
          if (is_function(x, y) || bit >= total_bits) continue;
          const std::uint8_t codeword = codewords[bit / 8];
          set(x, y, ((codeword >> (7 - bit % 8)) & 1U) != 0);
          ++bit;
        }
      }
      upwards = !upwards;
    }
    assert(bit == total_bits);
  }

  // Inverts the data modules selected by mask pattern `mask` (Table 10); applying it twice
  // restores the grid.
  void apply_mask(int mask) {
    for (int y = 0; y < size_; ++y) {
      for (int x = 0; x < size_; ++x) {
        if (!is_function(x, y) && mask_selects(mask, x, y)) dark_[at(x, y)] ^= 1;
      }
    }
  }

  // Writes both copies of the format information. Bit 14 is the most significant.
  void draw_format(std::uint32_t bits) {
    const auto bit = [bits](int i) { return ((bits >> i) & 1U) != 0; };
    // Around the top-left finder, from bit 0: down column 8 to row 8, then leftwards along
    // row 8, stepping over the timing pattern.
    for (int i = 0; i <= 5; ++i) set_function(8, i, bit(i));
    set_function(8, 7, bit(6));
    set_function(8, 8, bit(7));
    set_function(7, 8, bit(8));
    for (int i = 9; i <= 14; ++i) set_function(14 - i, 8, bit(i));
    // Split between the other two finders: row 8 from the right edge, then column 8 at the
    // bottom.
    for (int i = 0; i <= 7; ++i) set_function(size_ - 1 - i, 8, bit(i));
    for (int i = 8; i <= 14; ++i) set_function(8, size_ - 15 + i, bit(i));
    set_function(8, size_ - 8, true);  // the dark module, always dark
  }

 private:
  std::size_t at(int x, int y) const {
    assert(x >= 0 && x < size_ && y >= 0 && y < size_);
    return static_cast<std::size_t>(y) * static_cast<std::size_t>(size_) +
           static_cast<std::size_t>(x);
  }
  void set(int x, int y, bool dark) { dark_[at(x, y)] = dark ? 1 : 0; }
  void set_function(int x, int y, bool dark) {
    set(x, y, dark);
    function_[at(x, y)] = 1;
  }

  static bool mask_selects(int mask, int x, int y) {
    const int i = y;  // the standard's row
    const int j = x;  // and column
    switch (mask) {
      case 0:
        return (i + j) % 2 == 0;
      case 1:
        return i % 2 == 0;
      case 2:
        return j % 3 == 0;
      case 3:
        return (i + j) % 3 == 0;
      case 4:
        return (i / 2 + j / 3) % 2 == 0;
      case 5:
        return (i * j) % 2 + (i * j) % 3 == 0;
      case 6:
        return ((i * j) % 2 + (i * j) % 3) % 2 == 0;
      case 7:
        return ((i + j) % 2 + (i * j) % 3) % 2 == 0;
      default:
        std::abort();
    }
  }

  void draw_function_patterns() {
    for (int i = 0; i < size_; ++i) {  // timing patterns, dark on even coordinates
      set_function(6, i, i % 2 == 0);
      set_function(i, 6, i % 2 == 0);
    }
    draw_finder(3, 3);
    draw_finder(size_ - 4, 3);
    draw_finder(3, size_ - 4);
    const std::vector<int> centres = alignment_centres(version_);
    const int last = centres.empty() ? 0 : centres.back();
    for (const int cy : centres) {
      for (const int cx : centres) {
        const bool on_finder =
            (cx == 6 && cy == 6) || (cx == 6 && cy == last) || (cx == last && cy == 6);
        if (!on_finder) draw_alignment(cx, cy);
      }
    }
    draw_format(0);  // reserves the format areas; the real bits come with the mask
    if (version_ >= 7) draw_version(detail::version_bits(version_));
  }

  // A 7x7 finder centred on (cx, cy) with its light separator, clipped to the symbol.
  void draw_finder(int cx, int cy) {
    for (int dy = -4; dy <= 4; ++dy) {
      for (int dx = -4; dx <= 4; ++dx) {
        const int x = cx + dx;
        const int y = cy + dy;
        if (x < 0 || x >= size_ || y < 0 || y >= size_) continue;
        const int ring = std::max(std::abs(dx), std::abs(dy));
        set_function(x, y, ring != 2 && ring != 4);
      }
    }
  }

  // A 5x5 alignment pattern centred on (cx, cy): dark ring, light ring, dark centre.
  void draw_alignment(int cx, int cy) {
    for (int dy = -2; dy <= 2; ++dy) {
      for (int dx = -2; dx <= 2; ++dx)
        set_function(cx + dx, cy + dy, std::max(std::abs(dx), std::abs(dy)) != 1);
    }
  }

  // Both 6x3 version information blocks: bit 0 is nearest the top-left corner of the
  // top-right block, the bottom-left block is its transpose.
  void draw_version(std::uint32_t bits) {
    for (int i = 0; i < 18; ++i) {
      const bool dark = ((bits >> i) & 1U) != 0;
      const int a = size_ - 11 + i % 3;
      const int b = i / 3;
      set_function(a, b, dark);
      set_function(b, a, dark);
    }
  }

  int version_;
  int size_;
  std::vector<std::uint8_t> dark_;      // size_ * size_, row-major, 1 = dark
  std::vector<std::uint8_t> function_;  // same layout, 1 = function pattern module
};

// Penalty of one line (a row or a column) under rules N1 (runs of five or more modules of
// one colour: 3, plus 1 per module beyond five) and N3 (a 1:1:3:1:1 finder-like pattern with
// four light modules on at least one side: 40 each, the quiet zone counting as light).
int line_penalty(const std::vector<std::uint8_t>& line) {
  int score = 0;
  const int n = static_cast<int>(line.size());
  for (int start = 0; start < n;) {
    int end = start;
    while (end < n && line[static_cast<std::size_t>(end)] == line[static_cast<std::size_t>(start)])
      ++end;
    if (end - start >= 5) score += 3 + (end - start - 5);
    start = end;
  }
  const auto dark_at = [&line, n](int i) {
    return i >= 0 && i < n && line[static_cast<std::size_t>(i)] != 0;
  };
  const auto light_run = [&dark_at](int from) {
    for (int i = from; i < from + 4; ++i) {
      if (dark_at(i)) return false;
    }
    return true;
  };
  static constexpr std::array<bool, 7> kFinderLike = {true, false, true, true, true, false, true};
  for (int i = 0; i + 7 <= n; ++i) {
    bool match = true;
    for (int k = 0; k < 7 && match; ++k)
      match = dark_at(i + k) == kFinderLike[static_cast<std::size_t>(k)];
    if (match && (light_run(i - 4) || light_run(i + 7))) score += 40;
  }
  return score;
}

// The total penalty of a masked symbol: N1 and N3 over every row and column, N2 (3
// per 2x2 block of one colour, overlapping blocks each counted) and N4 (10 per full 5 % that
// the share of dark modules strays from 50 %).
int penalty(const Grid& grid) {
  const int size = grid.size();
  int score = 0;
  std::vector<std::uint8_t> line(static_cast<std::size_t>(size));
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) line[static_cast<std::size_t>(x)] = grid.dark(x, y) ? 1 : 0;
    score += line_penalty(line);
  }
  for (int x = 0; x < size; ++x) {
    for (int y = 0; y < size; ++y) line[static_cast<std::size_t>(y)] = grid.dark(x, y) ? 1 : 0;
    score += line_penalty(line);
  }
  for (int y = 0; y + 1 < size; ++y) {
    for (int x = 0; x + 1 < size; ++x) {
      const bool c = grid.dark(x, y);
      if (grid.dark(x + 1, y) == c && grid.dark(x, y + 1) == c && grid.dark(x + 1, y + 1) == c)
        score += 3;
    }
  }
  const auto total = static_cast<long>(size) * size;
  const auto dark =
      static_cast<long>(std::count(grid.cells().begin(), grid.cells().end(), std::uint8_t{1}));
  // Full 5 % steps away from half: |dark / total - 1/2| / (1/20), rounded down.
  const long steps = std::labs(20 * dark - 10 * total) / total;
  score += static_cast<int>(10 * steps);
  return score;
}

// The largest byte count that fits in version 40 at `ecc`.
int max_bytes(Ecc ecc) {
  return (detail::data_codewords(kMaxVersion, ecc) * 8 - 4 - count_bits(kMaxVersion)) / 8;
}

}  // namespace

namespace detail {

int total_codewords(int version) {
  assert(version >= kMinVersion && version <= kMaxVersion);
  const int size = symbol_size(version);
  // Every module minus the function patterns: three finders with their separators (8x8
  // each), both format information copies and the dark module (31), the two timing lines
  // between the separators, the alignment patterns (5x5, those on the timing lines sharing 5
  // modules with them) and the two version blocks (6x3 each, version 7 up).
  int function_modules = 3 * 64 + 31 + 2 * (size - 16);
  if (version >= 2) {
    const int per_axis = version / 7 + 2;
    function_modules += 25 * (per_axis * per_axis - 3) - 2 * 5 * (per_axis - 2);
  }
  if (version >= 7) function_modules += 2 * 18;
  return (size * size - function_modules) / 8;  // the remainder bits carry no codeword
}

int data_codewords(int version, Ecc ecc) {
  return total_codewords(version) - ec_per_block(version, ecc) * block_count(version, ecc);
}

std::vector<std::uint8_t> byte_mode_codewords(std::string_view bytes, int version, Ecc ecc) {
  const auto capacity_bits = static_cast<std::size_t>(data_codewords(version, ecc)) * 8;
  BitWriter out;
  out.put(0b0100, 4);  // mode indicator: byte
  out.put(static_cast<std::uint32_t>(bytes.size()), count_bits(version));
  for (const char c : bytes) out.put(static_cast<unsigned char>(c), 8);
  assert(out.bit_count() <= capacity_bits);
  out.put(0, static_cast<int>(
                 std::min<std::size_t>(4, capacity_bits - out.bit_count())));  // terminator
  if (out.bit_count() % 8 != 0) out.put(0, static_cast<int>(8 - out.bit_count() % 8));
  for (std::uint32_t pad = 0xEC; out.bit_count() < capacity_bits; pad ^= 0xEC ^ 0x11)
    out.put(pad, 8);
  return out.take();
}

std::vector<std::uint8_t> reed_solomon(std::span<const std::uint8_t> data, int ec_len) {
  assert(ec_len >= 1 && ec_len <= 254);
  const auto len = static_cast<std::size_t>(ec_len);
  // The generator (x - 2^0)(x - 2^1)...(x - 2^(ec_len-1)), coefficients from the highest
  // degree down; its leading 1 is implicit below.
  std::vector<std::uint8_t> generator = {1};
  for (std::size_t i = 0; i < len; ++i) {
    std::vector<std::uint8_t> next(generator.size() + 1, 0);
    for (std::size_t k = 0; k < generator.size(); ++k) {
      next[k] ^= generator[k];
      next[k + 1] ^= kGf.mul(generator[k], kGf.exp[i]);
    }
    generator = std::move(next);
  }
  // The remainder of data(x) * x^ec_len divided by the generator, by long division.
  std::vector<std::uint8_t> remainder(len, 0);
  for (const std::uint8_t d : data) {
    const auto factor = static_cast<std::uint8_t>(d ^ remainder[0]);
    std::rotate(remainder.begin(), remainder.begin() + 1, remainder.end());
    remainder[len - 1] = 0;
    for (std::size_t k = 0; k < len; ++k) remainder[k] ^= kGf.mul(generator[k + 1], factor);
  }
  return remainder;
}

std::vector<std::uint8_t> add_error_correction(std::span<const std::uint8_t> data, int version,
                                               Ecc ecc) {
  assert(data.size() == static_cast<std::size_t>(data_codewords(version, ecc)));
  const auto blocks = static_cast<std::size_t>(block_count(version, ecc));
  const auto ec_len = static_cast<std::size_t>(ec_per_block(version, ecc));
  const auto total = static_cast<std::size_t>(total_codewords(version));
  // The first blocks are one data codeword shorter than the last `long_blocks`.
  const std::size_t long_blocks = total % blocks;
  const std::size_t short_data = total / blocks - ec_len;
  std::vector<std::span<const std::uint8_t>> block_data;
  std::vector<std::vector<std::uint8_t>> block_ec;
  std::size_t offset = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    const std::size_t len = short_data + (b >= blocks - long_blocks ? 1 : 0);
    block_data.push_back(data.subspan(offset, len));
    block_ec.push_back(reed_solomon(block_data.back(), static_cast<int>(ec_len)));
    offset += len;
  }
  assert(offset == data.size());
  std::vector<std::uint8_t> out;
  out.reserve(total);
  for (std::size_t i = 0; i <= short_data; ++i) {
    for (const auto& block : block_data) {
      if (i < block.size()) out.push_back(block[i]);
    }
  }
  for (std::size_t i = 0; i < ec_len; ++i) {
    for (const auto& ec : block_ec) out.push_back(ec[i]);
  }
  assert(out.size() == total);
  return out;
}

std::uint32_t format_bits(Ecc ecc, int mask) {
  assert(mask >= 0 && mask < kMaskCount);
  const std::uint32_t data = (level_bits(ecc) << 3) | static_cast<std::uint32_t>(mask);
  std::uint32_t rem = data << 10;
  for (int i = 14; i >= 10; --i) {
    if ((rem >> i) & 1U)
      rem ^= 0x537U << (i - 10);  // generator x^10 + x^8 + x^5 + x^4 + x^2 + x + 1
  }
  return ((data << 10) | rem) ^ 0x5412U;
}

std::uint32_t version_bits(int version) {
  assert(version >= 7 && version <= kMaxVersion);
  const auto data = static_cast<std::uint32_t>(version);
  std::uint32_t rem = data << 12;
  for (int i = 17; i >= 12; --i) {
    if ((rem >> i) & 1U)
      rem ^= 0x1F25U << (i - 12);  // generator x^12 + x^11 + x^10 + x^9 + x^8 + x^5 + x^2 + 1
  }
  return (data << 12) | rem;
}

}  // namespace detail

QrCode::QrCode(int version, Ecc ecc, int mask, std::vector<std::uint8_t> modules)
    : version_(version),
      size_(symbol_size(version)),
      ecc_(ecc),
      mask_(mask),
      modules_(std::move(modules)) {}

bool QrCode::module(int x, int y) const {
  if (x < 0 || x >= size_ || y < 0 || y >= size_) return false;
  return modules_[static_cast<std::size_t>(y) * static_cast<std::size_t>(size_) +
                  static_cast<std::size_t>(x)] != 0;
}

core::Result<QrCode> QrCode::encode(std::string_view bytes, Ecc ecc) {
  int version = 0;
  for (int v = kMinVersion; v <= kMaxVersion && version == 0; ++v) {
    const auto capacity_bits = static_cast<std::size_t>(detail::data_codewords(v, ecc)) * 8;
    const auto needed_bits = 4 + static_cast<std::size_t>(count_bits(v)) + 8 * bytes.size();
    if (needed_bits <= capacity_bits) version = v;
  }
  if (version == 0) {
    return core::fail(core::Status::invalid_argument(
        "outils.qr_code.trop_long",
        {{"taille", bytes.size()}, {"max", max_bytes(ecc)}, {"niveau", std::string(1, level_letter(ecc))}}));
  }
  const std::vector<std::uint8_t> data = detail::byte_mode_codewords(bytes, version, ecc);
  Grid grid(version);
  grid.place_codewords(detail::add_error_correction(data, version, ecc));
  int best_mask = 0;
  int best_penalty = std::numeric_limits<int>::max();
  for (int mask = 0; mask < kMaskCount; ++mask) {
    grid.apply_mask(mask);
    grid.draw_format(detail::format_bits(ecc, mask));
    const int score = penalty(grid);
    if (score < best_penalty) {
      best_penalty = score;
      best_mask = mask;
    }
    grid.apply_mask(mask);  // undo
  }
  grid.apply_mask(best_mask);
  grid.draw_format(detail::format_bits(ecc, best_mask));
  return QrCode(version, ecc, best_mask, grid.cells());
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
