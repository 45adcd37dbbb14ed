#include "tools/web/qr_code.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/status_matchers.hpp"
#include "support/temp_dir.hpp"

namespace carnet::web {
namespace {

constexpr std::array<Ecc, 4> kLevels = {Ecc::kLow, Ecc::kMedium, Ecc::kQuartile, Ecc::kHigh};
constexpr int kPixelsPerModule = 4;
constexpr int kQuietZone = 4;

const char* level_name(Ecc ecc) {
  switch (ecc) {
    case Ecc::kLow:
      return "L";
    case Ecc::kMedium:
      return "M";
    case Ecc::kQuartile:
      return "Q";
    case Ecc::kHigh:
      return "H";
  }
  return "?";
}

// `n` printable ASCII bytes that differ from one position to the next.
std::string filler(std::size_t n) {
  static constexpr std::string_view kAlphabet =
      "abcdefghijklmnopqrstuvwxyz0123456789-./:?=&ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string s;
  std::uint32_t x = 12345;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1103515245U + 12345U;
    s.push_back(kAlphabet[(x >> 16) % kAlphabet.size()]);
  }
  return s;
}

// The most bytes version `version` holds in byte mode at `ecc`: the standard's capacity
// arithmetic (4 mode bits, 8 or 16 count bits, 8 bits a byte).
int byte_capacity(int version, Ecc ecc) {
  return (detail::data_codewords(version, ecc) * 8 - 4 - (version <= 9 ? 8 : 16)) / 8;
}

// The 15 format bits as written around the top-left finder (first copy) or beside the other
// two (second copy), most significant bit first, read back from the modules.
std::uint32_t read_format(const QrCode& code, bool second_copy) {
  const int s = code.size();
  std::vector<std::pair<int, int>> at;  // (x, y) of bits 14 down to 0
  if (!second_copy) {
    for (int x = 0; x <= 5; ++x) at.emplace_back(x, 8);
    at.emplace_back(7, 8);
    at.emplace_back(8, 8);
    at.emplace_back(8, 7);
    for (int y = 5; y >= 0; --y) at.emplace_back(8, y);
  } else {
    for (int y = s - 1; y >= s - 7; --y) at.emplace_back(8, y);
    for (int x = s - 8; x <= s - 1; ++x) at.emplace_back(x, 8);
  }
  std::uint32_t bits = 0;
  for (const auto& [x, y] : at) bits = (bits << 1) | (code.module(x, y) ? 1U : 0U);
  return bits;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A reader of the symbol that is not ours: zbarimg from Debian's zbar-tools.
class QrCodeDecode : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v zbarimg >/dev/null 2>&1") != 0) {
      FAIL() << "zbarimg is not installed: run tools/dev build (it installs zbar-tools), or "
                "apt-get install zbar-tools";
    }
  }

  // Writes `code` as a binary PBM, 4 pixels per module with the 4-module quiet zone.
  std::string write_pbm(const QrCode& code, const std::string& name) const {
    const std::string path = dir_.file(name + ".pbm");
    const int side = (code.size() + 2 * kQuietZone) * kPixelsPerModule;
    std::ofstream out(path, std::ios::binary);
    out << "P4\n" << side << " " << side << "\n";
    for (int py = 0; py < side; ++py) {
      std::vector<unsigned char> row(static_cast<std::size_t>((side + 7) / 8), 0);
      for (int px = 0; px < side; ++px) {
        if (code.module(px / kPixelsPerModule - kQuietZone, py / kPixelsPerModule - kQuietZone)) {
          row[static_cast<std::size_t>(px / 8)] |= static_cast<unsigned char>(0x80U >> (px % 8));
        }
      }
      out.write(reinterpret_cast<const char*>(row.data()),
                static_cast<std::streamsize>(row.size()));
    }
    return path;
  }

  // What zbarimg reads in the symbol; fails the test if it reads nothing.
  std::string decode(const QrCode& code, const std::string& name) const {
    const std::string path = write_pbm(code, name);
    const std::string errors = dir_.file(name + ".err");
    const std::string command = "zbarimg --raw -q '" + path + "' 2>'" + errors + "'";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
      ADD_FAILURE() << "popen failed: " << command;
      return {};
    }
    std::string text;
    std::array<char, 4096> buf;
    for (std::size_t n; (n = fread(buf.data(), 1, buf.size(), pipe)) > 0;)
      text.append(buf.data(), n);
    const int status = pclose(pipe);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "zbarimg found no symbol in " << name << " (version " << code.version() << ", mask "
        << code.mask() << "): " << slurp(errors);
    if (!text.empty() && text.back() == '\n') text.pop_back();  // zbarimg ends each symbol with one
    return text;
  }

  // Encodes `text` at `ecc`, has zbarimg read it back, and returns the symbol.
  QrCode round_trip(const std::string& text, Ecc ecc, const std::string& name) const {
    auto code = QrCode::encode(text, ecc);
    EXPECT_OK(code);
    if (!code) return QrCode::encode("").value();
    EXPECT_EQ(decode(*code, name), text)
        << name << ", level " << level_name(ecc) << ", version " << code->version();
    return *code;
  }

  testing::TempDir dir_;
};

