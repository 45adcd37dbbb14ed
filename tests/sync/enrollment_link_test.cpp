#include "sync/enrollment_link.hpp"

#include <gtest/gtest.h>

#include "sync/url_encoding.hpp"

namespace carnet::sync {
namespace {

TEST(EnrollmentLink, RoundTripsEveryValue) {
  const EnrollmentLink link{"https://central.example:8443", "7Q4M-XK2P-9RTA", "AB:CD:EF:01"};
  const std::string text = format_enrollment_link(link);
  EXPECT_EQ(text, "carnet://enroll?central=https%3A%2F%2Fcentral.example%3A8443&code=7Q4M-XK2P-9RTA&ca=AB%3ACD%3AEF%3A01");
  auto back = parse_enrollment_link(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->central_url, link.central_url);
  EXPECT_EQ(back->code, link.code);
  EXPECT_EQ(back->ca_fingerprint, link.ca_fingerprint);
  // Unencoded values and unknown parameters are taken too (a link typed by hand).
  auto typed = parse_enrollment_link("carnet://enroll?code=A&central=https://c:1&ca=AB:CD&v=2");
  ASSERT_TRUE(typed.has_value());
  EXPECT_EQ(typed->central_url, "https://c:1");
}

TEST(EnrollmentLink, AnythingElseIsRefusedSayingWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"https://central.example", "carnet://enroll?"},
      {"carnet://enroll?central=https://c&code=A", "(ca) manque"},
      {"carnet://enroll?central=https://c&ca=AB", "(code) manque"},
      {"carnet://enroll?code=A&ca=AB", "(central) manque"},
      {"carnet://enroll?central=%ZZ&code=A&ca=AB", "encodage"},
      {"carnet://enroll?central=x%00&code=A&ca=AB", "encodage"},
      {"carnet://enroll?central", "sans valeur"},
  };
  for (const auto& [text, message] : cases) {
    auto r = parse_enrollment_link(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code(), core::StatusCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(message), std::string::npos) << text << " → " << r.error().message();
  }
  EXPECT_FALSE(parse_enrollment_link(std::string("carnet://enroll?code=") + std::string(5000, 'A')).has_value());
}

TEST(UrlEncoding, DecodesWhatItEncodes) {
  const std::string all = "été & ça = 100 % / ?#";
  EXPECT_EQ(percent_decode(percent_encode(all)), all);
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("%4"), std::nullopt);
  EXPECT_EQ(percent_decode("%"), std::nullopt);
  EXPECT_EQ(percent_decode("%41%42"), "AB");
}

}  // namespace
}  // namespace carnet::sync
