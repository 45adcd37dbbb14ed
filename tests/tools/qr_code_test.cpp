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
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/status_matchers.hpp"
#include "support/temp_dir.hpp"
#include "sync/enrollment_link.hpp"

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

// The most bytes a symbol holds in byte mode (ISO/IEC 18004 Table 7) at versions 1, 2, 7, 10,
// 25 and 40, levels in the order of Ecc.
constexpr std::array<int, 6> kTableVersions = {1, 2, 7, 10, 25, 40};
constexpr std::array<std::array<int, 6>, 4> kTableBytes = {{
    {17, 32, 154, 271, 1273, 2953},
    {14, 26, 122, 213, 997, 2331},
    {11, 20, 86, 151, 715, 1663},
    {7, 14, 64, 119, 535, 1273},
}};

// The most bytes of filler() that `version` holds at `ecc`, as the encoder decides.
std::size_t capacity(int version, Ecc ecc) {
  std::size_t lo = 0,
              hi = 2954;  // encode(filler(lo)) fits in `version`, encode(filler(hi)) does not
  while (lo + 1 < hi) {
    const std::size_t mid = (lo + hi) / 2;
    auto code = QrCode::encode(filler(mid), ecc);
    if (code && code->version() <= version) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
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
    return write_pbm(
        code.size(), [&](int x, int y) { return code.module(x, y); }, name);
  }

  // The same for a symbol of `size` modules whose dark ones `dark(x, y)` tells.
  template <class Dark>
  std::string write_pbm(int size, const Dark& dark, const std::string& name) const {
    const std::string path = dir_.file(name + ".pbm");
    const int side = (size + 2 * kQuietZone) * kPixelsPerModule;
    std::ofstream out(path, std::ios::binary);
    out << "P4\n" << side << " " << side << "\n";
    for (int py = 0; py < side; ++py) {
      std::vector<unsigned char> row(static_cast<std::size_t>((side + 7) / 8), 0);
      for (int px = 0; px < side; ++px) {
        if (dark(px / kPixelsPerModule - kQuietZone, py / kPixelsPerModule - kQuietZone)) {
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
    return read(write_pbm(code, name), name, code.version());
  }

  // What zbarimg reads in the PBM at `path`.
  std::string read(const std::string& path, const std::string& name, int version) const {
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
        << "zbarimg found no symbol in " << name << " (version " << version
        << "): " << slurp(errors);
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

// ---- the symbol ----

TEST(QrCode, PicksTheSmallestVersionThatFits) {
  for (std::size_t l = 0; l < kLevels.size(); ++l) {
    const Ecc ecc = kLevels[l];
    for (std::size_t t = 0; t < kTableVersions.size(); ++t) {
      const int v = kTableVersions[t];
      const auto n = static_cast<std::size_t>(kTableBytes[l][t]);
      auto fits = QrCode::encode(filler(n), ecc);
      ASSERT_OK(fits);
      EXPECT_EQ(fits->version(), v) << n << " bytes at " << level_name(ecc);
      EXPECT_EQ(fits->size(), 17 + 4 * v);
      EXPECT_EQ(fits->ecc(), ecc);
      EXPECT_EQ(capacity(v, ecc), n) << "version " << v << "-" << level_name(ecc);
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

TEST(QrCode, TheSymbolSaysTheLevelAskedFor) {
  // The format information, unmasked (XOR 101010000010010), starts with the level's two bits
  // (ISO/IEC 18004 Table 12): L 01, M 00, Q 11, H 10; both copies agree.
  const std::array<std::uint32_t, 4> level_bits = {1, 0, 3, 2};
  for (std::size_t l = 0; l < kLevels.size(); ++l) {
    for (const std::size_t n : {0u, 5u, 60u, 400u}) {
      auto code = QrCode::encode(filler(n), kLevels[l]);
      ASSERT_OK(code);
      const std::uint32_t format = read_format(*code, false);
      EXPECT_EQ(read_format(*code, true), format);
      EXPECT_EQ((format ^ 0x5412U) >> 13, level_bits[l])
          << n << " bytes at " << level_name(kLevels[l]);
      EXPECT_TRUE(code->module(8, code->size() - 8));  // the dark module
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
    const std::string text = filler(capacity(v, Ecc::kMedium));
    const QrCode code = round_trip(text, Ecc::kMedium, "v" + std::to_string(v));
    EXPECT_EQ(code.version(), v);
  }
}

TEST_F(QrCodeDecode, EveryVersionFilledToCapacity) {
  // Each version once, the level turning with it, so every row of the block tables is read.
  for (int v = 1; v <= 40; ++v) {
    const Ecc ecc = kLevels[static_cast<std::size_t>(v % 4)];
    const QrCode code = round_trip(filler(capacity(v, ecc)), ecc, "full-v" + std::to_string(v));
    EXPECT_EQ(code.version(), v);
  }
}

// The enrollment link as the office app shows it (tools/central/office_app.cpp: level M, 4
// pixels a module), read back from the SVG's own path by zbarimg: what a tablet's camera sees.
TEST_F(QrCodeDecode, EnrollmentLinkReadBackFromTheSvg) {
  const std::string fingerprint =
      "7A:75:51:A1:88:E3:F1:C7:63:0A:1A:B1:4A:BC:A0:0C:0B:18:6B:79:0A:E5:E2:C9:12:46:5E:BA:E0:23:"
      "3A:32";
  for (const std::string central : {"https://localhost", "https://central.example:8443",
                                    "https://carnet-central.interieur.wallonie.be:8443"}) {
    const std::string link = sync::format_enrollment_link({central, "7Q4M-XK2P-9RTA", fingerprint});
    auto code = QrCode::encode(link, Ecc::kMedium);
    ASSERT_OK(code);
    const std::string svg = qr_svg(*code, 4, "Code QR d'enrôlement");
    // The modules the path paints: "Mx yhNv1h-Nz" a run of N modules on row y.
    const int side = code->size() + 2 * kQuietZone;
    std::vector<bool> dark(static_cast<std::size_t>(side * side), false);
    const std::size_t start = svg.find(" d=\"") + 4;
    std::istringstream in(svg.substr(start, svg.find('"', start) - start));
    char m, h, v, h2, z;
    int x, y, run, one, back;
    while (in >> m >> x >> y >> h >> run >> v >> one >> h2 >> back >> z) {
      for (int i = 0; i < run; ++i) dark[static_cast<std::size_t>(y * side + x + i)] = true;
    }
    const std::string name = "enroll-svg-" + std::to_string(link.size());
    const std::string path = write_pbm(
        code->size(),
        [&](int mx, int my) {
          const int px = mx + kQuietZone, py = my + kQuietZone;
          return px >= 0 && py >= 0 && px < side && py < side &&
                 dark[static_cast<std::size_t>(py * side + px)];
        },
        name);
    EXPECT_EQ(read(path, name, code->version()), link) << "version " << code->version();
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