// ---- the standard's numbers ----

TEST(QrCode, ReedSolomonMatchesPublishedExamples) {
  // "HELLO WORLD" at 1-M in alphanumeric mode, the worked example of the Thonky QR Code
  // tutorial: 16 data codewords, then the 10 error correction codewords it publishes.
  const std::vector<std::uint8_t> hello = {32, 91, 11,  120, 209, 114, 220, 77,
                                           67, 64, 236, 17,  236, 17,  236, 17};
  EXPECT_EQ(detail::reed_solomon(hello, 10),
            (std::vector<std::uint8_t>{196, 35, 39, 119, 235, 215, 231, 226, 93, 23}));
  // "01234567" at 1-M in numeric mode, the encoding example of ISO/IEC 18004 Annex I.
  const std::vector<std::uint8_t> digits = {0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11,
                                            0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11};
  EXPECT_EQ(
      detail::reed_solomon(digits, 10),
      (std::vector<std::uint8_t>{0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55}));
  // A single block is data then error correction, unchanged.
  std::vector<std::uint8_t> whole = digits;
  whole.insert(whole.end(), {0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55});
  EXPECT_EQ(detail::add_error_correction(digits, 1, Ecc::kMedium), whole);
}

TEST(QrCode, InterleavesBlocksAsThePublishedExample) {
  // The 5-Q example of the Thonky QR Code tutorial: 62 data codewords in two blocks of 15 and
  // two of 16, 18 error correction codewords each, and the final sequence it publishes.
  const std::vector<std::uint8_t> data = {
      67,  85,  70,  134, 87,  38,  85, 194, 119, 50,  6,   18,  6,   103, 38,  246,
      246, 66,  7,   118, 134, 242, 7,  38,  86,  22,  198, 199, 146, 6,   182, 230,
      247, 119, 50,  7,   118, 134, 87, 38,  82,  6,   134, 151, 50,  7,   70,  247,
      118, 86,  194, 6,   151, 50,  16, 236, 17,  236, 17,  236, 17,  236};
  const std::vector<std::uint8_t> expected = {
      67,  246, 182, 70,  85,  246, 230, 247, 70,  66,  247, 118, 134, 7,   119, 86,  87,
      118, 50,  194, 38,  134, 7,   6,   85,  242, 118, 151, 194, 7,   134, 50,  119, 38,
      87,  16,  50,  86,  38,  236, 6,   22,  82,  17,  18,  198, 6,   236, 6,   199, 134,
      17,  103, 146, 151, 236, 38,  6,   50,  17,  7,   236, 213, 87,  148, 235, 199, 204,
      116, 159, 11,  96,  177, 5,   45,  60,  212, 173, 115, 202, 76,  24,  247, 182, 133,
      147, 241, 124, 75,  59,  223, 157, 242, 33,  229, 200, 238, 106, 248, 134, 76,  40,
      154, 27,  195, 255, 117, 129, 230, 172, 154, 209, 189, 82,  111, 17,  10,  2,   86,
      163, 108, 131, 161, 163, 240, 32,  111, 120, 192, 178, 39,  133, 141, 236};
  ASSERT_EQ(data.size(), 62u);
  ASSERT_EQ(expected.size(), 134u);
  EXPECT_EQ(detail::add_error_correction(data, 5, Ecc::kQuartile), expected);
}

