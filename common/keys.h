//  keys — the mesh's CURVE key pairs and this process's identity among them.
//
//  A keys directory holds one ZeroMQ certificate per service of the
//  topology and one for the operator (the `retailmesh` runbook commands
//  and the tests' clients): <name>.cert is the public half (shareable),
//  <name>.cert_secret the secret half (mode 0600). keys_init makes the
//  missing ones; nothing ever overwrites a key.
//
//  A process has at most one identity (keys_use): its own key pair, plus
//  the public key of each server endpoint it connects to (keys_add_peer,
//  keys_add_topology). rpc_client and consumer sockets then set the client
//  side of CURVE through keys_client; a service's bound sockets the server
//  side through keys_server. Without keys_use (--curve=false, unit tests)
//  sockets stay plain. Set up before any socket connects and never changed
//  afterwards, so any thread may read it.
#ifndef RM_KEYS_H
#define RM_KEYS_H

#include "topology.h"
#include <czmq.h>
#include <stdbool.h>

#define KEYS_OPERATOR "operator"

//  Makes, in dir (created 0700 if missing), a key pair for every row of
//  topo and for the operator, keeping those that exist. Sets *made (when
//  not NULL) to the number made. Returns 0, RM_EINVAL for a name that
//  cannot be a file name, or RM_EUNAVAIL when dir or a file cannot be
//  written (after printing which and why to stderr).
int keys_init (const char *dir, const topology_t *topo, int *made);

//  Writes into out (created 0700 if missing) the keys of dir that the
//  process name needs, and no others: its own pair, the public keys of the
//  rows it calls or consumes (the servers it connects to), of the rows
//  that call or consume it and of the operator (its allow-lists, zap.h).
//  A container given only out cannot act as any other process. Copies
//  already in out are replaced, so a rotated key reaches it. Returns 0,
//  RM_EINVAL (a name that cannot be a file name), RM_ENOTFOUND (a key
//  missing in dir), RM_EUNAVAIL (out cannot be written) or RM_ENOMEM;
//  prints which and why to stderr.
int keys_export (const char *dir, const topology_t *topo, const char *name, const char *out);

//  Takes <dir>/<name>.cert_secret as this process's key pair. Returns 0,
//  RM_ENOTFOUND when the file is missing or holds no secret key, or
//  RM_ENOMEM; prints nothing (the caller names the option).
int keys_use (const char *dir, const char *name);

//  Forgets the identity and every peer key (sockets made later are plain).
void keys_reset (void);

//  Whether keys_use succeeded (CURVE is on in this process).
bool keys_on (void);

//  The directory keys_use read, or NULL.
const char *keys_dir (void);

//  This process's public key (Z85, 40 characters), or NULL.
const char *keys_public (void);

//  Records that the server at endpoint is name, whose public key is
//  <dir>/<name>.cert. A no-op without an identity. Returns 0,
//  RM_ENOTFOUND when the certificate is missing, or RM_ENOMEM.
int keys_add_peer (const char *endpoint, const char *name);

//  keys_add_peer for the rpc and pub endpoint of every row. Returns 0 or
//  the first error (a row whose certificate is missing is skipped: it
//  fails where its endpoint is used).
int keys_add_topology (const topology_t *topo);

//  Sets the client side of CURVE on a socket about to connect to endpoint.
//  A no-op without an identity. Returns 0, or RM_ENOTFOUND when no public
//  key is known for endpoint.
int keys_client (zsock_t *sock, const char *endpoint);

//  Sets the server side of CURVE on a socket about to bind, with the ZAP
//  domain whose allow-list admits its clients (zap.h). A no-op without an
//  identity.
void keys_server (zsock_t *sock, const char *domain);

//  Declares --curve (default true) and --keys-dir (default default_dir).
void keys_define_options (config_t *cfg, const char *default_dir);

//  Applies them for the process called name: with --curve=false, warns
//  that every socket is plain and keeps none; otherwise keys_use on
//  --keys-dir. Returns 0, or keys_use's error after logging it with the
//  option to fix.
int keys_configure (config_t *cfg, const char *name);

//  Reads the public key of <dir>/<name>.cert into z85 (41 bytes).
//  Returns 0 or RM_ENOTFOUND.
int keys_public_of (const char *dir, const char *name, char *z85);

#endif
