// The wire format, byte for byte: the messages the codec writes are the ones the code before
// it wrote (tablets already in the field read and write them), and each decodes back to what
// was encoded, every field. The hex below was taken from the code that built the protobuf
// messages by hand in the central service and the tablet's sync; change it only with the
// protocol's version.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <type_traits>

#include "carnet/v1/sync.pb.h"
#include "storage/encoding.hpp"
#include "support/status_matchers.hpp"
#include "sync/codec.hpp"

namespace carnet::sync {
namespace {

core::Uuid uuid(std::uint8_t first) {
  std::array<std::uint8_t, 16> b{};
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(first + i);
  return core::Uuid::from_bytes(b);
}

// An inspection's answer with a base version, a row's cell, a dossier's date without a grid.
core::Change change(int i) {
  core::Change c;
  c.id = uuid(static_cast<std::uint8_t>(0x10 * i));
  if (i % 3 == 0) {
    c.entity_type = "inspection";
    c.entity_id = uuid(0xA0).to_string();
    c.parent = "D-1";
    c.scope = "D-1";
    c.field = "batiments.nb_wc";
    c.value = core::Value::number(core::Number::integer(3 + i));
    c.grid_key = "maison-accueil";
    c.grid_version = 3;
    c.base = {core::Hlc{1000000 + static_cast<std::uint64_t>(i)}, uuid(0x50)};
  } else if (i % 3 == 1) {
    c.entity_type = "row";
    c.entity_id = uuid(0xB0).to_string();
    c.parent = uuid(0xA0).to_string();
    c.scope = "D-1";
    c.field = "cellule.nom";
    c.value = core::Value::text("Mme Dubois");
    c.grid_key = "maison-accueil";
    c.grid_version = 3;
    c.seen_cursor = 41;
  } else {
    c.entity_type = "dossier";
    c.entity_id = "D-2";
    c.scope = "D-2";
    c.field = "last_visit";
    c.value = core::Value::date(core::Date::parse("2025-03-10").value());
  }
  c.version = {core::Hlc{2000000 + static_cast<std::uint64_t>(i) * 7}, uuid(i % 2 ? 0x60 : 0x70)};
  return c;
}

SyncRequest sample_request() {
  SyncRequest r;
  r.clock = core::Hlc{123456789};
  r.cursor = 42;
  for (int i = 0; i < 3; ++i) r.push.push_back(change(i));
  r.max_pull = 5000;
  r.grids = {{"maison-accueil", 3}, {"ilot", 1}};
  r.evicted = {"D-9"};
  r.resolved_conflicts = {"conflit-1"};
  r.want_checksum = true;
  r.restamps = true;
  r.repair = {"D-2"};
  return r;
}

SyncResponse sample_response() {
  SyncResponse r;
  r.clock = core::Hlc{987654321};
  const std::pair state(core::Value::number(core::Number::integer(5)),
                        core::Version{core::Hlc{3000000}, uuid(0x80)});
  using S = Outcome::Status;
  r.outcomes = {
      {0, S::kDuplicate, "", std::nullopt, std::nullopt},
      {1, S::kConflictWon, "", std::nullopt, std::nullopt},
      {2, S::kConflictLost, "", std::nullopt, state},
      {3, S::kQuarantined, "version sous la base",
       core::Message("stockage.central_sqlite.version_sous_base"), state},
      {4, S::kSuperseded, "", std::nullopt, state},
      {5, S::kClockAhead, "", std::nullopt, std::nullopt},
  };
  for (int i = 3; i < 6; ++i) r.pull.push_back({change(i), 100 + static_cast<std::uint64_t>(i)});
  r.cursor = 105;
  r.has_more = true;
  r.assigned = {"D-1", "D-2"};
  r.evict = {"D-9"};
  r.grid_files = {"grid { key: \"ilot\" }"};
  for (int i = 0; i < 2; ++i) {
    r.conflicts.push_back({"conflit-" + std::to_string(i),
                           "inspection",
                           uuid(0xA0).to_string(),
                           "batiments.nb_wc",
                           "D-1",
                           core::Value::number(core::Number::integer(5)),
                           {core::Hlc{4000000}, uuid(0x60)},
                           "insp-b",
                           i ? core::Value() : core::Value::text("trois"),
                           {core::Hlc{3900000}, uuid(0x70)},
                           "insp-a",
                           1741600000000 + i});
  }
  r.scope_checksum = "3f1e0c";
  r.blob_size_limit = 32u << 20;
  r.dossier_checksums = {{"D-1", "aa11"}, {"D-2", "bb22"}};
  r.repaired = {"D-2"};
  return r;
}

std::string hex(std::string_view bytes) {
  return storage::to_hex(bytes);
}

constexpr std::string_view kSyncRequest =
    "08959aef3a102a1add020880897a1210707172737475767778797a7b7c7d7e7f1210505152535455565758595a"
    "5b5c5d5e5f1210606162636465666768696a6b6c6d6e6f1a230a0a696e7370656374696f6e1210a0a1a2a3a4a5"
    "a6a7a8a9aaabacadaeaf2a03442d311a290a03726f771210b0b1b2b3b4b5b6b7b8b9babbbcbdbebf2210a0a1a2"
    "a3a4a5a6a7a8a9aaabacadaeaf1a100a07646f73736965721a03442d323001220f626174696d656e74732e6e62"
    "5f7763220b63656c6c756c652e6e6f6d220a6c6173745f76697369742a03442d312a03442d32320032120a0e6d"
    "6169736f6e2d6163637565696c10033a1f0a10000102030405060708090a0b0c0d0e0f220312013338ff887a40"
    "0148013a2c0a10101112131415161718191a1b1c1d1e1f10011801220c220a4d6d65204475626f697328073002"
    "480158293a260a10202122232425262728292a2b2c2d2e2f10021802220c1a0a323032352d30332d3130280e20"
    "88272a120a0e6d6169736f6e2d6163637565696c10032a080a04696c6f7410013203442d393a09636f6e666c69"
    "742d31400148015203442d32";

constexpr std::string_view kSyncResponse =
    "08b1d1f9d6031202100112040801100212220802100320012a0312013530c08db7013a10808182838485868788"
    "898a8b8c8d8e8f1265080310041a1476657273696f6e20736f7573206c61206261736520012a0312013530c08d"
    "b7013a10808182838485868788898a8b8c8d8e8f422b0a2973746f636b6167652e63656e7472616c5f73716c69"
    "74652e76657273696f6e5f736f75735f6261736512220804100520012a0312013530c08db7013a108081828384"
    "85868788898a8b8c8d8e8f1204080510061ae3020895897a1210606162636465666768696a6b6c6d6e6f121050"
    "5152535455565758595a5b5c5d5e5f1210707172737475767778797a7b7c7d7e7f1a230a0a696e737065637469"
    "6f6e1210a0a1a2a3a4a5a6a7a8a9aaabacadaeaf2a03442d311a290a03726f771210b0b1b2b3b4b5b6b7b8b9ba"
    "bbbcbdbebf2210a0a1a2a3a4a5a6a7a8a9aaabacadaeaf1a100a07646f73736965721a03442d323001220f6261"
    "74696d656e74732e6e625f7763220b63656c6c756c652e6e6f6d220a6c6173745f76697369742a03442d312a03"
    "442d32320032120a0e6d6169736f6e2d6163637565696c10033a210a10303132333435363738393a3b3c3d3e3f"
    "220312013638a3897a4001480150673a2e0a10404142434445464748494a4b4c4d4e4f10011801220c220a4d6d"
    "65204475626f6973280730024801506858293a280a10505152535455565758595a5b5c5d5e5f10021802220c1a"
    "0a323032352d30332d3130280e5069206928013203442d313203442d323a03442d39421467726964207b206b65"
    "793a2022696c6f7422207d4aaa010a09636f6e666c69742d30120a696e7370656374696f6e1a24613061316132"
    "61332d613461352d613661372d613861392d616161626163616461656166220f626174696d656e74732e6e625f"
    "77632a03442d3132240a03120135108092f4011a10606162636465666768696a6b6c6d6e6f2206696e73702d62"
    "3a280a07220574726f697310e084ee011a10707172737475767778797a7b7c7d7e7f2206696e73702d61408090"
    "ccfbd7324aa3010a09636f6e666c69742d31120a696e7370656374696f6e1a2461306131613261332d61346135"
    "2d613661372d613861392d616161626163616461656166220f626174696d656e74732e6e625f77632a03442d31"
    "32240a03120135108092f4011a10606162636465666768696a6b6c6d6e6f2206696e73702d623a210a0010e084"
    "ee011a10707172737475767778797a7b7c7d7e7f2206696e73702d61408190ccfbd73252063366316530635880"
    "808010620b0a03442d31120461613131620b0a03442d321204626232326a03442d32";

constexpr std::string_view kEnrollRequest =
    "0a0e414243442d454647482d3030303112282d2d2d2d2d424547494e2043455254494649434154452052455155"
    "4553542d2d2d2d2d0a2e2e2e0a1a165461626c65747465206465204d6d65204475626f69732210909192939495"
    "969798999a9b9c9d9e9f";

constexpr std::string_view kEnrollResponse =
    "0a202d2d2d2d2d424547494e2043455254494649434154452d2d2d2d2d0a2e2e2e0a1210909192939495969798"
    "999a9b9c9d9e9f1a06696e73702d61220a4d6d65204475626f69732880e6fe8907";

constexpr std::string_view kRenewRequest =
    "0a2a2d2d2d2d2d424547494e20434552544946494341544520524551554553542d2d2d2d2d0a72656e65770a";

constexpr std::string_view kRenewResponse =
    "0a242d2d2d2d2d424547494e2043455254494649434154452d2d2d2d2d0a72656e657765640a108093e18e07";

constexpr std::string_view kBlobStatus =
    "0a4061616161616161616161616161616161616161616161616161616161616161616161616161616161616161"
    "61616161616161616161616161616161616161616110e807";

constexpr std::string_view kRefusal =
    "0801125065727265757220647520736572766575722063656e7472616c203a2074726f7020646520646f737369"
    "65727320c3a02072c3a970617265722064616e7320756e65207365756c652072657175c3aa746522250a237379"
    "6e632e63656e7472616c5f736572766963652e6572726575725f73657276657572222a0a2873796e632e63656e"
    "7472616c5f736572766963652e74726f705f64655f72657061726174696f6e73";

constexpr std::string_view kRefusalExpired =
    "080c125f6c6520636572746966696361742064652063657420617070617265696c2061206578706972c3a9206c"
    "6520323033302d30332d31375431303a30303a30305a203a20696c2066617574206c27656e72c3b46c657220c3"
    "a0206e6f75766561751880e6fe890722470a2673796e632e63656e7472616c5f736572766963652e6365727469"
    "66696361745f657870697265121d0a057175616e641214323033302d30332d31375431303a30303a30305a";

// Any status: what decode() answers for bytes that are not the message it is asked for.
core::Status unreadable() {
  return core::Status::io_error("sync.tablet_sync.reponse_sync_illisible");
}

// `message` encodes to `golden` (hex) and decodes back equal, every field.
template <class T>
void expect_wire(const T& message, std::string_view golden) {
  const std::string bytes = encode(message);
  EXPECT_EQ(hex(bytes), golden);
  if constexpr (std::is_same_v<T, Refusal>) {
    EXPECT_EQ(decode_refusal(bytes), message);
  } else {
    auto back = decode<T>(bytes, unreadable());
    ASSERT_OK(back);
    EXPECT_EQ(*back, message);
  }
}

TEST(WireCompat, ASyncRequestIsWrittenAsBeforeAndReadBackWhole) {
  expect_wire(sample_request(), kSyncRequest);
}

TEST(WireCompat, ASyncResponseIsWrittenAsBeforeAndReadBackWhole) {
  expect_wire(sample_response(), kSyncResponse);
}

TEST(WireCompat, EnrollmentRenewalAndAttachmentMessagesAreWrittenAsBeforeAndReadBackWhole) {
  expect_wire(EnrollRequest{"ABCD-EFGH-0001", "-----BEGIN CERTIFICATE REQUEST-----\n...\n",
                            "Tablette de Mme Dubois", uuid(0x90)},
              kEnrollRequest);
  expect_wire(EnrollResponse{"-----BEGIN CERTIFICATE-----\n...\n", uuid(0x90), "insp-a",
                             "Mme Dubois", 1900000000},
              kEnrollResponse);
  expect_wire(RenewRequest{"-----BEGIN CERTIFICATE REQUEST-----\nrenew\n"}, kRenewRequest);
  expect_wire(RenewResponse{"-----BEGIN CERTIFICATE-----\nrenewed\n", 1910000000}, kRenewResponse);
  expect_wire(BlobStatus{std::string(64, 'a'), 1000, false}, kBlobStatus);
}

TEST(WireCompat, RefusalsAreWrittenAsBeforeAndReadBackWhole) {
  const core::Status refused =
      core::Status::invalid_argument("sync.central_service.trop_de_reparations")
          .with_context("sync.central_service.erreur_serveur");
  expect_wire(Refusal{ErrorCode::kBadRequest, refused.message(), 0, refused.parts()}, kRefusal);
  const core::Message expired("sync.central_service.certificat_expire",
                              {{"quand", "2030-03-17T10:00:00Z"}});
  expect_wire(Refusal{ErrorCode::kCertExpired, expired.render(), 1900000000, {expired}},
              kRefusalExpired);
}

// A newer central node may answer with an outcome or an error code this node does not know:
// it reads as unspecified (the change taken as applied; the refusal by its text).
TEST(WireCompat, AnUnknownOutcomeOrErrorCodeReadsAsUnspecified) {
  v1::SyncResponse response;
  response.add_outcomes()->set_status(static_cast<v1::Outcome::Status>(99));
  auto decoded = decode<SyncResponse>(response.SerializeAsString(), unreadable());
  ASSERT_OK(decoded);
  ASSERT_EQ(decoded->outcomes.size(), 1u);
  EXPECT_EQ(decoded->outcomes[0].status, Outcome::Status::kUnspecified);
  v1::Error error;
  error.set_code(static_cast<v1::Error::Code>(99));
  error.set_message("texte");
  const Refusal refusal = decode_refusal(error.SerializeAsString());
  EXPECT_EQ(refusal.code, ErrorCode::kUnspecified);
  EXPECT_EQ(refusal.message, "texte");
}

TEST(WireCompat, WhatIsNotTheMessageExpectedIsRefusedWithTheCallersStatus) {
  const std::string junk("\x0a\xff\xff\xff\xff garbage", 13);
  const core::Status unreadable =
      core::Status::invalid_argument("sync.central_service.synchronisation_illisible");
  EXPECT_EQ(decode<SyncRequest>(junk, unreadable).error(), unreadable);
  EXPECT_EQ(decode<SyncResponse>(junk, unreadable).error(), unreadable);
  EXPECT_EQ(decode<EnrollRequest>(junk, unreadable).error(), unreadable);
  EXPECT_EQ(decode<EnrollResponse>(junk, unreadable).error(), unreadable);
  EXPECT_EQ(decode<RenewRequest>(junk, unreadable).error(), unreadable);
  EXPECT_EQ(decode<RenewResponse>(junk, unreadable).error(), unreadable);
  EXPECT_EQ(decode<BlobStatus>(junk, unreadable).error(), unreadable);
  EXPECT_EQ(decode_refusal(junk), Refusal{});
}

}  // namespace
}  // namespace carnet::sync