TEST(QrCode, ByteModeCodewordsDerivedByHand) {
  // "AB" at 1-M: 0100 (byte mode) 00000010 (count 2) 01000001 ('A') 01000010 ('B') 0000
  // (terminator), i.e. 0x40 0x24 0x14 0x20, then pad codewords 0xEC 0x11 up to 16.
  EXPECT_EQ(detail::byte_mode_codewords("AB", 1, Ecc::kMedium),
            (std::vector<std::uint8_t>{0x40, 0x24, 0x14, 0x20, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11,
                                       0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11}));
  // From version 10 the count takes 16 bits: 0100 0000000000000001 01111010 ('z') 0000.
  const std::vector<std::uint8_t> z = detail::byte_mode_codewords("z", 10, Ecc::kHigh);
  ASSERT_EQ(z.size(), 122u);
  EXPECT_EQ(z[0], 0x40);
  EXPECT_EQ(z[1], 0x00);
  EXPECT_EQ(z[2], 0x17);
  EXPECT_EQ(z[3], 0xA0);
  EXPECT_EQ(z[4], 0xEC);
  EXPECT_EQ(z[5], 0x11);
  EXPECT_EQ(z[121], 0x11);
  // A full symbol has no room for the terminator: 14 bytes fill 1-M exactly (4+8+112 = 124
  // bits), leaving 4 zero bits and no pad codeword.
  const std::vector<std::uint8_t> full =
      detail::byte_mode_codewords(std::string(14, '\xFF'), 1, Ecc::kMedium);
  ASSERT_EQ(full.size(), 16u);
  EXPECT_EQ(full[0], 0x40);
  EXPECT_EQ(full[1], 0xEF);
  EXPECT_EQ(full[14], 0xFF);
  EXPECT_EQ(full[15], 0xF0);
}

TEST(QrCode, FormatBitsMatchTheStandardTable) {
  // ISO/IEC 18004 Annex C, Table C.1.
  EXPECT_EQ(detail::format_bits(Ecc::kMedium, 0), 0b101010000010010u);
  EXPECT_EQ(detail::format_bits(Ecc::kMedium, 1), 0b101000100100101u);
  EXPECT_EQ(detail::format_bits(Ecc::kMedium, 2), 0b101111001111100u);
  EXPECT_EQ(detail::format_bits(Ecc::kMedium, 5), 0b100000011001110u);
  const std::array<std::uint32_t, 8> low = {0x77C4, 0x72F3, 0x7DAA, 0x789D,
                                            0x662F, 0x6318, 0x6C41, 0x6976};
  for (int mask = 0; mask < 8; ++mask)
    EXPECT_EQ(detail::format_bits(Ecc::kLow, mask), low[static_cast<std::size_t>(mask)]) << mask;
}

TEST(QrCode, VersionBitsMatchTheStandardTable) {
  // ISO/IEC 18004 Annex D, Table D.1.
  EXPECT_EQ(detail::version_bits(7), 0x07C94u);
  EXPECT_EQ(detail::version_bits(8), 0x085BCu);
  EXPECT_EQ(detail::version_bits(10), 0x0A4D3u);
  EXPECT_EQ(detail::version_bits(25), 0x191E1u);
  EXPECT_EQ(detail::version_bits(40), 0x28C69u);
}

