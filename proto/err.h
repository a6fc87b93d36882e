//  err — the error codes every retailmesh function returns.
//  0 is success; every failure is one negative code from this list, so
//  callers can map it to an HTTP status or an error reply without guessing.
#ifndef RM_ERR_H
#define RM_ERR_H

enum {
    RM_OK = 0,
    RM_EINVAL = -1,      //  bad input: a field is missing, mistyped or out of range
    RM_ENOTFOUND = -2,   //  the thing asked for does not exist
    RM_ECONFLICT = -3,   //  the request contradicts stored state
    RM_ETIMEOUT = -4,    //  a peer did not answer before the deadline
    RM_EUNAVAIL = -5,    //  a peer or resource is not reachable
    RM_ESTORE = -6,      //  the LMDB store failed
    RM_ENOMEM = -7,      //  out of memory or a fixed buffer is too small
    RM_EPROTO = -8,      //  a message does not follow the wire protocol
    RM_EINTERNAL = -9,   //  a bug or an unexpected library failure
    RM_ESHORT = -10,     //  not enough stock
    RM_EMISMATCH = -11,  //  quoted prices differ from current prices
    RM_EBUSY = -12,      //  the same request is still being processed
    RM_EGONE = -13,      //  the events asked for are past the log's retention
    RM_ESTORAGE_FULL = -14, //  the store cannot grow: its maximum map size is reached or the disk is full
};

//  Returns a stable lower-case code name for an error ("invalid", "not_found").
const char *rm_errname (int err);

//  Returns an English sentence describing an error code.
const char *rm_strerror (int err);

//  Maps an error name back to its code; RM_EINTERNAL when unknown.
int rm_errcode (const char *name);

#endif
