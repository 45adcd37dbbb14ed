// The codec's protobuf-level pieces: what decode_batch() refuses from the network, catalogue
// messages on the wire, refusals (tests/sync/wire_compat_test.cpp: whole messages).
#include "sync/codec.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "support/status_matchers.hpp"
#include "sync/codec_wire.hpp"

namespace carnet::sync {
namespace {

using ::testing::HasSubstr;

// A batch of one inspection change whose base version is batch.base_hlc + `base_delta`.
v1::ChangeBatch batch_with_base(std::uint64_t base_hlc, std::int64_t base_delta) {
  v1::ChangeBatch b;
  b.set_base_hlc(base_hlc);
  b.add_nodes(std::string(16, '\x01'));
  v1::Entity* e = b.add_entities();
  e->set_type("inspection");
  e->set_uuid(std::string(16, '\x02'));
  e->set_scope(0);
  b.add_fields("statut");
  b.add_scopes("D1");
  v1::Change* c = b.add_changes();
  c->set_id(std::string(16, '\x03'));
  c->set_entity(0);
  c->set_field(0);
  c->set_hlc(0);
  c->set_node(0);
  c->set_base_hlc(base_delta);
  c->set_base_node(0);
  return b;
}

TEST(CodecTest, BaseVersionDeltaIsAddedToTheBatchBase) {
  auto decoded = decode_batch(batch_with_base(1000, -10));
  ASSERT_OK(decoded);
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0].change.base.hlc.value, 990u);
}

// Found by tests/fuzz/change_batch_fuzz: the base version was computed as
// int64(batch.base_hlc) + delta, a signed overflow (undefined behaviour) for values from
// the network; with a wrapping compiler INT64_MIN + -1 even became a valid INT64_MAX.
TEST(CodecTest, BaseVersionThatOverflowsIsRefused) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  for (const auto& [base, delta] : {std::pair<std::uint64_t, std::int64_t>{static_cast<std::uint64_t>(kMax), 1},
                                    {static_cast<std::uint64_t>(kMax) + 1, -1},
                                    {static_cast<std::uint64_t>(kMax) - 5, kMax}}) {
    auto decoded = decode_batch(batch_with_base(base, delta));
    ASSERT_FALSE(decoded) << base << " + " << delta;
    EXPECT_EQ(decoded.error().code(), core::StatusCode::kInvalidArgument);
    // A batch base beyond the HLC range is refused as such before its base version is read.
    EXPECT_THAT(decoded.error().message(), HasSubstr(base > static_cast<std::uint64_t>(kMax)
                                                         ? "horloge invalide" : "version de base invalide"));
  }
}

// Found by tests/fuzz/change_batch_fuzz: a version above INT64_MAX decoded, but its
// difference with a base version of 0 did not fit the sint64 that encode_batch writes, so the
// re-encoded batch (what the central node sends in a pull) no longer decoded.
TEST(CodecTest, AVersionBeyondTheHlcRangeIsRefusedSoThatEveryDecodedBatchReencodes) {
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  auto too_far = batch_with_base(kMax + 1, -static_cast<std::int64_t>(kMax));
  auto refused = decode_batch(too_far);
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().message(), HasSubstr("horloge invalide"));
  auto last = batch_with_base(1, 0);
  last.mutable_changes(0)->set_hlc(kMax);  // the highest version, base 1
  EXPECT_THAT(decode_batch(last).error().message(), HasSubstr("horloge invalide"));
  // At the edge: decodes, and what it encodes to decodes to the same versions.
  auto edge = batch_with_base(kMax, -static_cast<std::int64_t>(kMax));
  auto decoded = decode_batch(edge);
  ASSERT_OK(decoded);
  auto again = decode_batch(encode_batch(*decoded));
  ASSERT_OK(again);
  EXPECT_EQ((*again)[0].change.version.hlc.value, kMax);
  EXPECT_EQ((*again)[0].change.base.hlc.value, 0u);
}

// ---- A Status's catalogue parts on the wire (the central node's refusals). ----

TEST(CodecTest, MessagePartsRoundTripWithSubMessages) {
  const Status s = Status::invalid_argument("coeur.validation.texte_attendu",
                                            {{"champ", std::vector<core::Message>{core::Message("coeur.validation.tableau_inconnu",
                                                                                                {{"tableau", "t"}})}}})
                       .with_context("sync.central_service.erreur_serveur");
  google::protobuf::RepeatedPtrField<v1::Text> wire;
  encode_parts(s.parts(), wire);
  auto back = decode_parts(wire);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, s.parts());
  EXPECT_EQ(Status(core::StatusCode::kInvalidArgument, *back), s);
}

TEST(CodecTest, PartsWithAnUnknownKeyOrTooDeepAreNotDecoded) {
  google::protobuf::RepeatedPtrField<v1::Text> wire;
  EXPECT_FALSE(decode_parts(wire).has_value()) << "no part";
  wire.Add()->set_key("une.cle.inconnue.ici");
  EXPECT_FALSE(decode_parts(wire).has_value());
  // Nested five deep.
  wire.Clear();
  v1::Text* t = wire.Add();
  for (int i = 0; i < 5; ++i) {
    t->set_key("coeur.validation.texte_attendu");
    v1::Text::Param* p = t->add_params();
    p->set_name("champ");
    t = p->add_messages();
  }
  t->set_key("coeur.validation.statut_invalide");
  EXPECT_FALSE(decode_parts(wire).has_value());
}

TEST(CodecTest, ARefusalFallsBackToTheSendersTextThenToTheHttpStatus) {
  v1::Error e;
  e.set_message("texte du nœud central");
  e.add_parts()->set_key("une.cle.inconnue.ici");
  auto parts = refusal_parts(decode_refusal(e.SerializeAsString()), 403);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].render(), "texte du nœud central");
  parts = refusal_parts(decode_refusal("pas du protobuf \xff\xff"), 502);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].render(), "réponse HTTP 502");
  e.clear_parts();
  encode_parts({core::Message("sync.central_service.appareil_inconnu")}, *e.mutable_parts());
  parts = refusal_parts(decode_refusal(e.SerializeAsString()), 401);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].key(), "sync.central_service.appareil_inconnu");
}

}  // namespace
}  // namespace carnet::sync