TEST(QrCode, CapacitiesMatchTheStandardTables) {
  // Total codewords per version (ISO/IEC 18004 Table 1) and data codewords per level (Table 9).
  const std::array<int, 40> total = {26,   44,   70,   100,  134,  172,  196,  242,  292,  346,
                                     404,  466,  532,  581,  655,  733,  815,  901,  991,  1085,
                                     1156, 1258, 1364, 1474, 1588, 1706, 1828, 1921, 2051, 2185,
                                     2323, 2465, 2611, 2761, 2876, 3034, 3196, 3362, 3532, 3706};
  const std::array<std::array<int, 40>, 4> data = {{
      {19,   34,   55,   80,   108,  136,  156,  194,  232,  274,  324,  370,  428,  461,
       523,  589,  647,  721,  795,  861,  932,  1006, 1094, 1174, 1276, 1370, 1468, 1531,
       1631, 1735, 1843, 1955, 2071, 2191, 2306, 2434, 2566, 2702, 2812, 2956},
      {16,   28,   44,   64,   86,   108,  124,  154,  182,  216,  254,  290,  334,  365,
       415,  453,  507,  563,  627,  669,  714,  782,  860,  914,  1000, 1062, 1128, 1193,
       1267, 1373, 1455, 1541, 1631, 1725, 1812, 1914, 1992, 2102, 2216, 2334},
      {13,  22,  34,   48,   62,   76,   88,   110,  132,  154,  180,  206, 244, 261,
       295, 325, 367,  397,  445,  485,  512,  568,  614,  664,  718,  754, 808, 871,
       911, 985, 1033, 1115, 1171, 1231, 1286, 1354, 1426, 1502, 1582, 1666},
      {9,   16,  26,  36,  46,  60,  66,  86,   100,  122,  140,  158, 180, 197,
       223, 253, 283, 313, 341, 385, 406, 442,  464,  514,  538,  596, 628, 661,
       701, 745, 793, 845, 901, 961, 986, 1054, 1096, 1142, 1222, 1276},
  }};
  for (int v = 1; v <= 40; ++v) {
    const auto i = static_cast<std::size_t>(v - 1);
    EXPECT_EQ(detail::total_codewords(v), total[i]) << "version " << v;
    for (std::size_t l = 0; l < kLevels.size(); ++l) {
      EXPECT_EQ(detail::data_codewords(v, kLevels[l]), data[l][i])
          << "version " << v << "-" << level_name(kLevels[l]);
    }
  }
  // Byte mode at version 40 (Table 7): 2953, 2331, 1663 and 1273 bytes.
  EXPECT_EQ(byte_capacity(40, Ecc::kLow), 2953);
  EXPECT_EQ(byte_capacity(40, Ecc::kMedium), 2331);
  EXPECT_EQ(byte_capacity(40, Ecc::kQuartile), 1663);
  EXPECT_EQ(byte_capacity(40, Ecc::kHigh), 1273);
}

// ---- the symbol ----

TEST(QrCode, PicksTheSmallestVersionThatFits) {
  for (const Ecc ecc : kLevels) {
    for (int v = 1; v <= 40; ++v) {
      const auto n = static_cast<std::size_t>(byte_capacity(v, ecc));
      auto fits = QrCode::encode(filler(n), ecc);
      ASSERT_OK(fits);
      EXPECT_EQ(fits->version(), v) << n << " bytes at " << level_name(ecc);
      EXPECT_EQ(fits->size(), 17 + 4 * v);
      EXPECT_EQ(fits->ecc(), ecc);
      if (v < 40) {
        auto next = QrCode::encode(filler(n + 1), ecc);
        ASSERT_OK(next);
        EXPECT_EQ(next->version(), v + 1) << n + 1 << " bytes at " << level_name(ecc);
      }
    }
  }
  auto empty = QrCode::encode("");
  ASSERT_OK(empty);
  EXPECT_EQ(empty->version(), 1);
}

