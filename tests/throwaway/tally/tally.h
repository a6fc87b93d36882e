//  tally — a throwaway service that exists only in the test tree, to show
//  that adding a service is one folder, one topology row and its messages:
//  it counts the orders service's accepted orders (a consumer) and answers
//  tally.count with the count and its own option --label.
#ifndef RM_TALLY_H
#define RM_TALLY_H

#include "catalog.h"

//  Its slice of the catalogue, registered at start-up.
extern const msg_spec_t tally_messages[];

#endif
