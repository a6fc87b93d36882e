//  topology — the one table of the mesh: each service's name, its default
//  request (ROUTER) and event (PUB) endpoints, the services it calls, the
//  event sources it consumes, and for an HTTP front (the gateway) its
//  default port. Services, the gateway, the `retailmesh` command and the
//  test harness all read it; nothing else in C lists services or ports.
//
//  The built-in rows describe the mesh on one machine. A topology file
//  (option --topology, RETAILMESH_TOPOLOGY or "topology = FILE" in a config
//  file) replaces rows by name and adds new ones, one row per line:
//
//      # name   rpc                   pub                   calls   consumes  http
//      billing  tcp://127.0.0.1:7401  tcp://127.0.0.1:7402  orders  orders    -
//
//  "-" stands for none; calls and consumes are comma-separated names.
//  `retailmesh topology` prints the active table in this form.
#ifndef RM_TOPOLOGY_H
#define RM_TOPOLOGY_H

#include "config.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TOPOLOGY_NAME_MAX 31

typedef struct {
    char *name;          //  binary name and option prefix ("pricing")
    char *rpc;           //  default request endpoint; NULL: takes no requests
    char *pub;           //  default event endpoint; NULL exactly when rpc is
    char **calls;        //  services it calls, NULL-terminated
    char **consumes;     //  services whose events it applies, NULL-terminated
    int http_port;       //  default HTTP port; 0: serves no HTTP
} topology_row_t;

typedef struct topology_t topology_t;

//  The built-in table. Returns 0 or RM_ENOMEM.
int topology_new (topology_t **self_p);

//  Destroys the table and nulls the pointer.
void topology_destroy (topology_t **self_p);

//  Applies a topology file: a row replaces the row of the same name, or is
//  added after the others. Every name a row calls or consumes must then
//  have a row that answers requests. Returns 0, or RM_EINVAL after printing
//  the file, line and field at fault (the table is then unchanged).
int topology_load (topology_t *self, const char *path);

//  The built-in table with the file named by the topology option applied
//  (see config_peek). Returns 0, or RM_EINVAL or RM_ENOMEM after printing
//  why.
int topology_for (int argc, char **argv, topology_t **self_p);

//  Declares the topology option, so config_load accepts it.
void topology_define_option (config_t *cfg);

size_t topology_count (const topology_t *self);

//  The i-th row in table order (NULL past the end).
const topology_row_t *topology_row (const topology_t *self, size_t i);

//  The row of that name, or NULL (also for a NULL name).
const topology_row_t *topology_find (const topology_t *self, const char *name);

//  The first row that serves HTTP (the gateway), or NULL.
const topology_row_t *topology_http_front (const topology_t *self);

//  Whether the NULL-terminated list holds name.
bool topology_lists (char *const *list, const char *name);

//  Points the row of that name at other endpoints (a NULL rpc or pub, or
//  an http_port of 0, keeps what it has), e.g. to run it on free ports.
//  Returns 0, RM_ENOTFOUND when there is no such row, RM_EINVAL when the
//  row has no endpoints (or no HTTP port) to change, or RM_ENOMEM.
int topology_set (topology_t *self, const char *name, const char *rpc, const char *pub,
                  int http_port);

//  Writes the table in the file format above.
void topology_print (const topology_t *self, FILE *out);

#endif