TEST(QrCode, RefusesTooLongInput) {
  const std::array<std::size_t, 4> limits = {2953, 2331, 1663, 1273};
  for (std::size_t l = 0; l < kLevels.size(); ++l) {
    EXPECT_OK(QrCode::encode(filler(limits[l]), kLevels[l]));
    auto too_long = QrCode::encode(filler(limits[l] + 1), kLevels[l]);
    ASSERT_FALSE(too_long) << level_name(kLevels[l]);
    EXPECT_EQ(too_long.error().code(), core::StatusCode::kInvalidArgument);
    EXPECT_NE(too_long.error().message().find("texte trop long pour un code QR"), std::string::npos)
        << too_long.error().message();
  }
  EXPECT_FALSE(QrCode::encode(std::string(100000, 'x'), Ecc::kLow));
}

TEST(QrCode, MaskIsChosenAmongAllEight) {
  std::set<int> masks;
  for (std::size_t n = 0; n < 120; ++n) {
    auto code = QrCode::encode(filler(n) + std::to_string(n), kLevels[n % 4]);
    ASSERT_OK(code);
    EXPECT_GE(code->mask(), 0);
    EXPECT_LE(code->mask(), 7);
    masks.insert(code->mask());
  }
  // The penalty decides, so different texts end on different masks.
  EXPECT_GE(masks.size(), 4u);
}

TEST(QrCode, FormatAndVersionInformationAreInTheSymbol) {
  for (const Ecc ecc : kLevels) {
    for (const std::size_t n : {5u, 60u, 400u}) {
      auto code = QrCode::encode(filler(n), ecc);
      ASSERT_OK(code);
      const std::uint32_t expected = detail::format_bits(ecc, code->mask());
      EXPECT_EQ(read_format(*code, false), expected);
      EXPECT_EQ(read_format(*code, true), expected);
      EXPECT_TRUE(code->module(8, code->size() - 8));  // the dark module
      if (code->version() >= 7) {
        // Top-right block, bit 0 at (size-11, 0), three bits a row.
        std::uint32_t bits = 0;
        for (int i = 17; i >= 0; --i)
          bits = (bits << 1) | (code->module(code->size() - 11 + i % 3, i / 3) ? 1U : 0U);
        EXPECT_EQ(bits, detail::version_bits(code->version()));
      }
    }
  }
}

TEST(QrCode, FinderAndTimingPatterns) {
  auto code = QrCode::encode("carnet", Ecc::kHigh);
  ASSERT_OK(code);
  const int s = code->size();
  for (const auto& [ox, oy] : std::vector<std::pair<int, int>>{{0, 0}, {s - 7, 0}, {0, s - 7}}) {
    for (int y = -1; y <= 7; ++y) {
      for (int x = -1; x <= 7; ++x) {
        const int ring = std::max(std::abs(x - 3), std::abs(y - 3));
        EXPECT_EQ(code->module(ox + x, oy + y), ring != 2 && ring != 4) << ox + x << "," << oy + y;
      }
    }
  }
  for (int i = 8; i < s - 8; ++i) {
    EXPECT_EQ(code->module(i, 6), i % 2 == 0);
    EXPECT_EQ(code->module(6, i), i % 2 == 0);
  }
  EXPECT_FALSE(code->module(-1, 0));
  EXPECT_FALSE(code->module(0, s));
}

// ---- read back by zbarimg ----

TEST_F(QrCodeDecode, ShortAsciiText) { round_trip("Carnet", Ecc::kMedium, "short"); }

TEST_F(QrCodeDecode, EnrollmentCodeAtEveryLevel) {
  const std::string fingerprint =
      "7A:75:51:A1:88:E3:F1:C7:63:0A:1A:B1:4A:BC:A0:0C:0B:18:6B:79:0A:E5:E2:C9:12:46:5E:BA:E0:23:"
      "3A:32";
  ASSERT_EQ(fingerprint.size(), 95u);
  const std::string text =
      "carnet://enroll?central=https://central.example:8443&code=7Q4M-XK2P-9RTA&ca=" + fingerprint;
  for (const Ecc ecc : kLevels) {
    const QrCode code = round_trip(text, ecc, std::string("enroll-") + level_name(ecc));
    EXPECT_GE(code.version(), 7) << level_name(ecc);  // 170 bytes need version information
  }
}

