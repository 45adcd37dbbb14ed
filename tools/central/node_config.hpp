// Where a central node's files are: in its data directory, or where DATA/central.conf names
// them. Several central nodes behind one address share a PostgreSQL store, the CA and server
// keys, and a blob directory: each has its own data directory whose central.conf names them.
//
//   # central.conf — every setting optional; a relative path is taken from the data directory
//   store = postgresql://carnet@db.example/carnet   (default: the SQLite file central.db)
//   blobs = /srv/carnet/blobs                       (default: blobs)
//   ca_cert = …  ca_key = …  server_cert = …  server_key = …   (default: ca.pem, ca.key,
//                                                               server.pem, server.key)
//   proxy_protocol_from = 10.0.0.5, 10.0.0.6     the load balancers that send the PROXY
//                                                protocol header (nginx `proxy_protocol on;`),
//                                                so that the node sees the clients' addresses
#pragma once

#include <string>
#include <vector>

#include "core/status.hpp"

namespace carnet::central {

struct NodeConfig {
  std::string dir;
  std::string store;  // an SQLite file or a postgresql:// URL
  std::string blobs;
  std::string ca_cert, ca_key, server_cert, server_key;
  std::vector<std::string> proxy_protocol_from;  // IP addresses, as written

  // The defaults for `dir`, without reading anything.
  static NodeConfig defaults(const std::string& dir);
  // The defaults, with what DATA/central.conf sets, if it exists. kInvalidArgument (French,
  // with the line) for a line that is not "name = value", an unknown name, or a store that is
  // neither a file nor a postgresql:// URL.
  static core::Result<NodeConfig> load(const std::string& dir);

  bool postgres() const;
  static std::string file(const std::string& dir) { return dir + "/central.conf"; }
};

}  // namespace carnet::central