TEST_F(QrCodeDecode, FrenchUtf8Text) {
  const std::string text = "Maison d'accueil « Les Tilleuls » — Liège";
  for (const Ecc ecc : kLevels) round_trip(text, ecc, std::string("french-") + level_name(ecc));
}

TEST_F(QrCodeDecode, VersionsOneTwoSevenTenTwentyFive) {
  for (const int v : {1, 2, 7, 10, 25}) {
    const std::string text = filler(static_cast<std::size_t>(byte_capacity(v, Ecc::kMedium)));
    const QrCode code = round_trip(text, Ecc::kMedium, "v" + std::to_string(v));
    EXPECT_EQ(code.version(), v);
  }
}

TEST_F(QrCodeDecode, EveryVersionFilledToCapacity) {
  // Each version once, the level turning with it, so every row of the block tables is read.
  for (int v = 1; v <= 40; ++v) {
    const Ecc ecc = kLevels[static_cast<std::size_t>(v % 4)];
    const QrCode code = round_trip(filler(static_cast<std::size_t>(byte_capacity(v, ecc))), ecc,
                                   "full-v" + std::to_string(v));
    EXPECT_EQ(code.version(), v);
  }
}

// ---- SVG ----

TEST(QrCode, SvgIsWellFormedAndEscapesTheTitle) {
  auto code = QrCode::encode("carnet://enroll?code=7Q4M");
  ASSERT_OK(code);
  const std::string svg = qr_svg(*code, 5, "Code <tablette> & \"Liège\" l'a");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u) << svg.substr(0, 40);
  EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
  EXPECT_NE(svg.find("role=\"img\""), std::string::npos);
  EXPECT_NE(svg.find("<title>Code &lt;tablette&gt; &amp; &quot;Liège&quot; l&apos;a</title>"),
            std::string::npos)
      << svg;
  const int side = code->size() + 8;
  EXPECT_NE(svg.find("width=\"" + std::to_string(side * 5) + "\""), std::string::npos);
  EXPECT_NE(svg.find("viewBox=\"0 0 " + std::to_string(side) + " " + std::to_string(side) + "\""),
            std::string::npos);
  EXPECT_EQ(svg.find("<path"), svg.rfind("<path"));  // one path

  const std::string plain = qr_svg(*code);
  EXPECT_EQ(plain.find("<title"), std::string::npos);
  EXPECT_EQ(plain.find("role="), std::string::npos);
  EXPECT_NE(plain.find("width=\"" + std::to_string(side * 6) + "\""), std::string::npos);
}

TEST(QrCode, SvgPathPaintsExactlyTheDarkModules) {
  auto code = QrCode::encode(filler(300), Ecc::kQuartile);
  ASSERT_OK(code);
  const std::string svg = qr_svg(*code);
  const std::size_t start = svg.find(" d=\"") + 4;
  const std::string d = svg.substr(start, svg.find('"', start) - start);
  // Every subpath is "Mx yhNv1h-Nz": a run of N modules on one row.
  const int side = code->size() + 8;
  std::vector<int> painted(static_cast<std::size_t>(side * side), 0);
  std::istringstream in(d);
  char m, h, v, h2, z;
  int x, y, run, one, back;
  while (in >> m >> x >> y >> h >> run >> v >> one >> h2 >> back >> z) {
    ASSERT_TRUE(m == 'M' && h == 'h' && v == 'v' && one == 1 && h2 == 'h' && back == -run &&
                z == 'z')
        << d;
    for (int i = 0; i < run; ++i) ++painted[static_cast<std::size_t>(y * side + x + i)];
  }
  ASSERT_TRUE(in.eof()) << d;
  for (int py = 0; py < side; ++py) {
    for (int px = 0; px < side; ++px) {
      ASSERT_EQ(painted[static_cast<std::size_t>(py * side + px)],
                code->module(px - 4, py - 4) ? 1 : 0)
          << px << "," << py;
    }
  }
}

}  // namespace
}  // namespace carnet::web
